import { startPostgresCluster, type PostgresCluster, type PostgresClusterOptions } from '../postgres/postgresCluster';
import { startTemporalServer, type TemporalServer, type TemporalServerOptions } from './temporalServer';

/**
 * The whole production-like stack in one call: a local PostgreSQL cluster and the real Temporal server on it. `stop`
 * stops both; `restart` restarts the server only (its data stays in PostgreSQL), `postgres.restart` the database.
 */
export interface TemporalServerOnPostgres extends TemporalServer {
  postgres: PostgresCluster;
}

export async function startTemporalServerOnPostgres(
  options: { postgres?: PostgresClusterOptions; server?: Omit<TemporalServerOptions, 'sql'> } = {},
): Promise<TemporalServerOnPostgres> {
  const postgres = await startPostgresCluster(options.postgres);
  let server: TemporalServer;
  try {
    server = await startTemporalServer({
      ...options.server,
      sql: { host: postgres.host, port: postgres.port, user: postgres.user, password: postgres.password },
    });
  } catch (error) {
    await postgres.stop();
    throw error;
  }
  return {
    ...server,
    postgres,
    async stop() {
      await server.stop();
      await postgres.stop();
    },
  };
}
