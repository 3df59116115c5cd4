import crypto from 'node:crypto';
import { MAX_WEBHOOK_BODY_BYTES } from '../../src/starter/http/server';
import { Rng } from './generators';

/**
 * Bad webhook requests, by category, for both routes. Every case says what may come back: a 4xx
 * always (some an exact status), a 2xx only when the body is correctly signed AND names nothing
 * the connector delivers (an unknown type, a customer event with customer sync unwired, a charge
 * without a payment intent). Bodies that would be delivered if they got through are the ones
 * a correct route must refuse: a valid, handled event with a bad, stale or missing signature.
 */
export type Source = 'stripe' | 'monstock';

export type Category =
  | 'malformed'
  | 'unsigned'
  | 'wrong_secret'
  | 'stale_timestamp'
  | 'oversized'
  | 'declared_oversized'
  | 'type_confused'
  | 'truncated'
  | 'non_utf8'
  | 'header_injection'
  | 'wrong_method'
  | 'wrong_content_type'
  | 'unknown_connection'
  | 'raw_protocol';

export interface FuzzCase {
  index: number;
  source: Source;
  category: Category;
  /** What was done, for the failure message. */
  note: string;
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
  /** Sent as chunked transfer encoding (no Content-Length) in these pieces. */
  chunked?: boolean;
  /** Bytes written as-is on a fresh socket (instead of an undici request). */
  raw?: Buffer;
  /** A correctly signed event the connector does not deliver: 2xx is allowed. */
  allow2xx: boolean;
  /** The only acceptable status, when there is one. */
  exact?: number;
  /** Counted by the route (received, then rejected or acknowledged). */
  reachesRoute: boolean;
}

export interface FuzzSecrets {
  stripe: string;
  monstock: string;
}

const SIGNATURE_HEADER: Record<Source, string> = { stripe: 'stripe-signature', monstock: 'monstock-signature' };

/** `t=<t>,v1=<hex HMAC-SHA256 of "<t>.<raw bytes>">`: how both Stripe and Monstock sign. */
export function sign(body: Buffer | string, secret: string, timestamp: number | string = nowSeconds()): string {
  return `t=${timestamp},v1=${hmac(body, secret, timestamp)}`;
}

export function hmac(body: Buffer | string, secret: string, timestamp: number | string): string {
  return crypto
    .createHmac('sha256', secret)
    .update(Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.isBuffer(body) ? body : Buffer.from(body)]))
    .digest('hex');
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

const STRIPE_HANDLED_TYPES = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'charge.updated',
  'charge.refunded',
  'charge.dispute.created',
  'refund.created',
  'checkout.session.completed',
];
const STRIPE_IRRELEVANT_TYPES = [
  'invoice.paid',
  'product.created',
  'customer.subscription.updated',
  'payout.paid',
  'checkout.session.expired',
  'customer.created',
  'customer.updated',
  'account.updated',
];
const MONSTOCK_ORDER_TYPES = ['order.created', 'order.updated', 'order.cancelled'];
const MONSTOCK_IRRELEVANT_TYPES = [
  'product.updated',
  'stock.changed',
  'order.shipped',
  'invoice.created',
  'customer.created',
  'customer.updated',
  'ORDER.CREATED',
  'order.created ',
];

/** A Stripe event the route would deliver to an order workflow, if it got through. */
export function stripeHandledEvent(rng: Rng): Record<string, unknown> {
  const type = rng.pick(STRIPE_HANDLED_TYPES);
  const intentId = rng.id('pi_fuzz');
  const metadata = { monstock_order_id: rng.id('ord_fuzz') };
  const object: Record<string, unknown> = type.startsWith('payment_intent.')
    ? {
        id: intentId,
        object: 'payment_intent',
        amount: rng.int(1, 100_000),
        currency: 'eur',
        metadata,
        status: 'succeeded',
      }
    : type.startsWith('checkout.')
      ? {
          id: rng.id('cs_fuzz'),
          object: 'checkout.session',
          mode: 'payment',
          payment_intent: intentId,
          client_reference_id: rng.id('ref'),
          metadata,
        }
      : {
          id: rng.id(type.startsWith('refund') ? 're_fuzz' : type.includes('dispute') ? 'dp_fuzz' : 'ch_fuzz'),
          object: 'charge',
          payment_intent: intentId,
        };
  return {
    id: rng.id('evt_fuzz'),
    object: 'event',
    type,
    created: nowSeconds(),
    api_version: '2025-01-01',
    data: { object },
  };
}

