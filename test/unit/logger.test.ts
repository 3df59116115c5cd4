import { createLogger, redact, registerSecrets } from '../../src/observability/logger';

describe('logger', () => {
  it('never prints a registered secret or a secret-named field', () => {
    registerSecrets('sk_test_super_secret_value');
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
    logger.info('calling stripe with sk_test_super_secret_value', {
      authorization: 'Bearer abc',
      nested: { webhookSecret: 'whsec_x', note: 'key sk_test_super_secret_value' },
    });
    const text = lines.join('\n');
    expect(text).not.toContain('sk_test_super_secret_value');
    expect(text).not.toContain('Bearer abc');
    expect(text).not.toContain('whsec_x');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', authorization: '[redacted]' });
  });

  it('drops records below the level', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', write: (line) => lines.push(line) });
    logger.info('quiet');
    logger.warn('loud');
    expect(lines).toHaveLength(1);
    expect(redact({ password: 'p' })).toEqual({ password: '[redacted]' });
  });
});
