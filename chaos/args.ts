/**
 * `npm run chaos -- [--orders N] [--seed S] [--concurrency C] [--connections N] [--keep-data]
 * [--no-merchant-flows]`.
 */
export interface ChaosArgs {
  orders: number;
  seed: number;
  concurrency: number | undefined;
  /** How many merchants the stack serves at once: `default` plus N-1 connections added while it runs. */
  connections: number;
  keepData: boolean;
  /** Capture-at-shipment orders and Monstock refund requests in the mix (on unless --no-merchant-flows). */
  merchantFlows: boolean;
}

export const CHAOS_USAGE =
  'usage: npm run chaos -- [--orders N (default 1000)] [--seed S (default: random)] [--concurrency C] [--connections N (1 to 10, default 1)] [--keep-data] [--no-merchant-flows]';

export class ChaosArgsError extends Error {}

export function parseChaosArgs(
  argv: readonly string[],
  randomSeed: () => number = () => Math.floor(Math.random() * 1_000_000),
): ChaosArgs {
  const args: ChaosArgs = {
    orders: 1000,
    seed: Number.NaN,
    concurrency: undefined,
    connections: 1,
    keepData: false,
    merchantFlows: true,
  };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    const number = (min: number, max: number): number => {
      const text = argv[index + 1];
      index += 1;
      const value = Number(text);
      if (text === undefined || !Number.isInteger(value) || value < min || value > max)
        throw new ChaosArgsError(`${arg} needs a whole number from ${min} to ${max}`);
      return value;
    };
    if (arg === '--orders') args.orders = number(1, 100_000);
    else if (arg === '--seed') args.seed = number(0, 2 ** 31 - 1);
    else if (arg === '--concurrency') args.concurrency = number(1, 64);
    else if (arg === '--connections') args.connections = number(1, 10);
    else if (arg === '--keep-data') args.keepData = true;
    else if (arg === '--no-merchant-flows') args.merchantFlows = false;
    else throw new ChaosArgsError(`unknown argument ${JSON.stringify(arg.slice(0, 60))}`);
  }
  if (Number.isNaN(args.seed)) args.seed = randomSeed();
  return args;
}
