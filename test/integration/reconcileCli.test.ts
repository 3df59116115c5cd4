import { spawn } from 'node:child_process';
import path from 'node:path';
import type { ReconciliationReport } from '../../src/shared/reconciliation';
import { startConnectorHarness, type ConnectorHarness } from '../support/connectorHarness';
import {
  connectorClients,
  startTestWorker,
  TEST_ENCRYPTION_KEYS,
  testTemporalAddress,
  type RunningWorker,
} from '../support/temporal';

/**
 * The CLI as a person runs it: it starts the reconciliation, shows progress, prints the report, exits by its findings.
 */
describe('npm run reconcile', () => {
  jest.setTimeout(120_000);
  let h: ConnectorHarness;
  let worker: RunningWorker;

  beforeAll(async () => {
    h = await startConnectorHarness({ startWorker: false });
    const clients = connectorClients({
      monstock: h.monstock.client,
      stripe: h.sdk,
      client: h.client,
      taskQueue: h.taskQueue,
    });
    worker = await startTestWorker(h.taskQueue, { ...clients, reconciliation: h.reconciliation() });
  });
  afterAll(async () => {
    await worker?.stop();
    await h?.close();
  });

  function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/starter/reconcile/main.ts', ...args], {
        cwd: path.resolve(__dirname, '../..'),
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          // Next to a test stack: development mode, asked for by name (production refuses test values).
          CONNECTOR_MODE: 'development',
          TEMPORAL_ADDRESS: testTemporalAddress(),
          TEMPORAL_TASK_QUEUE: h.taskQueue,
          PAYLOAD_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS.map((key) => `${key.id}:${key.key.toString('base64')}`).join(
            ',',
          ),
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('reports a window with a finding left for a person, as JSON on its last line, and exits 1', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const order = await h.order(2500);
    // Money Monstock shows that Stripe never saw: reported, never guessed.
    await h.monstock.client.recordPayment(order.id, {
      kind: 'payment',
      transactionRef: 'pi_typed_by_hand',
      amount: 2500,
      currency: 'EUR',
      status: 'succeeded',
      occurredAt: new Date().toISOString(),
      provider: 'stripe',
    });
    const { code, stdout, stderr } = await runCli([
      '--from',
      from,
      '--to',
      new Date(Date.now() + 1000).toISOString(),
      '--json',
    ]);
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1]!) as ReconciliationReport;
    expect(report.unresolved).toBeGreaterThanOrEqual(1);
    expect(report.byKind.paid_without_stripe_money).toBe(1);
    expect(stdout).toMatch(/left for a person/);
    expect(stderr).toMatch(/pages \d+ +items \d+ +findings \d+/);
  });

  it('refuses bad arguments with a clear line and exit code 2, starting nothing', async () => {
    const { code, stderr } = await runCli(['--from', 'last tuesday']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--from must be an ISO 8601 date/);
    expect(stderr).toMatch(/usage: npm run reconcile/);
  });
});
