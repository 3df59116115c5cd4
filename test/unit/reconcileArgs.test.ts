import { ArgsError, parseReconcileArgs } from '../../src/starter/reconcile/args';

const now = new Date('2026-11-27T12:00:00.000Z');

describe('npm run reconcile arguments', () => {
  it('reads a range, a date alone, --json and --report-only', () => {
    expect(parseReconcileArgs(['--from', '2026-11-01', '--to', '2026-11-02T06:30:00+01:00', '--json'], now)).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-02T05:30:00.000Z',
      json: true,
      repair: true,
    });
    expect(parseReconcileArgs(['--from', '2026-11-20T00:00:00Z', '--report-only'], now)).toEqual({
      from: '2026-11-20T00:00:00.000Z',
      to: now.toISOString(),
      json: false,
      repair: false,
    });
  });

  it.each<[string[], RegExp]>([
    [[], /--from is required/],
    [['--from'], /--from needs a value/],
    [['--from', '--json'], /--from needs a value/],
    [['--from', 'yesterday'], /ISO 8601/],
    [['--from', '2026-11-01T10:00'], /ISO 8601/],
    [['--from', '2026-02-31'], /not a real date|ISO/],
    [['--from', '2026-11-02', '--to', '2026-11-01'], /before --to/],
    [['--from', '2026-11-01', '--to', '2027-01-01'], /future/],
    [['--from', '2026-11-01', '--force'], /unknown argument/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseReconcileArgs(argv, now)).toThrow(ArgsError);
    expect(() => parseReconcileArgs(argv, now)).toThrow(message);
  });

  it('answers thousands of random argument lists with a result or a clear ArgsError, nothing else', () => {
    // A seeded generator (mulberry32), so a failure names its seed and replays.
    let seed = 20261127;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pieces = [
      '--from',
      '--to',
      '--json',
      '--report-only',
      '2026-11-01',
      '2026-11-26T00:00:00Z',
      '',
      ' ',
      '--',
      '-f',
      '2026-13-01',
      '9999-99-99',
      'x'.repeat(500),
      '\u0000',
      '2026-11-01T00:00:00+25:00',
      '{"a":1}',
      '--from=2026-11-01',
    ];
    let parsed = 0;
    for (let run = 0; run < 5000; run += 1) {
      const argv = Array.from(
        { length: Math.floor(random() * 6) },
        () => pieces[Math.floor(random() * pieces.length)]!,
      );
      try {
        const args = parseReconcileArgs(argv, now);
        expect(Date.parse(args.from)).toBeLessThan(Date.parse(args.to));
        parsed += 1;
      } catch (error) {
        expect({ argv, error: error instanceof ArgsError }).toEqual({ argv, error: true });
        expect((error as Error).message.length).toBeLessThan(300);
      }
    }
    expect(parsed).toBeGreaterThan(0);
  });
});