/** A correctly shaped Stripe event of a type the connector acknowledges without delivering. */
export function stripeIrrelevantEvent(rng: Rng): Record<string, unknown> {
  const type = rng.bool(0.8)
    ? rng.pick(STRIPE_IRRELEVANT_TYPES)
    : `fuzz.${rng.string(12, 'abcdefghijklmnopqrstuvwxyz._')}`;
  return {
    id: rng.id('evt_fuzz'),
    object: 'event',
    type,
    created: nowSeconds(),
    data: { object: { id: rng.id('obj'), object: type.split('.')[0], extra: rng.json(2) } },
  };
}

export function monstockHandledEvent(rng: Rng): Record<string, unknown> {
  const updatedAt = new Date(Date.now() - rng.int(0, 1e9)).toISOString();
  return {
    id: rng.id('evt_fuzz'),
    type: rng.pick(MONSTOCK_ORDER_TYPES),
    createdAt: updatedAt,
    data: { object: { id: rng.id('ord_fuzz'), version: rng.int(0, 50), updatedAt, totalAmount: rng.int(1, 1e5) } },
  };
}

export function monstockIrrelevantEvent(rng: Rng): Record<string, unknown> {
  const type = rng.bool(0.8)
    ? rng.pick(MONSTOCK_IRRELEVANT_TYPES)
    : `fuzz.${rng.string(12, 'abcdefghijklmnopqrstuvwxyz._')}`;
  return {
    id: rng.id('evt_fuzz'),
    type,
    createdAt: new Date().toISOString(),
    data: { object: { id: rng.id('cus_fuzz'), extra: rng.json(2) } },
  };
}

const handledEvent = (source: Source, rng: Rng) =>
  source === 'stripe' ? stripeHandledEvent(rng) : monstockHandledEvent(rng);
const irrelevantEvent = (source: Source, rng: Rng) =>
  source === 'stripe' ? stripeIrrelevantEvent(rng) : monstockIrrelevantEvent(rng);

const CATEGORY_WEIGHTS: readonly (readonly [number, Category])[] = [
  [10, 'malformed'],
  [8, 'unsigned'],
  [10, 'wrong_secret'],
  [8, 'stale_timestamp'],
  [1.2, 'oversized'],
  [0.6, 'declared_oversized'],
  [14, 'type_confused'],
  [8, 'truncated'],
  [7, 'non_utf8'],
  [14, 'header_injection'],
  [6, 'wrong_method'],
  [7, 'wrong_content_type'],
  [7, 'unknown_connection'],
  [0.8, 'raw_protocol'],
];

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/json; charset=iso-8859-1',
  'application/octet-stream',
  '*/*',
  'garbage;;;=',
  '',
];

export function generateCases(options: {
  seed: number;
  perSource: number;
  secrets: FuzzSecrets;
  knownConnections: readonly string[];
}): FuzzCase[] {
  const rng = new Rng(options.seed);
  const cases: FuzzCase[] = [];
  for (const source of ['stripe', 'monstock'] as const) {
    for (let count = 0; count < options.perSource; count += 1) {
      const category = rng.weighted(CATEGORY_WEIGHTS);
      cases.push({ index: cases.length, ...makeCase(rng, source, category, options) });
    }
  }
  cases.push(...regressionCases(options.secrets).map((item) => ({ ...item, index: cases.length })));
  return rng.shuffle(cases).map((item, index) => ({ ...item, index }));
}

