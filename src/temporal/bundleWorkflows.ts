import fs from 'node:fs';
import path from 'node:path';
import { createLogger } from '../observability/logger';
import { bundleConnectorWorkflows } from './createWorker';

/**
 * Bundles the workflow code once, at image build time, so a container's worker starts in
 * seconds instead of running webpack on every start. Usage: node lib/temporal/bundleWorkflows.js <out.js>
 * (LOG_LEVEL=debug shows webpack's module listing).
 */
async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? 'lib/workflow-bundle.js');
  const code = await bundleConnectorWorkflows(createLogger({ name: 'bundleWorkflows' }));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  process.stdout.write(`workflow bundle written to ${out} (${Math.round(code.length / 1024)} KiB)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bundling failed: ${(error as Error).message}\n`);
  process.exit(1);
});
