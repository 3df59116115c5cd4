import Stripe from 'stripe';
import { verifyStripeWebhook } from '../../src/starter/stripe/verify';

/** Signatures made the way Stripe makes them (the SDK's test header), checked over the raw bytes. */
const OLD_SECRET = 'whsec_old_rotated_out_soon_0001';
const NEW_SECRET = 'whsec_new_rotated_in_0002';
const NOW_MS = 1_764_236_400_000;

const payload = JSON.stringify(
  {
    id: 'evt_1',
    object: 'event',
    type: 'payment_intent.succeeded',
    created: 1_764_236_390,
    data: { object: { id: 'pi_1', object: 'payment_intent', metadata: {} } },
  },
  null,
  2,
);

function sign(body: string, secret: string, timestampSeconds = Math.floor(NOW_MS / 1000)): string {
  return Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: timestampSeconds });
}

const verify = (body: string, header: string | undefined, secrets: string[] = [OLD_SECRET, NEW_SECRET]) =>
  verifyStripeWebhook(Buffer.from(body), header, secrets, { nowMs: NOW_MS });

describe('stripe webhook signature verification', () => {
  it('accepts a good signature and returns the event', () => {
    const result = verify(payload, sign(payload, OLD_SECRET));
    expect(result).toEqual({ ok: true, event: JSON.parse(payload) });
  });

  it('accepts a signature made with the second (rotated-in) secret', () => {
    expect(verify(payload, sign(payload, NEW_SECRET)).ok).toBe(true);
  });

  it.each([
    ['another secret', payload, sign(payload, 'whsec_somebody_else_entirely')],
    ['a body changed after signing', payload.replace('pi_1', 'pi_2'), sign(payload, OLD_SECRET)],
    ['a re-serialised body', JSON.stringify(JSON.parse(payload)), sign(payload, OLD_SECRET)],
    ['a header without v1 signatures', payload, `t=${Math.floor(NOW_MS / 1000)},v0=abc`],
    ['a header that is not a Stripe signature', payload, 'garbage'],
  ])('refuses %s as bad_signature', (_label, body, header) => {
    expect(verify(body, header)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it.each([undefined, ''])('refuses a missing Stripe-Signature header (%p)', (header) => {
    expect(verify(payload, header)).toEqual({ ok: false, reason: 'missing_signature' });
  });

  it('refuses a signature older than 300 s as stale, and accepts one just inside the window', () => {
    const now = Math.floor(NOW_MS / 1000);
    expect(verify(payload, sign(payload, NEW_SECRET, now - 301))).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verify(payload, sign(payload, NEW_SECRET, now - 299)).ok).toBe(true);
  });

  it('refuses a well-signed body that is not JSON, or not an event', () => {
    const broken = '{"id": "evt_1", "type": ';
    expect(verify(broken, sign(broken, OLD_SECRET))).toEqual({ ok: false, reason: 'malformed_json' });
    const notEvent = JSON.stringify({ hello: 'world' });
    expect(verify(notEvent, sign(notEvent, OLD_SECRET))).toEqual({ ok: false, reason: 'not_an_event' });
  });

  it('refuses everything when no secret is configured', () => {
    expect(verify(payload, sign(payload, OLD_SECRET), [])).toEqual({ ok: false, reason: 'bad_signature' });
  });
});