/** Inputs that once answered 500, sent whatever the seed. */
function regressionCases(secrets: FuzzSecrets): CaseBody[] {
  const rng = new Rng(7);
  const body = Buffer.from(JSON.stringify(stripeHandledEvent(rng)));
  const irrelevant = Buffer.from(JSON.stringify(stripeIrrelevantEvent(rng)));
  const t = nowSeconds();
  const stripe = (value: string | string[], note: string): CaseBody => ({
    source: 'stripe',
    category: 'header_injection',
    note: `regression: ${note}`,
    method: 'POST',
    path: '/webhooks/stripe',
    headers: { 'content-type': 'application/json', 'stripe-signature': value },
    body,
    allow2xx: false,
    exact: 400,
    reachesRoute: true,
  });
  const raw = (target: string): CaseBody => ({
    source: 'monstock',
    category: 'raw_protocol',
    note: `regression: request target ${target}`,
    method: 'RAW',
    path: target,
    headers: {},
    raw: Buffer.from(`POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`),
    allow2xx: false,
    exact: 400,
    reachesRoute: false,
  });
  return [
    stripe(`t=${t},v1=`, 'empty v1= (the SDK threw a plain Error)'),
    stripe(`t=${t},v1`, 'v1 without =, (the SDK threw a plain Error)'),
    // Whether or not the valid value wins, this body delivers nothing.
    {
      ...stripe(
        [sign(irrelevant, secrets.stripe, t), `t=${t},v1=`],
        'a valid value and an empty v1= (the SDK threw a plain Error)',
      ),
      body: irrelevant,
      exact: undefined,
      allow2xx: true,
    },
    raw('http://[x/webhooks/monstock'),
    raw('http://connector:99999/webhooks/stripe'),
  ];
}

type CaseBody = Omit<FuzzCase, 'index'>;

