import fs from 'node:fs';
import path from 'node:path';
import type { Payload } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { ENCRYPTED_ENCODING } from '../../src/temporal/codec/encryptionCodec';
import { connectorDataConverter } from '../../src/temporal/dataConverter';
import { HISTORY_FIXTURES } from '../support/histories';
import { TEST_ENCRYPTION_KEYS } from '../support/temporal';

/**
 * A production worker refuses unencrypted payloads (`rejectUnencrypted`). Everything the
 * connector writes is encrypted, and what Temporal itself adds in clear (search attributes,
 * patch markers, headers) never goes through the codec: so every history recorded with
 * encryption on replays under it, and one recorded before encryption is refused.
 */
const productionConverter = () => connectorDataConverter(TEST_ENCRYPTION_KEYS, { rejectUnencrypted: true });

function load(file: string): temporal.api.history.v1.IHistory {
  return historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORY_FIXTURES, file), 'utf8')));
}

function startedEncrypted(history: temporal.api.history.v1.IHistory): boolean {
  const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  return input.every(
    (payload: Payload) => Buffer.from(payload.metadata?.encoding ?? []).toString() === ENCRYPTED_ENCODING,
  );
}

const fixtures = fs.existsSync(HISTORY_FIXTURES)
  ? fs
      .readdirSync(HISTORY_FIXTURES)
      .filter((file) => file.endsWith('.json'))
      .sort()
  : [];
const encrypted = fixtures.filter((file) => startedEncrypted(load(file)));
const plaintext = fixtures.filter((file) => !encrypted.includes(file));

describe('workflow replay by a production worker (unencrypted payloads refused)', () => {
  it('has encrypted recordings to replay', () => {
    expect(encrypted.length).toBeGreaterThan(0);
  });

  it.each(encrypted)('replays %s', async (file) => {
    await Worker.runReplayHistory(
      { workflowsPath: require.resolve('../../src/workflows'), replayName: file, dataConverter: productionConverter() },
      load(file),
    );
  });

  (plaintext.length > 0 ? it : it.skip)(
    'refuses a history recorded before encryption (a development worker replays it)',
    async () => {
      const file = plaintext[0]!;
      const replay = (rejectUnencrypted: boolean) =>
        Worker.runReplayHistory(
          {
            workflowsPath: require.resolve('../../src/workflows'),
            replayName: file,
            dataConverter: connectorDataConverter(TEST_ENCRYPTION_KEYS, { rejectUnencrypted }),
          },
          load(file),
        );
      // The task fails on decoding its first payload; the reason ("not encrypted") is itself an encrypted failure.
      await expect(replay(true)).rejects.toThrow(/workflow task failure/);
      await expect(replay(false)).resolves.toBeUndefined();
    },
  );
});
