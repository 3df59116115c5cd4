import fs from 'node:fs';
import path from 'node:path';

/**
 * The real Temporal server's pieces, as `node scripts/install-tools.mjs --temporal-server` lays them out in .tools:
 * the server, its SQL schema tool, and the PostgreSQL schemas of the same version. TEMPORAL_SERVER_PATH,
 * TEMPORAL_SQL_TOOL_PATH and TEMPORAL_SERVER_SCHEMA_DIR point elsewhere (a machine with its own build).
 */
export interface TemporalServerInstall {
  server: string;
  sqlTool: string;
  /** Holds temporal/versioned and visibility/versioned (PostgreSQL v12 schemas). */
  schemaDir: string;
}

export const HOW_TO_GET_TEMPORAL_SERVER =
  'Build the Temporal server with `node scripts/install-tools.mjs --temporal-server` (needs Go; minutes the first ' +
  'time), or set TEMPORAL_SERVER_PATH, TEMPORAL_SQL_TOOL_PATH and TEMPORAL_SERVER_SCHEMA_DIR.';

const projectRoot = path.resolve(__dirname, '../..');

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function findTemporalServer(env: NodeJS.ProcessEnv = process.env): TemporalServerInstall {
  const install: TemporalServerInstall = {
    server: env.TEMPORAL_SERVER_PATH || path.join(projectRoot, '.tools/bin/temporal-server'),
    sqlTool: env.TEMPORAL_SQL_TOOL_PATH || path.join(projectRoot, '.tools/bin/temporal-sql-tool'),
    schemaDir: env.TEMPORAL_SERVER_SCHEMA_DIR || path.join(projectRoot, '.tools/temporal-server/schema/postgresql/v12'),
  };
  const missing = [
    ...(isExecutable(install.server) ? [] : [install.server]),
    ...(isExecutable(install.sqlTool) ? [] : [install.sqlTool]),
    ...(fs.existsSync(path.join(install.schemaDir, 'temporal/versioned')) ? [] : [install.schemaDir]),
  ];
  if (missing.length > 0) throw new Error(`Missing ${missing.join(', ')}. ${HOW_TO_GET_TEMPORAL_SERVER}`);
  return install;
}