function makeCase(
  rng: Rng,
  source: Source,
  category: Category,
  options: { secrets: FuzzSecrets; knownConnections: readonly string[] },
): CaseBody {
  const secret = options.secrets[source];
  const header = SIGNATURE_HEADER[source];
  const path = rng.pick([
    `/webhooks/${source}`,
    `/webhooks/${source}/default`,
    `/webhooks/${source}/`,
    `/webhooks/${source}?attempt=${rng.int(1, 9)}`,
  ]);
  const json = (value: unknown, pretty = rng.bool(0.3)) =>
    Buffer.from(JSON.stringify(value, null, pretty ? 2 : undefined) ?? 'undefined');
  const post = (
    body: Buffer,
    headers: Record<string, string | string[]>,
    note: string,
    extra: Partial<CaseBody> = {},
  ): CaseBody => ({
    source,
    category,
    note,
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', ...headers },
    body,
    allow2xx: false,
    reachesRoute: true,
    ...extra,
  });

  switch (category) {
    case 'malformed': {
      const body = rng.pick<() => Buffer>([
        () => rng.bytes(512),
        () => Buffer.from(rng.unicode(200)),
        () => Buffer.from(`{"id":"${rng.string(8)}","type":`),
        () =>
          Buffer.from(
            rng.pick([
              '',
              ' ',
              '{',
              '}',
              '[',
              '{"a":1,}',
              "{'id':'x'}",
              'NaN',
              'undefined',
              '{"__proto__":{"x":1}}',
              '\uFEFF{}',
              '{}{}',
              '[]',
            ]),
          ),
        () => json(rng.json(4)),
      ])();
      const mode = rng.pick(['none', 'garbage', 'signed'] as const);
      if (mode === 'signed')
        return post(body, { [header]: sign(body, secret) }, 'malformed body, correctly signed', { allow2xx: true });
      return post(
        body,
        mode === 'garbage' ? { [header]: rng.headerValue() || 'x' } : {},
        `malformed body, signature ${mode}`,
      );
    }
    case 'unsigned': {
      const body = json(handledEvent(source, rng));
      const headers = rng.pick<Record<string, string>>([
        {},
        { [header]: '' },
        { [header]: '   ' },
        { authorization: `Bearer ${rng.string(20)}` },
      ]);
      return post(
        body,
        headers,
        `handled event without a signature (${Object.keys(headers).join(',') || 'no header'})`,
        { exact: 400 },
      );
    }
    case 'wrong_secret': {
      const body = json(handledEvent(source, rng));
      const other = source === 'stripe' ? options.secrets.monstock : options.secrets.stripe;
      const wrong = rng.pick([
        `whsec_${rng.string(32)}`,
        other,
        secret.toUpperCase(),
        `${secret} `,
        secret.slice(0, -1),
        ''.padEnd(8, 'x'),
      ]);
      const signedBody = rng.bool(0.2) ? json(handledEvent(source, rng)) : body;
      return post(
        body,
        { [header]: sign(signedBody, wrong) },
        signedBody === body ? 'handled event signed with a wrong secret' : 'signature of another body',
        { exact: 400 },
      );
    }
    case 'stale_timestamp': {
      const body = json(handledEvent(source, rng));
      // Stripe's SDK accepts future timestamps; Monstock's check is symmetric.
      const skew = rng.pick([rng.int(310, 3_600), rng.int(3_600, 10_000_000), nowSeconds() - 1]);
      const timestamp =
        source === 'monstock' && rng.bool(0.3) ? nowSeconds() + rng.int(310, 1_000_000) : nowSeconds() - skew;
      return post(body, { [header]: sign(body, secret, timestamp) }, `replayed: correctly signed at t=${timestamp}`, {
        exact: 400,
      });
    }
    case 'oversized': {
      const event = json(handledEvent(source, rng), false);
      const size = MAX_WEBHOOK_BODY_BYTES + rng.int(1, 4096);
      // A valid signed event padded with JSON whitespace: only the size is wrong.
      const body = Buffer.concat([event, Buffer.alloc(size - event.length, rng.pick([' ', '\n', '\t']))]);
      const chunked = rng.bool(0.4);
      return post(
        body,
        { [header]: sign(body, secret) },
        `${size} bytes, correctly signed${chunked ? ', chunked' : ''}`,
        { exact: 413, chunked, reachesRoute: false },
      );
    }
    case 'declared_oversized': {
      const body = json(handledEvent(source, rng));
      const declared = MAX_WEBHOOK_BODY_BYTES + rng.int(1, 1 << 30);
      const raw = Buffer.concat([
        Buffer.from(
          `POST /webhooks/${source} HTTP/1.1\r\nHost: connector\r\nContent-Type: application/json\r\n${header}: ${sign(body, secret)}\r\nContent-Length: ${declared}\r\n\r\n`,
        ),
        body,
      ]);
      return {
        source,
        category,
        note: `Content-Length ${declared} declared, ${body.length} bytes sent`,
        method: 'POST',
        path: `/webhooks/${source}`,
        headers: {},
        raw,
        allow2xx: false,
        exact: 413,
        reachesRoute: false,
      };
    }
    case 'type_confused':
      return typeConfused(rng, source, secret, header, json, post);
    case 'truncated': {
      const full = json(handledEvent(source, rng));
      const body = full.subarray(0, rng.int(0, full.length - 1));
      const overFull = rng.bool();
      return post(
        body,
        { [header]: sign(overFull ? full : body, secret) },
        `truncated to ${body.length}/${full.length} bytes, signature over the ${overFull ? 'full' : 'truncated'} body`,
        { exact: 400 },
      );
    }
    case 'non_utf8': {
      const event = handledEvent(source, rng);
      const text = JSON.stringify(event);
      const bad = rng.invalidUtf8();
      // Between tokens, where no decoder can turn it into a valid document.
      const where = rng.pick(['prefix', 'after_brace', 'suffix', 'before_colon'] as const);
      const cut =
        where === 'prefix' ? 0 : where === 'after_brace' ? 1 : where === 'suffix' ? text.length : text.indexOf(':');
      const body = Buffer.concat([Buffer.from(text.slice(0, cut)), bad, Buffer.from(text.slice(cut))]);
      if (rng.bool(0.3)) {
        // Inside a string of an irrelevant event: may decode to U+FFFD and be acknowledged.
        const irrelevant = JSON.stringify(irrelevantEvent(source, rng));
        const at = irrelevant.indexOf('evt_fuzz_') + 'evt_fuzz_'.length;
        const inside = Buffer.concat([Buffer.from(irrelevant.slice(0, at)), bad, Buffer.from(irrelevant.slice(at))]);
        return post(
          inside,
          { [header]: sign(inside, secret) },
          `invalid UTF-8 ${bad.toString('hex')} inside a string of an irrelevant event, signed`,
          { allow2xx: true },
        );
      }
      const signed = rng.bool(0.7);
      return post(
        body,
        signed ? { [header]: sign(body, secret) } : {},
        `invalid UTF-8 ${bad.toString('hex')} at ${where}${signed ? ', signed over the raw bytes' : ''}`,
        { exact: 400 },
      );
    }
    case 'header_injection':
      return headerInjection(rng, source, secret, header, json, post);
    case 'wrong_method': {
      const method = rng.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
      const body = json(handledEvent(source, rng));
      const withBody = method !== 'GET' && method !== 'HEAD';
      return {
        source,
        category,
        note: `${method} with a signed handled event`,
        method,
        path,
        headers: { [header]: sign(body, secret), ...(withBody ? { 'content-type': 'application/json' } : {}) },
        ...(withBody ? { body } : {}),
        allow2xx: false,
        exact: 405,
        reachesRoute: false,
      };
    }
    case 'wrong_content_type': {
      const contentType = rng.pick(CONTENT_TYPES);
      const kind = rng.pick(['irrelevant_signed', 'handled_unsigned', 'form_signed'] as const);
      const body =
        kind === 'form_signed'
          ? Buffer.from(`payload=${encodeURIComponent(JSON.stringify(handledEvent(source, rng)))}&x=${rng.string(6)}`)
          : json(kind === 'irrelevant_signed' ? irrelevantEvent(source, rng) : handledEvent(source, rng));
      const headers: Record<string, string> =
        kind === 'handled_unsigned'
          ? { [header]: rng.pick(['', 'x', sign(body, 'whsec_wrong')]) }
          : { [header]: sign(body, secret) };
      const built = post(
        body,
        headers,
        `content-type "${contentType}", ${kind}`,
        kind === 'irrelevant_signed' ? { allow2xx: true } : { exact: 400 },
      );
      if (contentType === '') delete built.headers['content-type'];
      else built.headers['content-type'] = contentType;
      if (built.headers[header] === '') delete built.headers[header];
      return built;
    }
    case 'unknown_connection': {
      let connection = rng.pick<() => string>([
        () => `shop-${rng.string(8, 'abcdefghijklmnopqrstuvwxyz0123456789')}`,
        () => rng.string(20, 'abcdefghijklmnopqrstuvwxyz0123456789-') || 'x',
        () => 'Default',
        () => 'default/extra',
        () => '%64efault',
        () => '..',
        () => 'a'.repeat(33),
        () => '-lead',
        () => 'default%2F..',
      ])();
      if (connection === '' || options.knownConnections.includes(connection)) connection = 'zz-unknown';
      const base = rng.bool(0.85)
        ? `/webhooks/${source}/${connection}`
        : rng.pick([
            `/webhooks/${rng.string(8, 'abcdefghijklmnopqrstuvwxyz') || 'paypal'}x`,
            '/webhooks',
            '/webhooks/',
            `/webhooks/${source.toUpperCase()}`,
            `/${source}`,
            `/webhooks/${source}/default/more`,
          ]);
      const body = json(handledEvent(source, rng));
      return {
        ...post(body, { [header]: sign(body, secret) }, `signed handled event to ${base}`, {
          exact: 404,
          reachesRoute: false,
        }),
        path: base,
      };
    }
    case 'raw_protocol':
      return rawProtocol(rng, source, secret, header, json);
  }
}

