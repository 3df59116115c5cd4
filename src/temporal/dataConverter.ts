import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec, type EncryptionCodecOptions, type EncryptionKey } from './codec/encryptionCodec';

/**
 * The module exporting the connector's `failureConverter` (messages and stack traces encrypted).
 * The workflow bundle needs it too: bundleConnectorWorkflows passes it to the bundler.
 */
export const FAILURE_CONVERTER_PATH = require.resolve('./codec/failureConverter');

export type ConnectorDataConverterOptions = EncryptionCodecOptions;

/**
 * The one data converter of every client and worker of the connector: JSON, then encrypted;
 * failure messages and stack traces encrypted too. `rejectUnencrypted` (production workers)
 * refuses payloads that are not encrypted instead of passing them to the workflows.
 */
export function connectorDataConverter(
  keys: EncryptionKey[],
  options: ConnectorDataConverterOptions = {},
): DataConverter {
  return {
    payloadCodecs: [new EncryptionCodec(keys, options)],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}
