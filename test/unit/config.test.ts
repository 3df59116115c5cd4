import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, SETTINGS, withDevelopmentValues } from '../../src/config';
import type { SettingDefinition } from '../../src/config/settings';

const required = withDevelopmentValues({});

describe('configuration', () => {
  it('reads every setting with its default when only the required secrets are set', () => {
    const config = loadConfig(required);
    expect(config.temporal).toMatchObject({
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'monstock-stripe',
      devServerPort: 7233,
      uiPort: 8233,
      cliPath: undefined,
    });
    expect(config.temporal.encryptionKeys).toEqual([{ id: 'dev-2026', key: expect.any(Buffer) }]);
    expect(config.monstock.apiUrl).toBe('http://127.0.0.1:4010/v1');
    expect(config.webhookServer.port).toBe(3000);
    expect(config.connectionId).toBe('default');
    expect(config.stripe.apiUrl).toBeUndefined();
  });

  it.each(['MONSTOCK_API_TOKEN', 'MONSTOCK_WEBHOOK_SECRET', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'])(
    'names %s when it is missing',
    (name) => {
      const env = { ...required, [name]: undefined };
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(new RegExp(`${name} is required`));
    },
  );

  it.each([
    ['PORT', 'eighty'],
    ['TEMPORAL_ADDRESS', 'no-port'],
    ['MONSTOCK_API_URL', 'ftp://x/v1'],
    ['STRIPE_API_URL', 'not a url'],
    ['CONNECTION_ID', 'Has Spaces'],
    ['LOG_LEVEL', 'loud'],
  ])('names %s when its value %p is invalid', (name, value) => {
    expect(() => loadConfig({ ...required, [name]: value })).toThrow(new RegExp(`${name} is invalid`));
  });

  it('reports every problem at once and never echoes a secret', () => {
    try {
      loadConfig({ STRIPE_SECRET_KEY: 'pk_test_oops_not_secret_kind', PORT: '-1' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toMatch(/STRIPE_SECRET_KEY is invalid/);
      expect(message).toMatch(/PORT is invalid/);
      expect(message).toMatch(/MONSTOCK_API_TOKEN is required/);
      expect(message).not.toContain('pk_test_oops_not_secret_kind');
    }
  });

  it('links the admin pages to the Web UI people open: the embedded one unless TEMPORAL_UI_URL says otherwise', () => {
    expect(loadConfig(withDevelopmentValues({})).temporal.uiUrl).toBe('http://127.0.0.1:8233');
    const yours = loadConfig(withDevelopmentValues({ TEMPORAL_UI_URL: 'https://temporal.example.com/' }));
    expect(yours.temporal.uiUrl).toBe('https://temporal.example.com');
  });

  it("sizes the worker's sticky cache: 200 unless told otherwise", () => {
    expect(loadConfig(withDevelopmentValues({})).temporal.maxCachedWorkflows).toBe(200);
    expect(loadConfig(withDevelopmentValues({ WORKER_MAX_CACHED_WORKFLOWS: '250' })).temporal.maxCachedWorkflows).toBe(
      250,
    );
    expect(() => loadConfig(withDevelopmentValues({ WORKER_MAX_CACHED_WORKFLOWS: '-1' }))).toThrow(
      /WORKER_MAX_CACHED_WORKFLOWS/,
    );
  });

  it("sizes the worker's task slots: the SDK's 40, 100 and 100 unless told otherwise", () => {
    expect(loadConfig(withDevelopmentValues({})).temporal.taskSlots).toEqual({
      workflowTasks: 40,
      activities: 100,
      localActivities: 100,
    });
    const told = loadConfig(
      withDevelopmentValues({
        WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '8',
        WORKER_MAX_CONCURRENT_ACTIVITIES: '20',
        WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: '30',
      }),
    );
    expect(told.temporal.taskSlots).toEqual({ workflowTasks: 8, activities: 20, localActivities: 30 });
    for (const name of [
      'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
      'WORKER_MAX_CONCURRENT_ACTIVITIES',
      'WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES',
    ])
      expect(() => loadConfig(withDevelopmentValues({ [name]: '0' }))).toThrow(new RegExp(name));
  });

  it('accepts several webhook secrets for rotation', () => {
    const config = loadConfig({ ...required, STRIPE_WEBHOOK_SECRET: 'whsec_old_one_123, whsec_new_one_456' });
    expect(config.stripe.webhookSecrets).toEqual(['whsec_old_one_123', 'whsec_new_one_456']);
  });

  it('lists every setting in .env.example with its default', () => {
    const example = fs.readFileSync(path.join(__dirname, '../../.env.example'), 'utf8');
    const lines = new Map(
      example
        .split('\n')
        .map((line) => line.replace(/^#\s*/, ''))
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
    );
    for (const definition of Object.values(SETTINGS)) {
      expect(lines.has(definition.name)).toBe(true);
      // Secrets are listed empty: the file holds no working secret (`npm start` fills development values).
      const secret = 'secret' in definition && definition.secret;
      const expected = !secret && 'default' in definition && definition.default !== undefined ? definition.default : '';
      expect(`${definition.name}=${lines.get(definition.name)}`).toBe(`${definition.name}=${expected}`);
    }
  });

  it('carries no secret value in .env.example, not even a development one', () => {
    const example = fs.readFileSync(path.join(__dirname, '../../.env.example'), 'utf8');
    for (const definition of Object.values(SETTINGS) as Array<SettingDefinition<unknown>>) {
      if (definition.developmentValue) expect(example).not.toContain(definition.developmentValue);
      if (definition.secret) expect(example).toMatch(new RegExp(`^(# )?${definition.name}=$`, 'm'));
    }
  });

  it('runs in production unless told otherwise; development values come with development mode', () => {
    expect(SETTINGS.CONNECTOR_MODE.default).toBe('production');
    expect(withDevelopmentValues({}).CONNECTOR_MODE).toBe('development');
    expect(withDevelopmentValues({ CONNECTOR_MODE: 'production' }).CONNECTOR_MODE).toBe('production');
    expect(loadConfig(required).mode).toBe('development');
  });
});
