import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec, type EncryptionKey } from './codec/encryptionCodec';

/** The one data converter of every client and worker of the connector: JSON, then encrypted. */
export function connectorDataConverter(keys: EncryptionKey[]): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)] };
}
