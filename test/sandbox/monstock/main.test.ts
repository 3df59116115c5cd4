import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { tempDataFile, TEST_SECRET, TEST_TOKEN } from './support/sandbox';

/** The runnable entry point, as `npm run sandbox:monstock` starts it. */
const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const MAIN = path.join(ROOT, 'sandbox/monstock/main.ts');

let temp: { dir: string; file: string };
beforeEach(() => {
  temp = tempDataFile();
});
afterEach(() => fs.rmSync(temp.dir, { recursive: true, force: true }));

// Run from an empty folder so a developer's .env cannot fill in what a test leaves out.
function run(env: Record<string, string>): ChildProcessWithoutNullStreams {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(MONSTOCK_|DATA_DIR|SANDBOX_FAULTS)/.test(name)),
  );
  return spawn(TSX, [MAIN], { cwd: temp.dir, env: { ...clean, LOG_LEVEL: 'error', ...env } });
}

function finished(
  child: ChildProcessWithoutNullStreams,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

test.each([
  ['MONSTOCK_API_TOKEN', { MONSTOCK_WEBHOOK_SECRET: TEST_SECRET }],
  ['MONSTOCK_WEBHOOK_SECRET', { MONSTOCK_API_TOKEN: TEST_TOKEN }],
])('without %s it names the variable and exits 1', async (variable, env) => {
  const result = await finished(run(env));
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(variable);
});

test.each(['SIGINT', 'SIGTERM'] as const)(
  'it prints its URL, serves, keeps data under DATA_DIR, and stops on %s',
  async (signal) => {
    const child = run({
      MONSTOCK_API_TOKEN: TEST_TOKEN,
      MONSTOCK_WEBHOOK_SECRET: TEST_SECRET,
      MONSTOCK_SANDBOX_PORT: '0',
      DATA_DIR: temp.dir,
      MONSTOCK_SANDBOX_WEBHOOK_URL: '',
      SANDBOX_FAULTS: '{"latencyMs":1}',
    });
    const done = finished(child);
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(chunk.toString());
        if (found?.[1]) resolve(found[1]);
      });
      child.on('close', () => reject(new Error('exited before listening')));
    });
    const answer = await request(`${url}/v1/customers`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    expect(answer.statusCode).toBe(200);
    await answer.body.dump();
    const faults = await request(`${url}/_sandbox/faults`);
    expect(await faults.body.json()).toEqual({ latencyMs: 1 });
    child.kill(signal);
    const result = await done;
    expect(result.code).toBe(0);
    expect(fs.existsSync(path.join(temp.dir, 'monstock-sandbox.sqlite'))).toBe(true);
  },
);
