import type { Client } from '@temporalio/client';

/**
 * Readiness means Temporal answers: without it no webhook can be accepted durably, so a load
 * balancer should send traffic elsewhere. The answer is cached briefly so probes stay cheap.
 */
export function createTemporalReadiness(
  client: Client,
  cacheMs = 1000,
  timeoutMs = 2000,
): () => Promise<{ ready: boolean; reason?: string }> {
  let cached: { at: number; result: { ready: boolean; reason?: string } } | undefined;
  return async () => {
    const now = Date.now();
    if (cached && now - cached.at < cacheMs) return cached.result;
    let result: { ready: boolean; reason?: string };
    try {
      await client.connection.withDeadline(now + timeoutMs, () => client.workflowService.getSystemInfo({}));
      result = { ready: true };
    } catch (error) {
      result = { ready: false, reason: `Temporal unreachable: ${(error as Error).message}` };
    }
    cached = { at: now, result };
    return result;
  };
}
