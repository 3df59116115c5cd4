import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { EncryptionCodec, parseEncryptionKeys } from '../src/temporal/codec/encryptionCodec';

/**
 * What a signal carried, for the breakdown: the Stripe event type or the Monstock change (type
 * and order version), or which side a customer change came from (`source`). Payloads are
 * encrypted by the connector's codec: decoded with its keys.
 */
export function createSignalDescriber(
  encryptionKeys: string,
): (event: temporal.api.history.v1.IHistoryEvent) => Promise<string | undefined> {
  const codec = new EncryptionCodec(parseEncryptionKeys(encryptionKeys));
  return async (event) => {
    const payload = event.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0];
    if (!payload) return undefined;
    try {
      const [decoded] = await codec.decode([payload as Payload]);
      const value = defaultPayloadConverter.fromPayload<{
        type?: string;
        version?: number;
        kind?: string;
        status?: string;
        source?: string;
      }>(decoded!);
      if (!value || typeof value !== 'object') return undefined;
      return (
        [
          value.type ?? value.kind,
          value.source,
          value.version !== undefined ? `version ${value.version}` : undefined,
          value.status,
        ]
          .filter(Boolean)
          .join(', ') || undefined
      );
    } catch {
      return undefined;
    }
  };
}
