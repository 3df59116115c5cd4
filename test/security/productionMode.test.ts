import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseEnv } from 'node:util';
import { SETTINGS } from '../../src/config/settings';
import type { SettingDefinition } from '../../src/config/settings';
import { fakeLiveKey } from '../support/fakeKeys';

/**
 * The entry points as an operator starts them (`npm run worker`, `npm run webhooks`, `npm run
 * reconcile`), CONNECTOR_MODE unset: production. Whatever this repository holds (.env.example, the
 * development values `npm start` uses) must not start them, and each refusal names its variable
 * without showing the value. No Temporal is involved: every case must end before connecting.
 */
const root = path.resolve(__dirname, '../..');
const tsx = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;
// An empty folder as the working directory: no developer's `.env` can fill anything in.
const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'production-mode-'));

const example = parseEnv(fs.readFileSync(path.join(root, '.env.example'), 'utf8')) as Record<string, string>;
delete example.CONNECTOR_MODE;
const developmentSecrets = (Object.values(SETTINGS) as Array<SettingDefinition<unknown>>).filter(
  (definition) => definition.developmentValue !== undefined,
);
const developmentValues = Object.fromEntries(
  developmentSecrets.map((definition) => [definition.name, definition.developmentValue!]),
);

function run(entry: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, path.join(root, entry), ...args], {
      cwd,
      // Temporal at a closed port: a process that got past its configuration would fail differently.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: '127.0.0.1:1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

describe('production is the default mode of every entry point', () => {
  jest.setTimeout(60_000);

  it.each(['src/worker.ts', 'src/starter/webhookServer.main.ts'])(
    '%s with .env.example as it is refuses to start, naming every secret it lacks',
    async (entry) => {
      const { code, output } = await run(entry, [], example);
      expect(code).toBe(1);
      for (const definition of developmentSecrets) expect(output).toMatch(new RegExp(`${definition.name} is required`));
      // .env.example leaves DATABASE_URL commented out: production refuses to run without its database.
      expect(output).toMatch(/DATABASE_URL must be set in production/);
      expect(output).not.toMatch(/\n\s+at /);
    },
  );

  it.each(['src/worker.ts', 'src/starter/webhookServer.main.ts'])(
    '%s with .env.example and the development values refuses every one of them, never showing a value',
    async (entry) => {
      const { code, output } = await run(entry, [], { ...example, ...developmentValues });
      expect(code).toBe(1);
      for (const definition of developmentSecrets) {
        expect(output).toMatch(new RegExp(`${definition.name} is a development or test value`));
        expect(output).not.toContain(definition.developmentValue);
      }
    },
  );

  it('the worker refuses a live key bound for another host and credentials sent in clear, naming each variable', async () => {
    const { code, output } = await run('src/worker.ts', [], {
      PAYLOAD_ENCRYPTION_KEYS: `ops-1:${Buffer.alloc(32, 7).toString('base64')}`,
      MONSTOCK_API_URL: 'http://monstock.example.com/v1',
      MONSTOCK_API_TOKEN: 'mtok-operator-own-0042',
      MONSTOCK_WEBHOOK_SECRET: 'mwh-operator-own-0042',
      STRIPE_SECRET_KEY: fakeLiveKey('sk', 'operator_own_0042'),
      STRIPE_API_URL: 'http://127.0.0.1:4020',
      STRIPE_WEBHOOK_SECRET: 'whsec_operator_own_0042',
      ADMIN_TOKEN: 'admin-operator-own-0042-0123456789abcdef',
      PUBLIC_WEBHOOK_URL: 'http://connector.example.com',
    });
    expect(code).toBe(1);
    expect(output).toMatch(/STRIPE_API_URL must be unset or https:\/\/api\.stripe\.com/);
    expect(output).toMatch(/MONSTOCK_API_URL must use https/);
    expect(output).toMatch(/PUBLIC_WEBHOOK_URL must use https/);
    expect(output).not.toContain(fakeLiveKey('sk', 'operator_own_0042'));
  });

  describe('npm run reconcile', () => {
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);

    it('without a payload key exits non-zero naming PAYLOAD_ENCRYPTION_KEYS, never using the development key', async () => {
      const { code, output } = await run('src/starter/reconcile/main.ts', ['--from', from], {});
      expect(code).not.toBe(0);
      expect(output).toMatch(/PAYLOAD_ENCRYPTION_KEYS is required/);
      // Refused at the configuration, before any attempt to reach Temporal.
      expect(output).toMatch(/^Invalid configuration:/);
      expect(output).not.toMatch(/reconcile failed/);
    });

    it('with the development key (and the rest of .env.example) refuses it by name', async () => {
      const { code, output } = await run('src/starter/reconcile/main.ts', ['--from', from], {
        ...example,
        ...developmentValues,
      });
      expect(code).not.toBe(0);
      expect(output).toMatch(/PAYLOAD_ENCRYPTION_KEYS is a development or test value/);
      expect(output).not.toContain(SETTINGS.PAYLOAD_ENCRYPTION_KEYS.developmentValue);
    });
  });
});
