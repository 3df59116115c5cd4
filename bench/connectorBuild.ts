import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { progress } from './progress';

/**
 * How the bench runs the connector's own processes (worker, webhook servers). `compiled`, the
 * default, is what the image runs (`node lib/worker.js`, Dockerfile): the sources built once with
 * `npm run build`'s compiler settings. `tsx` runs them as `npm start` does, through the tsx loader,
 * whose source-mapped stack traces make every `new Error()` (the Stripe SDK makes one per request)
 * several times dearer: a development cost no deployment pays. The sandboxes and the connector
 * database are the bench's own tools and always run through tsx.
 */
export type ConnectorRuntime = 'compiled' | 'tsx';

const projectRoot = path.resolve(__dirname, '..');

/** `src/worker.ts` → `lib/worker.js` when compiled (tsconfig.build.json: rootDir src, outDir lib). */
export function connectorEntry(runtime: ConnectorRuntime, sourceEntry: string): string {
  if (runtime === 'tsx') return sourceEntry;
  return path.join('lib', path.relative('src', sourceEntry)).replace(/\.ts$/, '.js');
}

/** `npm run build` (tsc -p tsconfig.build.json), once per bench run, before any stack starts. */
export async function buildConnector(runtime: ConnectorRuntime): Promise<void> {
  if (runtime === 'tsx') return;
  progress('building the connector as the image does (tsc -p tsconfig.build.json into lib/)');
  const tsc = path.join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: projectRoot,
    maxBuffer: 16 * 1024 * 1024,
  });
}
