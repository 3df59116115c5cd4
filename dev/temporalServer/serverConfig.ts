/**
 * The server's static config, modelled on the module's config/development-postgres12.yaml: one node running every
 * service, history in one PostgreSQL database and visibility (the list/search queries) in another, both through the
 * postgres12 SQL plugin. Every port is given by the caller (free ones), so several servers can run side by side.
 * Written as JSON, which is YAML too: no YAML writer needed, and no quoting to get wrong.
 */
export interface ServerPorts {
  frontendGrpc: number;
  frontendHttp: number;
  frontendMembership: number;
  historyGrpc: number;
  historyMembership: number;
  matchingGrpc: number;
  matchingMembership: number;
  workerGrpc: number;
  workerMembership: number;
}

export interface SqlEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface ServerConfigInput {
  sql: SqlEndpoint;
  databases: { history: string; visibility: string };
  ports: ServerPorts;
  dynamicConfigFile: string;
  /** Fixed once the history database exists: changing it later corrupts the cluster. */
  numHistoryShards: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

const HOST = '127.0.0.1';

export function renderServerConfig(input: ServerConfigInput): string {
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${input.sql.host}:${input.sql.port}`,
      connectProtocol: 'tcp',
      user: input.sql.user,
      password: input.sql.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, extra: Record<string, number> = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnIP: HOST, ...extra },
  });
  const config = {
    log: { stdout: true, level: input.logLevel, format: 'json' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: input.numHistoryShards,
      datastores: {
        'postgres-default': store(input.databases.history, 20),
        'postgres-visibility': store(input.databases.visibility, 10),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: HOST } },
    services: {
      frontend: service(input.ports.frontendGrpc, input.ports.frontendMembership, {
        httpPort: input.ports.frontendHttp,
      }),
      history: service(input.ports.historyGrpc, input.ports.historyMembership),
      matching: service(input.ports.matchingGrpc, input.ports.matchingMembership),
      worker: service(input.ports.workerGrpc, input.ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontendAddress(input) },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: input.dynamicConfigFile, pollInterval: '10s' },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export function frontendAddress(input: Pick<ServerConfigInput, 'ports'>): string {
  return `${HOST}:${input.ports.frontendGrpc}`;
}

/**
 * Dynamic config: search attributes registered a moment ago are usable at once (as on the CLI's dev server), instead
 * of after the cache's refresh; a worker that registers them and starts a workflow right away depends on it.
 */
export const DYNAMIC_CONFIG = `system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
    constraints: {}
`;
