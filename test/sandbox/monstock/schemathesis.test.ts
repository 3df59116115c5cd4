import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SPEC_FILE } from './support/openapi';
import { startTestSandbox, TEST_TOKEN, type TestSandbox } from './support/sandbox';

/**
 * Property-based fuzzing of the sandbox against docs/monstock-api.yaml with schemathesis (PyPI,
 * pinned in scripts/toolVersions.json, installed into .tools/python by
 * `node scripts/install-tools.mjs --schemathesis`). Every check runs; any failure fails this test
 * with schemathesis's report. Fixed seed and example count keep it deterministic and bounded.
 */
const ROOT = path.resolve(__dirname, '../../..');
const SCHEMATHESIS = path.join(ROOT, '.tools/python/bin/schemathesis');
const CONFIG = path.join(__dirname, 'schemathesis.toml');
const SEED = '20261130';
const MAX_EXAMPLES = '30';
const RUN_TIMEOUT_MS = 150_000;

let sandbox: TestSandbox;

beforeAll(async () => {
  const install = spawnSync(process.execPath, [path.join(ROOT, 'scripts/install-tools.mjs'), '--schemathesis'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (install.status !== 0 || !fs.existsSync(SCHEMATHESIS)) {
    throw new Error(
      `schemathesis could not be installed into .tools/python (is PyPI reachable?):\n${install.stderr}${install.stdout}`,
    );
  }
  sandbox = await startTestSandbox({ webhookUrl: '' });
}, 300_000);

afterAll(async () => {
  await sandbox?.dispose();
});

function run(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      SCHEMATHESIS,
      args,
      {
        // Outside the work tree: schemathesis leaves a .schemathesis/ cache in its working directory.
        cwd: os.tmpdir(),
        timeout: RUN_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, output: `${stdout}${stderr}${error && code === -1 ? `\n${error.message}` : ''}` });
      },
    );
  });
}

test(
  'schemathesis finds no failure against the sandbox',
  async () => {
    const { code, output } = await run([
      '--config-file',
      CONFIG,
      'run',
      SPEC_FILE,
      '--url',
      sandbox.sandbox.apiUrl,
      '--header',
      `Authorization: Bearer ${TEST_TOKEN}`,
      '--checks',
      'all',
      '--seed',
      SEED,
      '--max-examples',
      MAX_EXAMPLES,
      '--workers',
      '1',
      '--no-shrink',
    ]);
    if (code !== 0) throw new Error(`schemathesis exited with ${code}:\n${output}`);
    expect(output).toMatch(/No issues found|passed/);
  },
  RUN_TIMEOUT_MS + 10_000,
);
