import { Client, Connection } from '@temporalio/client';
import { parseEncryptionKeys } from '../src/temporal/codec/encryptionCodec';
import { connectorDataConverter } from '../src/temporal/dataConverter';
import { ORDER_PAYMENT_WORKFLOW_TYPE } from '../src/shared/orderPayment';
import { forEachConcurrently } from './load';
import { progress } from './progress';
import type { BenchStack } from './stack';

/**
 * Terminates every order workflow still running on the stack's task queue. The bench's stack
 * keeps orders open (an idle window longer than any run, as production's 120 days), so the end-to-end
 * phase leaves its orders' workflows running; closing them between phases, outside any measured
 * window, keeps them out of the next phase (the footprint counts open workflows). Returns how many
 * were terminated.
 */
export async function closeOrderWorkflows(stack: BenchStack, maxSeconds = 120): Promise<number> {
  const connection = await Connection.connect({ address: stack.temporalAddress });
  try {
    // The connector encrypts payloads (the memo included): listing its workflows needs its codec.
    const client = new Client({
      connection,
      namespace: stack.namespace,
      dataConverter: connectorDataConverter(parseEncryptionKeys(stack.env.PAYLOAD_ENCRYPTION_KEYS!)),
    });
    const ids: string[] = [];
    const query = `WorkflowType="${ORDER_PAYMENT_WORKFLOW_TYPE}" AND ExecutionStatus="Running" AND TaskQueue="${stack.taskQueue}"`;
    for await (const info of client.workflow.list({ query })) ids.push(info.workflowId);
    const deadline = Date.now() + maxSeconds * 1000;
    const closed = await forEachConcurrently(ids.length, 32, async (index) => {
      if (Date.now() > deadline) throw new Error('time is up');
      await client.workflow.getHandle(ids[index]!).terminate('bench: end of the phase');
    });
    progress(
      `closed ${closed.done} of ${ids.length} open order workflows between phases${closed.errors ? ` (${closed.errors} not: ${closed.firstError})` : ''}`,
    );
    return closed.done;
  } finally {
    await connection.close();
  }
}
