import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Starts Stripe's `stripe-mock` (a stateless server that validates requests against Stripe's
 * OpenAPI spec) for contract tests. The binary comes from STRIPE_MOCK_PATH, then
 * `.tools/bin` (where `npm run tools` puts it), then Go's bin folder, then PATH; a machine
 * without it fails loudly rather than skipping the contract check.
 */
export interface StripeMock {
  port: number;
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '../..');
const STARTUP_TIMEOUT_MS = 20_000;

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function findStripeMock(env: NodeJS.ProcessEnv = process.env): string {
  const goBin = path.join(env.GOPATH || path.join(env.HOME || os.homedir(), 'go'), 'bin', 'stripe-mock');
  const candidates = [
    env.STRIPE_MOCK_PATH,
    path.join(ROOT, '.tools/bin/stripe-mock'),
    goBin,
    ...(env.PATH ?? '')
      .split(path.delimiter)
      .filter(Boolean)
      .map((dir) => path.join(dir, 'stripe-mock')),
  ];
  if (env.STRIPE_MOCK_PATH && !isExecutable(env.STRIPE_MOCK_PATH)) {
    throw new Error(`STRIPE_MOCK_PATH=${env.STRIPE_MOCK_PATH} is not an executable file`);
  }
  const found = candidates.find((candidate): candidate is string => !!candidate && isExecutable(candidate));
  if (!found) throw new Error('stripe-mock not found: run `npm run tools` (needs Go) or set STRIPE_MOCK_PATH');
  return found;
}

/** A port nobody listens on right now (stripe-mock takes a port number, not "pick one"). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function answers(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/v1/customers?limit=1`, {
      headers: { authorization: 'Bearer sk_test_123' },
    });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Attempts on fresh ports when one of the two free ports chosen was taken before stripe-mock bound it. */
const PORT_ATTEMPTS = 3;

export async function startStripeMock(): Promise<StripeMock> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startStripeMockOnFreePorts();
    } catch (error) {
      const portTaken = error instanceof Error && /address already in use/.test(error.message);
      if (!portTaken || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

async function startStripeMockOnFreePorts(): Promise<StripeMock> {
  const binary = findStripeMock();
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const child = spawn(binary, ['-http-port', String(httpPort), '-https-port', String(httpsPort)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  const stop = async (): Promise<void> => {
    if (exitCode !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!(await answers(httpPort))) {
    if (exitCode !== undefined) throw new Error(`stripe-mock (${binary}) exited with code ${exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `stripe-mock (${binary}) did not answer on port ${httpPort} within ${STARTUP_TIMEOUT_MS} ms:\n${output}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port: httpPort, stop };
}
