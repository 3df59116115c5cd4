/**
 * A tiny seeded generator toolkit for the fuzz tests (no fast-check dependency): mulberry32 for
 * the numbers, and a few generators for strings, bytes, JSON values and header values. The same
 * seed always yields the same sequence, so a failure is replayed with `FUZZ_SEED=<seed>`.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const PRINTABLE_ASCII = Array.from({ length: 95 }, (_, index) => String.fromCharCode(32 + index)).join('');
const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const TRICKY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\uFFFD',
  'é',
  '🙂',
  '\\',
  '"',
  '\n',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'toString',
  '${x}',
  '../..',
  '%00',
  'a'.repeat(300),
];

export class Rng {
  private readonly next: () => number;

  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }

  float(): number {
    return this.next();
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  bool(probability = 0.5): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** Picks by weight: `[[weight, value], ...]`. */
  weighted<T>(entries: readonly (readonly [number, T])[]): T {
    const total = entries.reduce((sum, [weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [weight, value] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return entries[entries.length - 1]![1];
  }

  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let index = copy.length - 1; index > 0; index -= 1) {
      const other = this.int(0, index);
      [copy[index], copy[other]] = [copy[other]!, copy[index]!];
    }
    return copy;
  }

  string(maxLength = 24, alphabet: string = ALPHANUMERIC): string {
    const length = this.int(0, maxLength);
    let text = '';
    for (let index = 0; index < length; index += 1) text += alphabet[this.int(0, alphabet.length - 1)];
    return text;
  }

  /** Any Unicode text, lone surrogates and control characters included. */
  unicode(maxLength = 24): string {
    if (this.bool(0.2)) return this.pick(TRICKY_STRINGS);
    const length = this.int(0, maxLength);
    let text = '';
    for (let index = 0; index < length; index += 1) {
      text += this.weighted<() => string>([
        [6, () => String.fromCharCode(this.int(32, 126))],
        [1, () => String.fromCharCode(this.int(0, 31))],
        [1, () => String.fromCharCode(this.int(0x80, 0x7ff))],
        [1, () => String.fromCodePoint(this.int(0x1f300, 0x1f64f))],
        [1, () => String.fromCharCode(this.int(0xd800, 0xdfff))],
      ])();
    }
    return text;
  }

  id(prefix: string): string {
    return `${prefix}_${this.string(14) || 'x'}`;
  }

  bytes(maxLength = 256): Buffer {
    const length = this.int(0, maxLength);
    const buffer = Buffer.alloc(length);
    for (let index = 0; index < length; index += 1) buffer[index] = this.int(0, 255);
    return buffer;
  }

  /** A byte sequence that is never valid UTF-8 (stray continuation, overlong, truncated, surrogate, > U+10FFFF). */
  invalidUtf8(): Buffer {
    return Buffer.from(
      this.pick([
        [0x80],
        [0xbf],
        [0xc0, 0xaf],
        [0xc3],
        [0xe2, 0x82],
        [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80],
        [0xff],
        [0xfe, 0xff],
        [0xf0, 0x9f, 0x98],
      ]),
    );
  }

  /** Any JSON value, nested up to `depth`. */
  json(depth = 3): unknown {
    const leaf = depth <= 0;
    return this.weighted<() => unknown>([
      [2, () => null],
      [2, () => this.bool()],
      [3, () => this.pick([0, -1, 1.5, 1e21, -0, 2 ** 53 + 1, this.int(-1e9, 1e9)])],
      [4, () => this.unicode(16)],
      [leaf ? 0 : 2, () => Array.from({ length: this.int(0, 4) }, () => this.json(depth - 1))],
      [
        leaf ? 0 : 3,
        () =>
          Object.fromEntries(
            Array.from({ length: this.int(0, 5) }, () => [
              this.pick([this.string(8), 'id', 'type', 'data', 'object', 'created', 'createdAt', 'version']),
              this.json(depth - 1),
            ]),
          ),
      ],
    ])();
  }

  /** A JSON value that is not a plain object (what an envelope or `data.object` must never be). */
  notAnObject(): unknown {
    return this.pick<() => unknown>([
      () => null,
      () => [],
      () => [this.json(1)],
      () => this.int(-5, 5),
      () => this.unicode(8),
      () => true,
      () => false,
    ])();
  }

  /** A value that is not a string. */
  notAString(): unknown {
    return this.pick<() => unknown>([
      () => null,
      () => this.int(-5, 1e6),
      () => 1.5,
      () => true,
      () => [],
      () => ({}),
      () => ({ id: 'x' }),
    ])();
  }

  /** A header value that undici will send (printable ASCII and tabs, no CR/LF). */
  headerValue(maxLength = 80): string {
    return this.string(maxLength, PRINTABLE_ASCII + '\t').trim();
  }
}
