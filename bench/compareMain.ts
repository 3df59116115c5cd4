import fs from 'node:fs';
import path from 'node:path';
import { compareResults, formatComparison } from './compare';

/**
 * `npm run bench:compare -- <result.json> [baseline.json] [--tolerance 0.2]`: a per-metric
 * verdict table; exit 1 when a gated metric (the steady counts, the connector's CPU) is worse
 * beyond its own tolerance. `--tolerance` is the general one, for the informational rows. A
 * result file may hold the bench's whole stdout: its last JSON line is used.
 */
function readResult(file: string): unknown {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('{'));
  const last = lines[lines.length - 1];
  if (!last) throw new Error(`${file} holds no JSON object`);
  try {
    return JSON.parse(last) as unknown;
  } catch {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  }
}

function main(argv: readonly string[]): number {
  const files: string[] = [];
  let tolerance = 0.2;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (arg === '--tolerance') tolerance = Number(argv[(index += 1)]);
    else files.push(arg);
  }
  if (files.length < 1 || !Number.isFinite(tolerance)) {
    process.stderr.write('usage: npm run bench:compare -- <result.json> [bench/baseline.json] [--tolerance 0.2]\n');
    return 2;
  }
  const current = readResult(files[0]!);
  const baseline = readResult(files[1] ?? path.join(__dirname, 'baseline.json'));
  const comparison = compareResults(current, baseline, tolerance);
  process.stdout.write(`${formatComparison(comparison, tolerance)}\n`);
  return comparison.regressions.length > 0 ? 1 : 0;
}

try {
  process.exit(main(process.argv.slice(2)));
} catch (error) {
  process.stderr.write(`bench:compare failed: ${(error as Error).message}\n`);
  process.exit(2);
}
