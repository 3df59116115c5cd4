import crypto from 'node:crypto';
import { verifyMonstockWebhook } from '../../src/starter/monstock/verify';

/** Signatures made the way the Monstock contract says, independently of the code under test. */
const OLD_SECRET = 'monstock-old-secret-rotating-out';
const NEW_SECRET = 'monstock-new-secret-rotating-in';
const NOW_MS = 1_764_236_400_000;
const NOW = Math.floor(NOW_MS / 1000);

const payload = JSON.stringify(
  {
    id: 'evt_01',
    type: 'order.created',
    createdAt: '2025-11-27T09:39:50.000Z',
    data: {
      object: {
        id: 'ord_1',
        reference: 'A-1001',
        version: 1,
        updatedAt: '2025-11-27T09:39:50.000Z',
        totalAmount: 4200,
      },
    },
  },
  null,
  2,
);

function mac(body: string, secret: string, timestamp: number): string {
  return crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

function sign(body: string, secret: string, timestamp = NOW): string {
  return `t=${timestamp},v1=${mac(body, secret, timestamp)}`;
}

const verify = (body: string, header: string | string[] | undefined, secrets: string[] = [OLD_SECRET, NEW_SECRET]) =>
  verifyMonstockWebhook(Buffer.from(body), header, secrets, { nowMs: NOW_MS });

describe('monstock webhook signature verification', () => {
  afterEach(() => jest.restoreAllMocks());

  it('accepts a good signature and returns the event', () => {
    expect(verify(payload, sign(payload, OLD_SECRET))).toEqual({ ok: true, event: JSON.parse(payload) });
  });

  it('accepts a signature made with the second (rotated-in) secret', () => {
    expect(verify(payload, sign(payload, NEW_SECRET)).ok).toBe(true);
  });

  it('accepts a header carrying several v1 signatures when one of them is good', () => {
    expect(
      verify(payload, `t=${NOW},v1=${mac(payload, 'someone-else-entirely', NOW)},v1=${mac(payload, NEW_SECRET, NOW)}`)
        .ok,
    ).toBe(true);
  });

  it.each([
    ['another secret', payload, sign(payload, 'someone-else-entirely')],
    ['a body changed after signing', payload.replace('ord_1', 'ord_2'), sign(payload, OLD_SECRET)],
    ['a re-serialised body', JSON.stringify(JSON.parse(payload)), sign(payload, OLD_SECRET)],
    ['a signature over another timestamp', payload, `t=${NOW},v1=${mac(payload, OLD_SECRET, NOW - 1)}`],
    ['a header without v1 signatures', payload, `t=${NOW},v0=${mac(payload, OLD_SECRET, NOW)}`],
    ['a header without a timestamp', payload, `v1=${mac(payload, OLD_SECRET, NOW)}`],
    ['a truncated signature', payload, sign(payload, OLD_SECRET).slice(0, -2)],
    ['a header that is not a signature', payload, 'garbage'],
  ])('refuses %s as bad_signature', (_label, body, header) => {
    expect(verify(body, header)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it.each([undefined, '', '   ', ['t=1,v1=ab', 't=2,v1=cd']])(
    'refuses a missing Monstock-Signature header (%p)',
    (header) => {
      expect(verify(payload, header)).toEqual({ ok: false, reason: 'missing_signature' });
    },
  );

  it('refuses a signature older (or newer) than 300 s as stale, and accepts one just inside the window', () => {
    expect(verify(payload, sign(payload, NEW_SECRET, NOW - 301))).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verify(payload, sign(payload, NEW_SECRET, NOW + 301))).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verify(payload, sign(payload, NEW_SECRET, NOW - 299)).ok).toBe(true);
  });

  it('calls a forged signature bad, not stale, whatever its age', () => {
    expect(verify(payload, sign(payload, 'someone-else-entirely', NOW - 3600))).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses a well-signed body that is not JSON, or not an event', () => {
    const broken = '{"id": "evt_1", "type": ';
    expect(verify(broken, sign(broken, OLD_SECRET))).toEqual({ ok: false, reason: 'malformed_json' });
    for (const notEvent of [
      { hello: 'world' },
      { id: 'evt_1', type: 'order.created', createdAt: 'x', data: {} },
      [1, 2],
    ]) {
      const body = JSON.stringify(notEvent);
      expect(verify(body, sign(body, OLD_SECRET))).toEqual({ ok: false, reason: 'not_an_event' });
    }
  });

  it('refuses everything when no secret is configured', () => {
    expect(verify(payload, sign(payload, OLD_SECRET), [])).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('compares signatures with crypto.timingSafeEqual, never with ===', () => {
    const compare = jest.spyOn(crypto, 'timingSafeEqual');
    expect(verify(payload, sign(payload, NEW_SECRET)).ok).toBe(true);
    // The first secret is tried (and fails) in constant time, then the second matches.
    expect(compare).toHaveBeenCalledTimes(2);
    expect(compare.mock.results.map((result) => result.value)).toEqual([false, true]);
    compare.mockClear();
    expect(verify(payload, sign(payload, 'someone-else-entirely')).ok).toBe(false);
    expect(compare).toHaveBeenCalledTimes(2);
  });
});
