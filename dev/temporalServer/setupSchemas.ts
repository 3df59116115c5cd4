import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { z } from 'zod';
import type { TemporalServerInstall } from './findTemporalServer';
import type { SqlEndpoint } from './serverConfig';

const run = promisify(execFile);
const databaseName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier');

/**
 * Brings both databases to the schema of the installed server, as an operator does with temporal-sql-tool: create the
 * database when missing, `setup-schema -v 0.0` (only the version tables, idempotent), then `update-schema`, which
 * applies just the versions the database lacks. Safe to run on every start, and it is how an upgrade migrates.
 */
export async function setupSchemas(
  install: TemporalServerInstall,
  sql: SqlEndpoint,
  databases: { history: string; visibility: string },
): Promise<void> {
  for (const [database, schema] of [
    [databases.history, 'temporal'],
    [databases.visibility, 'visibility'],
  ] as const) {
    await createDatabaseIfMissing(sql, databaseName.parse(database));
    const common = ['--plugin', 'postgres12', '--ep', sql.host, '--port', String(sql.port), '--user', sql.user];
    // The password goes through the environment, never argv, where any local user can read it with ps.
    const env = { ...process.env, SQL_PASSWORD: sql.password, SQL_DATABASE: database };
    const steps = [
      ['setup-schema', '-v', '0.0'],
      ['update-schema', '-d', path.join(install.schemaDir, schema, 'versioned')],
    ];
    for (const step of steps) {
      try {
        await run(install.sqlTool, [...common, '--db', database, ...step], { env });
      } catch (error) {
        const failed = error as { stderr?: string; stdout?: string; message: string };
        throw new Error(
          `temporal-sql-tool ${step[0]} on database ${database} failed: ${failed.stderr || failed.stdout || failed.message}`,
          { cause: error },
        );
      }
    }
  }
}

async function createDatabaseIfMissing(sql: SqlEndpoint, database: string): Promise<void> {
  const client = new pg.Client({
    host: sql.host,
    port: sql.port,
    user: sql.user,
    password: sql.password,
    database: 'postgres',
  });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!exists.rowCount) await client.query(`CREATE DATABASE ${database}`);
  } finally {
    await client.end();
  }
}
