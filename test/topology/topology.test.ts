import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * `npm run topology` as CI runs it: PostgreSQL, the real Temporal server on it, both sandboxes,
 * 2 workers and 2 webhook replicas behind a load balancer, 500 orders (TOPOLOGY_ORDERS to change)
 * driven while a worker and a replica are SIGKILLed and the Temporal server restarted. Run as the
 * command itself, in its own process, so what is asserted is exactly what it prints.
 */
const ROOT = path.resolve(__dirname, '../..');
const ORDERS = Number(process.env.TOPOLOGY_ORDERS ?? '500');
const TIMEOUT_MS = 15 * 60_000;

interface TopologyJson {
  ordersChecked: number;
  lost: number;
  duplicated: number;
  wrongStatus: number;
  workers: number;
  webhookReplicas: number;
  temporal: { version: string; persistence: string };
  stripeRequestsPerSecondMax: number;
  stripeRateLimitPerSecond: number;
  stripeArrivalsPerSecondAllowed: number;
  stripeBudgetKept: boolean;
  reportsIdenticalOnReplicas: boolean;
  faults: {
    workerKills: number;
    webhookReplicaKills: number;
    temporalRestarts: number;
    unexpectedExits: { workers: number; webhookReplicas: number };
  };
  loadBalancer: { relayed: number[] };
}

describe('npm run topology', () => {
  it(
    `keeps ${ORDERS} orders right through kills and a Temporal restart, with both replicas serving the same pages`,
    async () => {
      const { code, stdout, stderr } = await runTopology(['--orders', String(ORDERS), '--seed', '20261130']);
      const last = stdout.trim().split('\n').pop() ?? '';
      let result: TopologyJson;
      try {
        result = JSON.parse(last) as TopologyJson;
      } catch {
        throw new Error(`no JSON last on stdout (exit ${code}); stderr ends:\n${stderr.slice(-4000)}`);
      }
      expect({
        ordersChecked: result.ordersChecked,
        lost: result.lost,
        duplicated: result.duplicated,
        wrongStatus: result.wrongStatus,
        workers: result.workers,
        webhookReplicas: result.webhookReplicas,
        temporal: result.temporal,
        reportsIdenticalOnReplicas: result.reportsIdenticalOnReplicas,
        faults: result.faults,
      }).toEqual({
        ordersChecked: ORDERS,
        lost: 0,
        duplicated: 0,
        wrongStatus: 0,
        workers: 2,
        webhookReplicas: 2,
        temporal: { version: '1.32.0', persistence: 'postgresql' },
        reportsIdenticalOnReplicas: true,
        faults: {
          workerKills: 1,
          webhookReplicaKills: 1,
          temporalRestarts: 1,
          unexpectedExits: { workers: 0, webhookReplicas: 0 },
        },
      });
      // Both replicas really took deliveries through the load balancer.
      expect(result.loadBalancer.relayed.every((count) => count > 0)).toBe(true);
      expect(result.stripeRequestsPerSecondMax).toBeGreaterThan(0);
      // Counted by the Stripe sandbox over any one-second window, all processes together: what arrives
      // within the account's budget, widened only by the sandbox's own measured event-loop stalls.
      expect(result.stripeRequestsPerSecondMax).toBeLessThanOrEqual(result.stripeArrivalsPerSecondAllowed);
      expect(result.stripeArrivalsPerSecondAllowed).toBeLessThan(2 * result.stripeRateLimitPerSecond);
      expect(result.stripeBudgetKept).toBe(true);
      expect(result.stripeRateLimitPerSecond).toBe(25);
      expect(code).toBe(0);
    },
    TIMEOUT_MS,
  );
});

function runTopology(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'topology/main.ts'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-50_000)));
    const timer = setTimeout(() => child.kill('SIGINT'), TIMEOUT_MS - 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
