/**
 * `npm run topology -- [--orders N] [--seed S] [--concurrency C] [--export-metrics] [--keep-data]`.
 * --export-metrics rewrites deploy/grafana/exported-metrics.txt from what the two workers served.
 */
export interface TopologyArgs {
  orders: number;
  seed: number;
  concurrency: number;
  exportMetrics: boolean;
  keepData: boolean;
}

export const TOPOLOGY_USAGE =
  'usage: npm run topology -- [--orders N (default 500)] [--seed S (default: random)] [--concurrency C (default 8)] [--export-metrics] [--keep-data]';

export class TopologyArgsError extends Error {}

export function parseTopologyArgs(
  argv: readonly string[],
  randomSeed: () => number = () => Math.floor(Math.random() * 1_000_000),
): TopologyArgs {
  const args: TopologyArgs = { orders: 500, seed: Number.NaN, concurrency: 8, exportMetrics: false, keepData: false };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    const number = (min: number, max: number): number => {
      const text = argv[index + 1];
      index += 1;
      const value = Number(text);
      if (text === undefined || !Number.isInteger(value) || value < min || value > max)
        throw new TopologyArgsError(`${arg} needs a whole number from ${min} to ${max}`);
      return value;
    };
    if (arg === '--orders') args.orders = number(1, 100_000);
    else if (arg === '--seed') args.seed = number(0, 2 ** 31 - 1);
    else if (arg === '--concurrency') args.concurrency = number(1, 64);
    else if (arg === '--export-metrics') args.exportMetrics = true;
    else if (arg === '--keep-data') args.keepData = true;
    else throw new TopologyArgsError(`unknown argument ${JSON.stringify(arg.slice(0, 60))}`);
  }
  if (Number.isNaN(args.seed)) args.seed = randomSeed();
  return args;
}
