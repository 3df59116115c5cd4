import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { DYNAMIC_CONFIG, renderServerConfig } from '../../dev/temporalServer/serverConfig';
import { SETTINGS } from '../../src/config/settings';
import {
  connectorEnvironment,
  setupEnvironment,
  TOPOLOGY_SHAPE,
  webhookReplicaEnvironment,
  workerEnvironment,
} from '../../topology/processEnvironments';

/**
 * No Docker engine runs here, so docker-compose.yml cannot be started in a test: this is the proof
 * it has the shape `npm run topology` runs and checks. Each connector service gets the variables the
 * topology gives the same kind of process (names, not values), minus and plus the differences listed
 * below with their reason; Temporal runs the same version on the same persistence; nothing that has
 * no authentication is published beyond loopback.
 */
const ROOT = path.join(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

// js-yaml 3 (a devDependency, the version Jest's own tooling already brings); its merge keys (`<<:`) are what
// the compose file's anchors rely on.
const jsYaml = createRequire(__filename)('js-yaml') as { safeLoad(text: string): unknown };
const loadYaml = (file: string): unknown => jsYaml.safeLoad(read(file));

type ProcessKind = 'setup' | 'worker' | 'webhooks';

/** Variables the topology passes and the compose file does not, each with its reason. */
const TOPOLOGY_ONLY: Record<ProcessKind, Record<string, string>> = {
  setup: {},
  worker: {},
  webhooks: {},
};
const TOPOLOGY_ONLY_EVERYWHERE: Record<string, string> = {
  PATH: "a child process's plumbing; the image has its own",
  HOME: "a child process's plumbing; the image has its own",
  TEMPORAL_UI_PORT: 'the topology runs no Web UI (links point nowhere); compose sets TEMPORAL_UI_URL to its UI',
  DATA_DIR:
    "the topology's scratch directory (sandboxes, logs); the image keeps nothing on disk: state is in DATABASE_URL",
};
/** Variables the compose file sets and the topology does not, each with its reason. */
const COMPOSE_ONLY: Record<ProcessKind, Record<string, string>> = {
  setup: {},
  worker: {
    WORKER_MAX_CACHED_WORKFLOWS:
      "a setting for the operator (empty: the connector's default, 200, which the topology runs)",
  },
  webhooks: {
    ADMIN_HOST: 'a container binds 0.0.0.0 for Docker to publish the admin port on loopback; topology binds HOST',
    OIDC_ISSUER: "the Web UI's sign-in forwards tokens to the codec endpoint; the topology has no UI",
    OIDC_AUDIENCE: 'with OIDC_ISSUER',
  },
};
const COMPOSE_ONLY_EVERYWHERE: Record<string, string> = {
  TEMPORAL_UI_URL: 'links on the report pages to the Web UI compose runs',
};
/** Read by the connector without being in SETTINGS (the image sets them). */
const IMAGE_VARIABLES = ['NODE_ENV', 'WORKFLOW_BUNDLE_PATH'];

const environmentSchema = z.union([
  z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  z.array(z.string()),
]);
const serviceSchema = z.looseObject({
  image: z.string().optional(),
  environment: environmentSchema.optional(),
  ports: z.array(z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
});
const composeSchema = z.looseObject({ services: z.record(z.string(), serviceSchema) });
type Service = z.infer<typeof serviceSchema>;

const compose = composeSchema.parse(loadYaml('docker-compose.yml'));
const service = (name: string): Service => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const environmentOf = (svc: Service): Record<string, string> => {
  const env = svc.environment ?? {};
  if (Array.isArray(env))
    return Object.fromEntries(env.map((entry) => [entry.split('=')[0]!, entry.slice(entry.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, String(value ?? '')]));
};

/** The runtime stage's ENV of the Dockerfile: part of every connector container's environment. */
function imageEnvironment(): string[] {
  const dockerfile = read('Dockerfile').replace(/\\\n/g, ' ');
  const runtime = dockerfile.split(/^FROM /m).at(-1)!;
  return [...runtime.matchAll(/^ENV (.+)$/gm)].flatMap((match) =>
    [...match[1]!.matchAll(/([A-Z_][A-Z0-9_]*)=/g)].map((assignment) => assignment[1]!),
  );
}

/** The variables of each process kind as the topology starts it (placeholder values: only names count). */
function topologyEnvironments(): Record<ProcessKind, string[]> {
  const shared = connectorEnvironment({
    secrets: {
      monstockToken: 'token',
      monstockWebhook: 'secret',
      stripeKey: 'sk_test_x',
      stripeWebhook: 'whsec_x',
      encryption: 'k:x',
      adminToken: 'admin',
    },
    temporal: { address: '127.0.0.1:7233', namespace: 'default' },
    monstockApiUrl: 'http://127.0.0.1:1/api',
    stripeApiUrl: 'http://127.0.0.1:2',
    publicWebhookUrl: 'http://127.0.0.1:3',
    dataDir: '/tmp/topology',
    databaseUrl: 'postgres://connector:x@127.0.0.1:5432/connector',
    workflowBundlePath: '/tmp/topology/workflow-bundle.js',
    stripeRateLimitPerSecond: 25,
  });
  return {
    setup: Object.keys(setupEnvironment(shared)),
    worker: Object.keys(workerEnvironment(shared, '127.0.0.1:9464')),
    webhooks: Object.keys(webhookReplicaEnvironment(shared, { port: 3000, adminPort: 3001 })),
  };
}

const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
const SERVICES_BY_KIND: Record<ProcessKind, string[]> = {
  setup: ['connector-setup'],
  worker: numbered('worker', TOPOLOGY_SHAPE.workers),
  webhooks: numbered('webhooks', TOPOLOGY_SHAPE.webhookReplicas),
};
const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

describe('docker-compose.yml matches `npm run topology`', () => {
  const topology = topologyEnvironments();
  const image = imageEnvironment();

  it('runs the same pieces: PostgreSQL, the schema job, Temporal, its UI, setup, as many workers and replicas', () => {
    for (const name of [
      'postgresql',
      'temporal-schema',
      'temporal',
      'temporal-namespace',
      'temporal-ui',
      'load-balancer',
    ])
      expect(compose.services).toHaveProperty([name]);
    for (const names of Object.values(SERVICES_BY_KIND)) for (const name of names) service(name);
    const connectorServices = Object.entries(compose.services).filter(
      ([, svc]) => svc.image === 'monstock-stripe:local',
    );
    expect(sorted(connectorServices.map(([name]) => name))).toEqual(sorted(Object.values(SERVICES_BY_KIND).flat()));
  });

  for (const kind of Object.keys(SERVICES_BY_KIND) as ProcessKind[]) {
    for (const name of SERVICES_BY_KIND[kind]) {
      it(`${name} gets the variables the topology gives a ${kind} process, differences listed`, () => {
        const topologyOnly = { ...TOPOLOGY_ONLY_EVERYWHERE, ...TOPOLOGY_ONLY[kind] };
        const composeOnly = { ...COMPOSE_ONLY_EVERYWHERE, ...COMPOSE_ONLY[kind] };
        const expected = sorted([
          ...topology[kind].filter((variable) => !(variable in topologyOnly)),
          ...Object.keys(composeOnly),
        ]);
        const actual = sorted([...Object.keys(environmentOf(service(name))), ...image]);
        expect(actual).toEqual(expected);
        // A listed difference that is no longer one is stale: the list must stay the exact truth.
        for (const variable of Object.keys(topologyOnly)) expect(topology[kind]).toContain(variable);
        for (const variable of Object.keys(composeOnly)) expect(topology[kind]).not.toContain(variable);
      });
    }
  }

  it('names only settings the connector reads, and every secret fails loudly when missing', () => {
    const known = new Set([...Object.keys(SETTINGS), ...IMAGE_VARIABLES]);
    const secrets = Object.values(SETTINGS)
      .filter((definition) => definition.secret)
      .map((definition) => definition.name);
    for (const name of Object.values(SERVICES_BY_KIND).flat()) {
      const env = environmentOf(service(name));
      expect(Object.keys(env).filter((variable) => !known.has(variable))).toEqual([]);
      for (const variable of secrets.filter((secret) => secret in env))
        expect([variable, env[variable]]).toEqual([variable, expect.stringMatching(/\$\{[A-Z_]+:\?[^}]+\}/)]);
    }
  });

  it('publishes nothing without authentication beyond loopback: Temporal not at all, the UI and admin ports on 127.0.0.1', () => {
    for (const name of ['temporal', 'postgresql', 'temporal-schema', 'connector-setup', ...SERVICES_BY_KIND.worker])
      expect([name, service(name).ports ?? []]).toEqual([name, []]);
    for (const name of ['temporal-ui', ...SERVICES_BY_KIND.webhooks]) {
      const ports = service(name).ports ?? [];
      expect(ports.length).toBeGreaterThan(0);
      for (const port of ports) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    }
    // The one public port: the load balancer in front of the replicas' webhook routes.
    expect(service('load-balancer').ports).toEqual(['3000:3000']);
  });

  it("points the UI's codec endpoint at a replica's admin listener, forwarding the user's token", () => {
    const ui = environmentOf(service('temporal-ui'));
    const adminPort = service('webhooks-1').ports![0]!.split(':')[1];
    expect(ui.TEMPORAL_CODEC_ENDPOINT).toContain(`http://localhost:${adminPort}/codec`);
    expect(ui.TEMPORAL_CODEC_PASS_ACCESS_TOKEN).toBe('true');
    expect(environmentOf(service('webhooks-1')).ADMIN_PORT).toBe(service('webhooks-1').ports![0]!.split(':')[2]);
  });

  it('runs the Temporal server version the topology builds, with admin tools of the same version', () => {
    const version = /const TEMPORAL_SERVER_VERSION = 'v([\d.]+)'/.exec(read('scripts/install-tools.mjs'))?.[1];
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(service('temporal').image).toBe(`temporalio/server:${version}`);
    expect(service('temporal-schema').image).toBe(`temporalio/admin-tools:${version}`);
    expect(service('postgresql').image).toBe('postgres:15');
  });

  it("gives Temporal the topology's persistence: history and SQL visibility on postgres12, same pools and shards", () => {
    const composeConfig = configSchema.parse(loadYaml('deploy/temporal/config/postgres12.yaml'));
    const topologyConfig = configSchema.parse(
      JSON.parse(
        renderServerConfig({
          sql: { host: '127.0.0.1', port: 5432, user: 'postgres', password: '' },
          databases: { history: 'temporal', visibility: 'temporal_visibility' },
          ports: {
            frontendGrpc: 7233,
            frontendHttp: 7243,
            frontendMembership: 6933,
            historyGrpc: 7234,
            historyMembership: 6934,
            matchingGrpc: 7235,
            matchingMembership: 6935,
            workerGrpc: 7239,
            workerMembership: 6939,
          },
          dynamicConfigFile: '/tmp/dynamicconfig.yaml',
          numHistoryShards: 4,
          logLevel: 'warn',
        }),
      ),
    );
    expect(persistenceWithoutEndpoint(composeConfig)).toEqual(persistenceWithoutEndpoint(topologyConfig));
    expect(Object.keys(composeConfig.services).sort()).toEqual(Object.keys(topologyConfig.services).sort());
    expect(composeConfig.clusterMetadata).toEqual(topologyConfig.clusterMetadata);
    // The same dynamic config, where the server reads it (mounted by the compose file).
    expect(loadYaml('deploy/temporal/dynamicconfig/production-sql.yaml')).toEqual(jsYaml.safeLoad(DYNAMIC_CONFIG));
    expect(service('temporal').volumes).toContain(
      './deploy/temporal/dynamicconfig:/etc/temporal/config/dynamicconfig:ro',
    );
    expect(composeConfig.dynamicConfigClient.filepath).toBe('/etc/temporal/config/dynamicconfig/production-sql.yaml');
    expect(service('temporal').volumes).toContain('./deploy/temporal/config:/etc/temporal/config/connector:ro');
    expect(read('deploy/temporal/scripts/start-server.sh')).toContain(
      '--config-file /etc/temporal/config/connector/postgres12.yaml',
    );
  });

  it("creates the topology's three databases, the connector's under its own role, which DATABASE_URL names", () => {
    const init = read('deploy/postgres/init/01-databases.sh');
    for (const database of ['temporal', 'temporal_visibility']) expect(init).toContain(`CREATE DATABASE ${database};`);
    expect(init).toContain('CREATE DATABASE connector OWNER connector;');
    expect(environmentOf(service('worker-1')).DATABASE_URL).toMatch(
      /^postgres:\/\/connector:\$\{[^}]+\}@postgresql:5432\/connector$/,
    );
  });
});

const storeSchema = z.object({
  sql: z.looseObject({ pluginName: z.string(), databaseName: z.string(), connectAddr: z.string() }),
});
const configSchema = z.looseObject({
  persistence: z.looseObject({ datastores: z.record(z.string(), storeSchema) }),
  services: z.record(z.string(), z.unknown()),
  clusterMetadata: z.looseObject({ clusterInformation: z.record(z.string(), z.looseObject({})) }),
  dynamicConfigClient: z.object({ filepath: z.string(), pollInterval: z.string() }),
});
type TemporalConfig = z.infer<typeof configSchema>;

/** Persistence with where and as whom it connects left out: those differ by machine, the rest must not. */
function persistenceWithoutEndpoint(config: TemporalConfig): unknown {
  const datastores = Object.fromEntries(
    Object.entries(config.persistence.datastores).map(([name, store]) => {
      const { connectAddr: _address, user: _user, password: _password, ...sql } = store.sql;
      return [name, { sql }];
    }),
  );
  return { ...config.persistence, datastores };
}
