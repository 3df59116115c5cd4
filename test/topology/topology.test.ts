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
  stripeEdgeEventLoopDelayMs: { max: number; p99: number };
  stripeRequestsPerSecondAllowed: number;
  stripeBudgetKept: boolean;
  stripeEdge: {
    connectorRequests: number;
    otherClients: Record<string, number>;
    upstreamErrors: number;
    shortestSpanOfLimitPlusOneMs: number | null;
  };
  stripeSandbox: { connectorRequestsPerSecondMax: number; eventLoopDelayMs: { max: number } };
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
      // For the CI log: the budget as the edge measured it, and the sandbox's own count beside it.
      console.log(
        JSON.stringify({
          stripeRequestsPerSecondMax: result.stripeRequestsPerSecondMax,
          stripeRateLimitPerSecond: result.stripeRateLimitPerSecond,
          stripeEdgeEventLoopDelayMs: result.stripeEdgeEventLoopDelayMs,
          stripeEdge: result.stripeEdge,
          stripeSandbox: result.stripeSandbox,
        }),
      );
      // Every connector process reached Stripe through the edge, and only they did.
      expect(result.stripeEdge.connectorRequests).toBeGreaterThan(ORDERS);
      expect(result.stripeEdge.otherClients).toEqual({});
      // A request the edge could not pass on (a keep-alive socket the busy sandbox closed as it was
      // reused) is answered 502 and retried by the Stripe SDK, as a 502 from Stripe would be: rare,
      // never a lost payment (the checker above judges every order).
      expect(result.stripeEdge.upstreamErrors).toBeLessThanOrEqual(result.stripeEdge.connectorRequests / 1000);
      expect(result.stripeRequestsPerSecondMax).toBeGreaterThan(0);
      // Counted at the Stripe edge over any one-second window, all processes together, as Stripe
      // counts: the limit, widened only by the edge's own measured stall (a request per 40 ms of
      // it; stripeRate.ts, edgeArrivalsAllowed). The sandbox's stalls widen nothing.
      expect(result.stripeRateLimitPerSecond).toBe(25);
      const edgeAllowance = Math.floor(
        (result.stripeRateLimitPerSecond * result.stripeEdgeEventLoopDelayMs.max) / 1000,
      );
      expect(result.stripeRequestsPerSecondAllowed).toBe(result.stripeRateLimitPerSecond + edgeAllowance);
      expect(result.stripeRequestsPerSecondMax).toBeLessThanOrEqual(result.stripeRateLimitPerSecond + edgeAllowance);
      // A count above the limit is only excused by an edge that stalled briefly: one stalled long
      // enough to widen it by more than two requests measures nothing. A count within the limit
      // needs no excuse, whatever the edge's stall (CI once saw 136 ms with 24 counted).
      if (result.stripeRequestsPerSecondMax > result.stripeRateLimitPerSecond)
        expect(edgeAllowance).toBeLessThanOrEqual(2);
      expect(result.stripeBudgetKept).toBe(true);
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
