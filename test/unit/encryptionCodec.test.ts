import crypto from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { ENCRYPTED_ENCODING, EncryptionCodec, parseEncryptionKeys } from '../../src/temporal/codec/encryptionCodec';

const key = (id: string) => ({ id, key: crypto.randomBytes(32) });

describe('EncryptionCodec', () => {
  const plain = defaultPayloadConverter.toPayload({ name: 'Ada Lovelace', email: 'ada@example.test', amount: 4200 });

  it('encrypts so nothing of the payload is readable, and decrypts it back exactly', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [encrypted] = await codec.encode([plain]);
    expect(Buffer.from(encrypted!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(encrypted!.metadata!['encryption-key-id']!).toString()).toBe('k1');
    expect(Buffer.from(encrypted!.data!).toString('latin1')).not.toMatch(/Ada|example\.test|4200|json/);
    const [decrypted] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decrypted!)).toEqual({
      name: 'Ada Lovelace',
      email: 'ada@example.test',
      amount: 4200,
    });
  });

  it('rotates: the first key encrypts, older keys still decrypt', async () => {
    const old = key('2025');
    const [byOld] = await new EncryptionCodec([old]).encode([plain]);
    const rotated = new EncryptionCodec([key('2026'), old]);
    const [byNew] = await rotated.encode([plain]);
    expect(Buffer.from(byNew!.metadata!['encryption-key-id']!).toString()).toBe('2026');
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([byOld!]))[0]!)).toMatchObject({ amount: 4200 });
  });

  it('lets payloads written before encryption pass, and refuses unknown keys and tampering', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    expect(await codec.decode([plain])).toEqual([plain]);
    const [foreign] = await new EncryptionCodec([key('other')]).encode([plain]);
    await expect(codec.decode([foreign!])).rejects.toThrow(/key "other"/);
    const [mine] = await codec.encode([plain]);
    const tampered = Buffer.from(mine!.data!);
    tampered[20] = tampered[20]! ^ 1;
    await expect(codec.decode([{ ...mine!, data: tampered }])).rejects.toThrow();
  });

  it('reads keys from the setting and names what is wrong', () => {
    const a = crypto.randomBytes(32).toString('base64');
    expect(parseEncryptionKeys(`k1:${a}, k0:${a}`).map((k) => k.id)).toEqual(['k1', 'k0']);
    expect(() => parseEncryptionKeys('k1:c2hvcnQ=')).toThrow(/32 bytes/);
    expect(() => parseEncryptionKeys('nokey')).toThrow(/<id>:<base64/);
  });
});
