import { spawn } from 'node:child_process';
import path from 'node:path';
import type { ReconciliationReport } from '../src/shared/reconciliation';
import { PROJECT_ROOT } from './childProcess';

/**
 * Runs reconciliation once the way an operator would: `npm run reconcile -- --from --to --json`
 * (the real reconciliation workflow, started by the CLI, on the run's worker). Its last stdout
 * line is the report.
 */
export interface ReconcileOutcome {
  exitCode: number | null;
  report: ReconciliationReport | undefined;
  seconds: number;
  error?: string;
}

export async function runReconcileCli(
  window: { from: string; to: string },
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<ReconcileOutcome> {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(PROJECT_ROOT, 'src/starter/reconcile/main.ts'),
      '--from',
      window.from,
      '--to',
      window.to,
      '--json',
    ],
    {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-5000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  clearTimeout(timer);
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return { exitCode, report: JSON.parse(last) as ReconciliationReport, seconds };
  } catch {
    return {
      exitCode,
      report: undefined,
      seconds,
      error: `no report (exit ${exitCode}): ${(stderr || stdout).trim().split('\n').slice(-5).join(' | ')}`,
    };
  }
}