function typeConfused(
  rng: Rng,
  source: Source,
  secret: string,
  header: string,
  json: (value: unknown, pretty?: boolean) => Buffer,
  post: (body: Buffer, headers: Record<string, string | string[]>, note: string, extra?: Partial<CaseBody>) => CaseBody,
): CaseBody {
  const signed = (value: unknown, note: string, extra: Partial<CaseBody> = { exact: 400 }) => {
    const body = json(value);
    return post(body, { [header]: sign(body, secret) }, `signed, ${note}`, extra);
  };
  const event = handledEvent(source, rng) as { data: { object: Record<string, unknown> } } & Record<string, unknown>;
  const object = event.data.object;
  const mutations: [string, () => unknown][] = [
    ['envelope not an object', () => rng.notAnObject()],
    ['envelope an array of events', () => [event]],
    ['id not a string', () => ({ ...event, id: rng.notAString() })],
    ['id missing', () => ({ ...event, id: undefined })],
    ['type missing', () => ({ ...event, type: undefined })],
    ['type not a string', () => ({ ...event, type: rng.notAString() })],
    ['data not an object', () => ({ ...event, data: rng.notAnObject() })],
    ['data.object not an object', () => ({ ...event, data: { object: rng.notAnObject() } })],
    ['data.object a string', () => ({ ...event, data: { object: String(object.id) } })],
    ['data missing', () => ({ ...event, data: undefined })],
  ];
  if (source === 'stripe') {
    mutations.push(
      ['created a string', () => ({ ...event, created: String(event.created) })],
      ['created missing', () => ({ ...event, created: undefined })],
      ['data.object.id not a string', () => ({ ...event, data: { object: { ...object, id: rng.notAString() } } })],
      ['data.object.id missing', () => ({ ...event, data: { object: { ...object, id: undefined } } })],
      // Ids no workflow id could carry (Temporal takes 1,000 bytes), or of a charset Stripe never uses: invalid_id.
      ['event id of 2,000 characters', () => ({ ...event, id: `evt_${'x'.repeat(1996)}` })],
      [
        'data.object.id of 2,000 characters',
        () => ({
          ...event,
          data: { object: { ...object, id: `${String(object.id).split('_')[0]}_${'A'.repeat(1997)}` } },
        }),
      ],
      [
        'data.object.id with characters Stripe never uses',
        () => ({ ...event, data: { object: { ...object, id: `pi_${rng.pick(['../x', 'a b', 'é', 'a/b', 'a"b'])}` } } }),
      ],
      // A live event to a test key's endpoint: livemode_mismatch.
      ['livemode true with a test key', () => ({ ...event, livemode: true })],
    );
  } else {
    mutations.push(
      ['id empty', () => ({ ...event, id: '' })],
      ['type empty', () => ({ ...event, type: '' })],
      ['createdAt not a string', () => ({ ...event, createdAt: rng.notAString() })],
      [
        'order version a string',
        () => ({ ...event, data: { object: { ...object, version: String(object.version) } } }),
      ],
      ['order version negative', () => ({ ...event, data: { object: { ...object, version: -rng.int(1, 100) } } })],
      ['order version fractional', () => ({ ...event, data: { object: { ...object, version: 1.5 } } })],
      ['order version missing', () => ({ ...event, data: { object: { ...object, version: undefined } } })],
      ['order id a number', () => ({ ...event, data: { object: { ...object, id: rng.int(0, 1e6) } } })],
      ['order id empty', () => ({ ...event, data: { object: { ...object, id: '' } } })],
      ['event id of 2,000 characters', () => ({ ...event, id: `evt_${'x'.repeat(1996)}` })],
      [
        'order id of 2,000 characters',
        () => ({ ...event, data: { object: { ...object, id: `ord_${'a'.repeat(1996)}` } } }),
      ],
      [
        'order id with characters Monstock never uses',
        () => ({ ...event, data: { object: { ...object, id: `ord_${rng.pick(['../x', 'a b', 'é', 'a/b', ''])}/` } } }),
      ],
      [
        'order updatedAt not a date-time',
        () => ({
          ...event,
          data: { object: { ...object, updatedAt: rng.pick(['yesterday', '2026-01-01', 12345, null, '']) } },
        }),
      ],
      [
        'customer event with a numeric id',
        () => ({
          ...event,
          type: rng.pick(['customer.created', 'customer.updated']),
          data: { object: { id: rng.int(1, 1e6), email: 'a@b.c' } },
        }),
      ],
    );
  }
  const [label, mutate] = rng.pick(mutations);
  if (source === 'stripe' && rng.bool(0.15)) {
    // Correct envelope, but nothing to route by: acknowledged (2xx), never delivered.
    return rng.bool()
      ? signed(
          {
            ...event,
            type: 'charge.refunded',
            data: {
              object: {
                id: rng.id('ch_fuzz'),
                object: 'charge',
                payment_intent: rng.pick([null, 42, true, [], '', { object: 'payment_intent' }]),
              },
            },
          },
          'charge whose payment_intent is no id',
          { allow2xx: true },
        )
      : signed(
          {
            ...event,
            type: 'checkout.session.completed',
            data: {
              object: {
                id: rng.id('cs_fuzz'),
                mode: rng.pick(['setup', 'subscription', 42, null]),
                payment_intent: rng.id('pi_fuzz'),
              },
            },
          },
          'checkout session of another mode',
          { allow2xx: true },
        );
  }
  return signed(mutate(), label);
}

