import type { EmbeddedTemporal } from '../../dev/temporal/devServer';
import { stopTestDatabase } from './database';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __TEMPORAL__?: EmbeddedTemporal }).__TEMPORAL__?.stop();
  await stopTestDatabase();
}
