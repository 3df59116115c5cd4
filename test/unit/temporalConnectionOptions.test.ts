import { temporalConnectionOptions, type TemporalSecurity } from '../../src/temporal/connectionOptions';

const none: TemporalSecurity = {
  tls: false,
  certPath: undefined,
  keyPath: undefined,
  caPath: undefined,
  serverName: undefined,
  apiKey: undefined,
};
const files: Record<string, Buffer> = {
  '/certs/client.pem': Buffer.from('CRT'),
  '/certs/client.key': Buffer.from('KEY'),
  '/certs/ca.pem': Buffer.from('CA'),
};
const read = (file: string): Buffer => {
  const content = files[file];
  if (!content) throw new Error('ENOENT: no such file');
  return content;
};

describe('connecting to a real Temporal cluster', () => {
  it('connects in the clear to a dev server', () => {
    expect(temporalConnectionOptions('127.0.0.1:7233', none, read)).toEqual({ address: '127.0.0.1:7233' });
  });

  it('uses mTLS with a client certificate, a CA and a server name', () => {
    const options = temporalConnectionOptions(
      'ns.acct.tmprl.cloud:7233',
      {
        ...none,
        certPath: '/certs/client.pem',
        keyPath: '/certs/client.key',
        caPath: '/certs/ca.pem',
        serverName: 'ns.acct.tmprl.cloud',
      },
      read,
    );
    expect(options).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      tls: {
        serverNameOverride: 'ns.acct.tmprl.cloud',
        serverRootCACertificate: Buffer.from('CA'),
        clientCertPair: { crt: Buffer.from('CRT'), key: Buffer.from('KEY') },
      },
    });
  });

  it('uses TLS with a Temporal Cloud API key', () => {
    expect(temporalConnectionOptions('ns.tmprl.cloud:7233', { ...none, apiKey: 'cloud-api-key-123' }, read)).toEqual({
      address: 'ns.tmprl.cloud:7233',
      tls: {},
      apiKey: 'cloud-api-key-123',
    });
  });

  it('names the variable of a certificate that is missing or half configured', () => {
    expect(() => temporalConnectionOptions('x:1', { ...none, certPath: '/certs/client.pem' }, read)).toThrow(
      /TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together/,
    );
    expect(() =>
      temporalConnectionOptions('x:1', { ...none, certPath: '/certs/missing.pem', keyPath: '/certs/client.key' }, read),
    ).toThrow(/TEMPORAL_TLS_CERT_PATH=\/certs\/missing.pem cannot be read/);
  });
});
