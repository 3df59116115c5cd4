import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';

/**
 * The metric names the workers really served (`# TYPE` lines of each one's Prometheus text),
 * the union over all workers, sorted; written to the file the Grafana dashboard is checked against.
 */
export const EXPORTED_METRICS_FILE = path.join(__dirname, '../deploy/grafana/exported-metrics.txt');

export function metricNames(text: string): string[] {
  return [...text.matchAll(/^# TYPE (\S+) \S+$/gm)].map((match) => match[1]!);
}

export async function scrapeMetricNames(metricsUrls: readonly string[]): Promise<string[]> {
  const names = new Set<string>();
  for (const url of metricsUrls) {
    const answer = await request(url);
    const text = await answer.body.text();
    if (answer.statusCode !== 200) throw new Error(`${url} answered ${answer.statusCode}`);
    for (const name of metricNames(text)) names.add(name);
  }
  return [...names].sort();
}

/**
 * Scrapes every worker every few seconds for the whole run and keeps the union of the names: the
 * SDK creates a counter (activity or workflow task failures, say) only once it first counts, and a
 * worker SIGKILLed loses what it served, so one scrape at the end would miss names that were real.
 */
export class MetricNameCollector {
  private readonly names = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly metricsUrls: readonly string[],
    intervalMs = 5000,
  ) {
    this.timer = setInterval(() => void this.scrapeEach(), intervalMs);
    this.timer.unref();
  }

  /** One last scrape, then the sorted union of every name seen. */
  async finish(): Promise<string[]> {
    clearInterval(this.timer);
    await this.scrapeEach();
    return [...this.names].sort();
  }

  private async scrapeEach(): Promise<void> {
    await Promise.all(
      this.metricsUrls.map(async (url) => {
        try {
          for (const name of await scrapeMetricNames([url])) this.names.add(name);
        } catch {
          // A worker being restarted answers nothing now; the next scrape reads it.
        }
      }),
    );
  }
}

export function writeExportedMetrics(names: readonly string[]): void {
  fs.writeFileSync(EXPORTED_METRICS_FILE, names.join('\n') + '\n');
}
