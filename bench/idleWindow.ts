/**
 * ORDER_IDLE_WINDOW text as the bench sets it ('15 seconds', '500 ms', '2 minutes', '2 hours') in
 * ms, so a phase can wait for an order's workflow to close. Throws on anything else rather than
 * guess: a wrong wait would cut a cost window short or let a timer land in the next phase.
 */
export function idleWindowMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text.trim());
  if (!match) throw new Error(`not an idle window the bench understands: ${JSON.stringify(text)}`);
  const value = Number(match[1]);
  const unit = match[2]!.toLowerCase();
  if (unit === 'ms' || unit.startsWith('milli')) return value;
  if (unit === 's' || unit.startsWith('sec')) return value * 1_000;
  if (unit === 'm' || unit.startsWith('min')) return value * 60_000;
  if (unit === 'h' || unit.startsWith('hour')) return value * 3_600_000;
  if (unit === 'd' || unit.startsWith('day')) return value * 86_400_000;
  throw new Error(`not an idle window the bench understands: ${JSON.stringify(text)}`);
}
