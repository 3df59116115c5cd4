import fs from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/shared/searchAttributes';
import { findTemporalCli, HOW_TO_GET_TEMPORAL, type FoundBinary } from './findBinary';

/**
 * The embedded Temporal: the CLI's dev server, with the Web UI and our search attributes, its
 * state in a SQLite file so a restart resumes running workflows. Used by `npm start` and tests.
 */
export interface EmbeddedTemporalOptions {
  /** SQLite file; omit for an in-memory server (tests). */
  dbFile?: string;
  port?: number;
  ui?: boolean;
  uiPort?: number;
  namespace?: string;
  ip?: string;
  binary?: FoundBinary;
  /**
   * SQLite pragmas (`name=value`); default DEV_SERVER_SQLITE_PRAGMAS. The bench passes [] to measure the untuned
   * server.
   */
  sqlitePragmas?: readonly string[];
  /**
   * The Web UI's remote codec (`--ui-codec-endpoint`): the base URL of the connector's codec endpoint
   * (`…/codec`; the UI posts to `<url>/decode`), which the UI calls from the browser so a person sees
   * payloads in clear instead of the connector's ciphertext. Only with `ui`.
   */
  uiCodecEndpoint?: string;
}

export interface EmbeddedTemporal {
  address: string;
  uiUrl: string | undefined;
  /** The codec endpoint the Web UI decodes payloads through, when one was given. */
  uiCodecEndpoint: string | undefined;
  namespace: string;
  binary: FoundBinary;
  env: TestWorkflowEnvironment;
  stop(): Promise<void>;
}

/** SQLite settings that suit a single-node dev server: WAL so readers do not block the writer. */
export const DEV_SERVER_SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

export async function startEmbeddedTemporal(options: EmbeddedTemporalOptions = {}): Promise<EmbeddedTemporal> {
  const binary = options.binary ?? findTemporalCli();
  const namespace = options.namespace ?? 'default';
  if (options.dbFile) fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
  // A port the SDK found free can be taken before the server binds it (seen beside a bench's other
  // processes starting): with no port asked for, a fresh one is tried, twice more.
  const attempts = options.port === undefined ? 3 : 1;
  let env: TestWorkflowEnvironment | undefined;
  for (let attempt = 1; env === undefined; attempt += 1) {
    try {
      env = await startLocal();
    } catch (error) {
      if (attempt < attempts) continue;
      throw new Error(
        `Could not start the Temporal dev server from ${binary.description}: ${(error as Error).message}\n${HOW_TO_GET_TEMPORAL}`,
        { cause: error },
      );
    }
  }
  function startLocal(): Promise<TestWorkflowEnvironment> {
    return TestWorkflowEnvironment.createLocal({
      server: {
        executable: binary.executable,
        namespace,
        ip: options.ip ?? '127.0.0.1',
        ...(options.port !== undefined ? { port: options.port } : {}),
        ...(options.dbFile ? { dbFilename: options.dbFile } : {}),
        ...(options.ui ? { ui: true, ...(options.uiPort !== undefined ? { uiPort: options.uiPort } : {}) } : {}),
        searchAttributes: [...ALL_SEARCH_ATTRIBUTES],
        extraArgs: [
          ...(options.sqlitePragmas ?? DEV_SERVER_SQLITE_PRAGMAS).flatMap((pragma) => ['--sqlite-pragma', pragma]),
          ...(options.ui && options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
        ],
        log: { format: 'pretty', level: 'error' },
      },
    });
  }
  const address = env.address;
  const uiPort = options.ui ? (options.uiPort ?? Number(address.split(':').pop()) + 1000) : undefined;
  return {
    address,
    uiUrl: uiPort ? `http://${options.ip ?? '127.0.0.1'}:${uiPort}` : undefined,
    uiCodecEndpoint: options.ui ? options.uiCodecEndpoint : undefined,
    namespace,
    binary,
    env,
    stop: () => env.teardown(),
  };
}
