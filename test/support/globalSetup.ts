import { startEmbeddedTemporal, type EmbeddedTemporal } from '../../dev/temporal/devServer';
import { findTemporalCli, HOW_TO_GET_TEMPORAL } from '../../dev/temporal/findBinary';
import { startTestDatabase } from './database';

/**
 * One real Temporal dev server for the whole run. A machine without the binary fails here with
 * instructions; the suite never skips the Temporal tests silently. Set on the `integration`
 * project only (jest.config.js): Jest runs it when at least one of that project's files is
 * selected, so `npm run test:unit` and the sandbox tests never start Temporal.
 */
export default async function globalSetup(): Promise<void> {
  const binary = findTemporalCli();
  if (binary.source === 'download') {
    process.stderr.write(`\n[tests] Temporal CLI not found locally; trying the SDK download. ${HOW_TO_GET_TEMPORAL}\n`);
  }
  const started = Date.now();
  // The connector's database (reports, managed secret, webhook health): DATABASE_URL for everything the tests start.
  await startTestDatabase();
  const temporal = await startEmbeddedTemporal({ binary });
  (globalThis as { __TEMPORAL__?: EmbeddedTemporal }).__TEMPORAL__ = temporal;
  process.env.TEMPORAL_TEST_ADDRESS = temporal.address;
  process.env.TEMPORAL_TEST_NAMESPACE = temporal.namespace;
  process.stderr.write(
    `\n[tests] Temporal dev server at ${temporal.address} from ${binary.description}, up in ${Date.now() - started} ms\n`,
  );
}
