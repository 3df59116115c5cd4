import { Counters, defineWebhookCounters, WEBHOOK_COUNTERS } from '../../src/observability/counters';

/** The webhook counters as Prometheus scrapes them from GET /metrics. */
describe('webhook counters', () => {
  it('renders declared and counted series in the Prometheus text format', () => {
    const counters = new Counters().define('demo_total', 'A demo counter.').define('idle_total', 'Never counted.');
    counters.inc('demo_total', { source: 'stripe', reason: 'bad_signature' });
    counters.inc('demo_total', { reason: 'bad_signature', source: 'stripe' }, 2);
    counters.inc('demo_total', { source: 'stripe', reason: 'say "hi"\n' });
    counters.inc('plain_total');
    expect(counters.get('demo_total', { source: 'stripe', reason: 'bad_signature' })).toBe(3);
    expect(counters.toPrometheus()).toBe(
      [
        '# HELP demo_total A demo counter.',
        '# TYPE demo_total counter',
        'demo_total{reason="bad_signature",source="stripe"} 3',
        'demo_total{reason="say \\"hi\\"\\n",source="stripe"} 1',
        '# HELP idle_total Never counted.',
        '# TYPE idle_total counter',
        '# TYPE plain_total counter',
        'plain_total 1',
        '',
      ].join('\n'),
    );
  });

  it('declares every webhook outcome so dashboards see zeros before the first event', () => {
    const text = defineWebhookCounters(new Counters()).toPrometheus();
    for (const name of Object.values(WEBHOOK_COUNTERS)) expect(text).toContain(`# TYPE ${name} counter`);
  });
});
