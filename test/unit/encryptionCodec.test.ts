import crypto from 'node:crypto';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { ENCRYPTED_ENCODING, EncryptionCodec, parseEncryptionKeys } from '../../src/temporal/codec/encryptionCodec';
import { failureConverter } from '../../src/temporal/codec/failureConverter';
import { connectorDataConverter } from '../../src/temporal/dataConverter';

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

  it('pins the GCM tag to 16 bytes: a truncated tag, a short payload or a tampered ciphertext fails', async () => {
    const k1 = key('k1');
    const codec = new EncryptionCodec([k1]);
    const [mine] = await codec.encode([plain]);
    const data = Buffer.from(mine!.data!);
    expect(data.length).toBeGreaterThan(12 + 16);
    const iv = data.subarray(0, 12);
    const ciphertext = data.subarray(12, data.length - 16);
    const tag = data.subarray(data.length - 16);

    // Node's GCM accepts a 4-byte prefix of the right tag unless the tag length is pinned: this
    // decipher, without authTagLength, authenticates the truncated tag (an attacker has 2^32 tries, not 2^128).
    const loose = crypto.createDecipheriv('aes-256-gcm', k1.key, iv);
    loose.setAuthTag(tag.subarray(0, 4));
    expect(Buffer.concat([loose.update(ciphertext), loose.final()]).length).toBe(ciphertext.length);

    const decodeData = (bytes: Buffer) => codec.decode([{ ...mine!, data: bytes }]);
    const unauthenticated = /could not be authenticated/;
    // <iv><ciphertext><4-byte tag>: the last 16 bytes are no tag, and no shorter tag is ever taken.
    await expect(decodeData(Buffer.concat([iv, ciphertext, tag.subarray(0, 4)]))).rejects.toThrow(unauthenticated);
    // Shorter than IV and tag together: refused before any crypto (the old code took a tag out of the IV).
    await expect(decodeData(Buffer.concat([iv, tag.subarray(0, 4)]))).rejects.toThrow(
      /shorter than its 12-byte IV and 16-byte tag/,
    );
    await expect(decodeData(iv)).rejects.toThrow(/shorter than/);
    const tamperedCiphertext = Buffer.from(data);
    tamperedCiphertext[12] = tamperedCiphertext[12]! ^ 0x80;
    await expect(decodeData(tamperedCiphertext)).rejects.toThrow(unauthenticated);
    const tamperedTag = Buffer.from(data);
    tamperedTag[data.length - 1] = tamperedTag[data.length - 1]! ^ 1;
    await expect(decodeData(tamperedTag)).rejects.toThrow(unauthenticated);
    const tamperedIv = Buffer.from(data);
    tamperedIv[0] = tamperedIv[0]! ^ 1;
    await expect(decodeData(tamperedIv)).rejects.toThrow(unauthenticated);
    // The untouched payload still decodes.
    expect(defaultPayloadConverter.fromPayload((await decodeData(data))[0]!)).toMatchObject({ amount: 4200 });
  });

  it('pins the tag length in the decipher it creates (authTagLength: 16)', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [mine] = await codec.encode([plain]);
    const spy = jest.spyOn(crypto, 'createDecipheriv');
    try {
      await codec.decode([mine!]);
      expect(spy).toHaveBeenCalledWith('aes-256-gcm', expect.anything(), expect.anything(), { authTagLength: 16 });
    } finally {
      spy.mockRestore();
    }
  });

  it('with rejectUnencrypted (production workers) refuses payloads that are not encrypted; without it they pass', async () => {
    const k1 = key('k1');
    const strict = new EncryptionCodec([k1], { rejectUnencrypted: true });
    await expect(strict.decode([plain])).rejects.toThrow(/not encrypted \(encoding "json\/plain"\).*production/);
    await expect(strict.decode([{ metadata: {}, data: Buffer.from('{"amount":1}') }])).rejects.toThrow(/not encrypted/);
    // Its own payloads decode as always.
    const [mine] = await strict.encode([plain]);
    expect(defaultPayloadConverter.fromPayload((await strict.decode([mine!]))[0]!)).toMatchObject({ amount: 4200 });
    // Development (the default) keeps passing them through: tests and data from before encryption.
    expect(await new EncryptionCodec([k1]).decode([plain])).toEqual([plain]);
    expect(await new EncryptionCodec([k1], { rejectUnencrypted: false }).decode([plain])).toEqual([plain]);
  });

  it('the connector data converter encrypts failure messages and refuses plaintext only when asked', async () => {
    const lenient = connectorDataConverter([key('k1')]);
    expect(lenient.failureConverterPath).toMatch(/codec[\\/]failureConverter\.(ts|js)$/);
    const failure = failureConverter.errorToFailure(
      ApplicationFailure.create({ message: 'order PII-4711 rejected', nonRetryable: true }),
      defaultPayloadConverter,
    );
    expect(failure.message).toBe('Encoded failure');
    expect(JSON.stringify(failure)).not.toContain('PII-4711');
    expect(failure.encodedAttributes).toBeDefined();
    const [encrypted] = await lenient.payloadCodecs![0]!.encode([failure.encodedAttributes!]);
    expect(Buffer.from(encrypted!.data!).toString('latin1')).not.toContain('PII-4711');
    const back = failureConverter.failureToError(
      { ...failure, encodedAttributes: (await lenient.payloadCodecs![0]!.decode([encrypted!]))[0]! },
      defaultPayloadConverter,
    );
    expect(back.message).toBe('order PII-4711 rejected');
    await expect(
      connectorDataConverter([key('k1')], { rejectUnencrypted: true }).payloadCodecs![0]!.decode([plain]),
    ).rejects.toThrow(/not encrypted/);
  });

  it('reads keys from the setting and names what is wrong', () => {
    const a = crypto.randomBytes(32).toString('base64');
    expect(parseEncryptionKeys(`k1:${a}, k0:${a}`).map((k) => k.id)).toEqual(['k1', 'k0']);
    expect(() => parseEncryptionKeys('k1:c2hvcnQ=')).toThrow(/32 bytes/);
    expect(() => parseEncryptionKeys('nokey')).toThrow(/<id>:<base64/);
  });
});