function headerInjection(
  rng: Rng,
  source: Source,
  secret: string,
  header: string,
  json: (value: unknown, pretty?: boolean) => Buffer,
  post: (body: Buffer, headers: Record<string, string | string[]>, note: string, extra?: Partial<CaseBody>) => CaseBody,
): CaseBody {
  const body = json(handledEvent(source, rng));
  const t = nowSeconds();
  const good = hmac(body, secret, t);
  const variants: [string, () => string | string[]][] = [
    ['t= without v1=', () => `t=${t}`],
    ['v1= without t=', () => `v1=${good}`],
    ['empty v1=', () => `t=${t},v1=`],
    ['v1 without a value', () => `t=${t},v1`],
    ['empty t=', () => `t=,v1=${good}`],
    ['non-numeric t', () => `t=${rng.pick(['abc', '1e9', '-1', ' ', 'NaN'])},v1=${good}`],
    ['v0 scheme only', () => `t=${t},v0=${good}`],
    ['upper-case keys', () => `T=${t},V1=${good}`],
    ['signature with a suffix', () => `t=${t},v1=${good}${rng.pick(['0', 'x', ' 0', 'ab'])}`],
    ['signature truncated', () => `t=${t},v1=${good.slice(0, rng.int(0, 63))}`],
    ['signature flipped', () => `t=${t},v1=${good.slice(0, 10)}${good[10] === '0' ? '1' : '0'}${good.slice(11)}`],
    ['other timestamp', () => `t=${t - rng.int(1, 200)},v1=${good}`],
    ['spaces around =', () => `t = ${t}, v1 = ${good}`],
    ['semicolons', () => `t=${t};v1=${good}`],
    ['garbage', () => rng.headerValue(200) || '='],
    [
      'long garbage',
      () =>
        `t=${t},${Array.from({ length: rng.int(20, 180) }, () => `v1=${rng.string(64, '0123456789abcdef')}`).join(',')}`,
    ],
    ['only commas and equals', () => rng.string(40, ',=; ') || ','],
    ['several invalid values', () => [`t=${t}`, `v1=${'0'.repeat(64)}`]],
    ['several invalid values', () => [rng.headerValue(40) || 'x', `t=${t},v1=${rng.string(64, '0123456789abcdef')}`]],
  ];
  const [label, make] = rng.pick(variants);
  if (rng.bool(0.12)) {
    // One valid value among several: whichever the route accepts, this body delivers nothing.
    const irrelevant = json(irrelevantEvent(source, rng));
    const valid = sign(irrelevant, secret);
    // Also the valid value split over two header lines (joined by Node as "t=…, v1=…").
    const values = rng.bool(0.3) ? valid.split(',') : rng.shuffle([valid, rng.headerValue(60) || 'x', `t=${t},v1=`]);
    return post(
      irrelevant,
      { [header]: values },
      `several Stripe/Monstock-Signature values, one valid, on an irrelevant event: ${JSON.stringify(values)}`,
      { allow2xx: true },
    );
  }
  if (rng.bool(0.08)) {
    // The right signature under the wrong header name.
    const name = rng.pick([
      `x-${header}`,
      header.replace('-', '_'),
      source === 'stripe' ? 'monstock-signature' : 'stripe-signature',
      'signature',
    ]);
    return post(body, { [name]: `t=${t},v1=${good}` }, `valid signature under header ${name}`, { exact: 400 });
  }
  const value = make();
  return post(body, { [header]: value }, `${label}: ${JSON.stringify(value).slice(0, 200)}`, { exact: 400 });
}

