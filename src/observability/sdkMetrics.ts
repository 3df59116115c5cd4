import { Runtime } from '@temporalio/worker';

/**
 * Installs the Temporal Core runtime of this process with its Prometheus exporter on
 * `metricsAddress` (host:port, served at /metrics): task slots, schedule-to-start latencies,
 * sticky cache, failures — what tells whether the workers keep up. Call once, before the first
 * connection or worker: the runtime is per process and cannot be replaced once created. Without an
 * address nothing is installed and the SDK's default runtime (no metrics) is created lazily as before.
 *
 * The webhook server's own counters (counters.ts) stay on the admin listener; these are the worker's.
 */
export function installSdkMetrics(metricsAddress: string | undefined): boolean {
  if (metricsAddress === undefined) return false;
  Runtime.install({
    telemetryOptions: {
      metrics: {
        // Seconds and `_total`: the names Prometheus conventions (and the dashboards) expect.
        prometheus: { bindAddress: metricsAddress, useSecondsForDurations: true, countersTotalSuffix: false },
      },
    },
  });
  return true;
}
