import type { EmbeddedTemporal } from '../../dev/temporal/devServer';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __TEMPORAL__?: EmbeddedTemporal }).__TEMPORAL__?.stop();
}
