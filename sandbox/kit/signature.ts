import crypto from 'node:crypto';

/**
 * The `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` scheme. Stripe signs webhooks this
 * way and the Monstock contract copies it, so one function serves both sandboxes.
 */
export function signPayload(payload: string, secret: string, timestampSeconds = Math.floor(Date.now() / 1000)): string {
  const mac = crypto.createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}
