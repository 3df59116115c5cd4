import { ArgsError, parseConnectionsArgs } from '../../src/starter/connections/args';

describe('npm run connections arguments', () => {
  it('reads add into the service’s field names, settings apart', () => {
    expect(
      parseConnectionsArgs([
        'add',
        '--id',
        'shop-a',
        '--monstock-url',
        'https://monstock.example/v1',
        '--monstock-token',
        'token-123456',
        '--monstock-webhook-secret',
        'secret-123456',
        '--stripe-account',
        'acct_1A',
        '--capture',
        'on_shipment',
        '--create-payment-intents',
        'false',
        '--reconciliation-window-hours',
        '72',
        '--json',
      ]),
    ).toEqual({
      command: 'add',
      id: 'shop-a',
      json: true,
      fields: {
        id: 'shop-a',
        monstockUrl: 'https://monstock.example/v1',
        monstockToken: 'token-123456',
        monstockWebhookSecret: 'secret-123456',
        stripeAccount: 'acct_1A',
        settings: { capture: 'on_shipment', createPaymentIntents: false, reconciliationWindowHours: 72 },
      },
    });
    expect(parseConnectionsArgs(['list', '--json'])).toEqual({
      command: 'list',
      id: undefined,
      json: true,
      fields: {},
    });
    expect(parseConnectionsArgs(['remove', '--id', 'shop-a'])).toMatchObject({ command: 'remove', id: 'shop-a' });
  });

  it.each([
    [[], /a command is required/],
    [['frobnicate'], /unknown command/],
    [['show'], /show needs --id/],
    [['list', '--id', 'a'], /list takes no --id/],
    [['add', '--id', 'a', '--monstock-url'], /--monstock-url needs a value/],
    [['add', '--id', 'a', '--id', 'b'], /--id is given twice/],
    [['remove', '--id', 'a', '--stripe-key', 'sk_test_x'], /unknown argument "--stripe-key" for remove/],
    [['update', '--id', 'a', '--create-payment-intents', 'yes'], /true or false/],
    [['update', '--id', 'a', '--reconciliation-window-hours', '2.5'], /whole number/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseConnectionsArgs(argv as string[])).toThrow(ArgsError);
    expect(() => parseConnectionsArgs(argv as string[])).toThrow(message);
  });
});