function rawProtocol(
  rng: Rng,
  source: Source,
  secret: string,
  header: string,
  json: (value: unknown, pretty?: boolean) => Buffer,
): CaseBody {
  const body = json(handledEvent(source, rng));
  const signature = sign(body, secret);
  const variants: [string, () => string | Buffer, boolean][] = [
    [
      'absolute-form target that is no URL',
      () =>
        `POST http://[${rng.string(4)}/webhooks/${source} HTTP/1.1\r\nHost: x\r\n${header}: ${signature}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      true,
    ],
    [
      'absolute-form target with a bad port',
      () =>
        `POST http://connector:99999/webhooks/${source} HTTP/1.1\r\nHost: x\r\n${header}: ${signature}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      true,
    ],
    [
      'absolute-form target with a bad percent-encoding in the host',
      () =>
        `POST http://%zz/webhooks/${source} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      true,
    ],
    [
      'bad chunked encoding',
      () =>
        `POST /webhooks/${source} HTTP/1.1\r\nHost: x\r\n${header}: ${signature}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n${body}\r\n0\r\n\r\n`,
      false,
    ],
    [
      'Content-Length and Transfer-Encoding together',
      () =>
        `POST /webhooks/${source} HTTP/1.1\r\nHost: x\r\n${header}: ${signature}\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body}`,
      false,
    ],
    [
      'non-numeric Content-Length',
      () =>
        `POST /webhooks/${source} HTTP/1.1\r\nHost: x\r\n${header}: ${signature}\r\nContent-Length: ${rng.pick(['abc', '-1', '1e9', '12 34'])}\r\nConnection: close\r\n\r\n${body}`,
      false,
    ],
    [
      'two different Content-Lengths',
      () =>
        `POST /webhooks/${source} HTTP/1.1\r\nHost: x\r\n${header}: ${signature}\r\nContent-Length: ${body.length}\r\nContent-Length: ${body.length + 5}\r\nConnection: close\r\n\r\n${body}`,
      false,
    ],
    [
      'CR inside a header value',
      () =>
        `POST /webhooks/${source} HTTP/1.1\r\nHost: x\r\n${header}: ${signature}\rX-Injected: 1\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      false,
    ],
    [
      'unknown method',
      () =>
        `FUZZ /webhooks/${source} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      false,
    ],
    [
      'header injected through a folded line',
      () =>
        `POST /webhooks/${source} HTTP/1.1\r\nHost: x\r\n${header}: t=1,\r\n v1=${'0'.repeat(64)}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      false,
    ],
  ];
  const [label, make] = rng.pick(variants);
  return {
    source,
    category: 'raw_protocol',
    note: label,
    method: 'RAW',
    path: `/webhooks/${source}`,
    headers: {},
    raw: Buffer.from(make()),
    allow2xx: false,
    reachesRoute: false,
  };
}
