/**
 * `npm run reconcile -- --from <ISO> --to <ISO> [--json] [--report-only]`: the arguments, checked
 * before anything is started, each mistake named in one clear line.
 */
export interface ReconcileArgs {
  from: string;
  to: string;
  json: boolean;
  repair: boolean;
}

export class ArgsError extends Error {}

export const USAGE =
  'usage: npm run reconcile -- --from <ISO date> [--to <ISO date, default now>] [--json] [--report-only]';

export function parseReconcileArgs(argv: readonly string[], now: Date = new Date()): ReconcileArgs {
  let from: string | undefined;
  let to: string | undefined;
  let json = false;
  let repair = true;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    const value = (): string => {
      const next = argv[index + 1];
      if (next === undefined || next.startsWith('--')) throw new ArgsError(`${arg} needs a value`);
      index += 1;
      return next;
    };
    if (arg === '--from') from = isoDate(value(), '--from');
    else if (arg === '--to') to = isoDate(value(), '--to');
    else if (arg === '--json') json = true;
    else if (arg === '--report-only') repair = false;
    else throw new ArgsError(`unknown argument ${JSON.stringify(arg.slice(0, 60))}`);
  }
  if (!from) throw new ArgsError('--from is required');
  const end = to ?? now.toISOString();
  if (Date.parse(from) >= Date.parse(end)) throw new ArgsError('--from must be before --to');
  if (Date.parse(end) > now.getTime() + 60_000) throw new ArgsError('--to is in the future');
  return { from, to: end, json, repair };
}

function isoDate(text: string, name: string): string {
  // A date, or a date and time with a zone: anything else is too ambiguous for money.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text)) {
    throw new ArgsError(
      `${name} must be an ISO 8601 date (2026-11-01) or date-time with a zone (2026-11-01T00:00:00Z), got ${JSON.stringify(text.slice(0, 60))}`,
    );
  }
  // Date.parse rolls 2026-02-31 over to March: check the calendar ourselves.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const hours = text.length > 10 ? Number(text.slice(11, 13)) : 0;
  const minutes = text.length > 10 ? Number(text.slice(14, 16)) : 0;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hours > 23 || minutes > 59)
    throw new ArgsError(`${name} is not a real date: ${text}`);
  const time = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(time)) throw new ArgsError(`${name} is not a real date: ${text}`);
  return new Date(time).toISOString();
}
