/**
 * `--connections N` (load spread over N connections, default 1) and `--connections-compare N`
 * (the same measurements with 1 and with N connections, on fresh stacks, and their ratios).
 */
export interface ConnectionsFlags {
  connections: number;
  compare: number | undefined;
}

const MAX_CONNECTIONS = 1_000;

function wholeNumberAfter(argv: readonly string[], flag: string, min: number): number | undefined {
  const at = argv.indexOf(flag);
  if (at < 0) return undefined;
  const text = argv[at + 1] ?? '';
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(value) || value < min || value > MAX_CONNECTIONS)
    throw new Error(`${flag} takes a whole number from ${min} to ${MAX_CONNECTIONS}`);
  return value;
}

export function parseConnectionsFlags(argv: readonly string[]): ConnectionsFlags {
  const connections = wholeNumberAfter(argv, '--connections', 1);
  const compare = wholeNumberAfter(argv, '--connections-compare', 2);
  if (connections !== undefined && compare !== undefined)
    throw new Error('--connections and --connections-compare do not go together: the comparison sets the count');
  return { connections: connections ?? 1, compare };
}
