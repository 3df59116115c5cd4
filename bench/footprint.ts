import { Client, Connection } from '@temporalio/client';
import { parseEncryptionKeys } from '../src/temporal/codec/encryptionCodec';
import { connectorDataConverter } from '../src/temporal/dataConverter';
import { orderWorkflowId } from '../src/shared/ids';
import { ORDER_PAYMENT_WORKFLOW_TYPE, type OrderPaymentWorkflowInput } from '../src/shared/orderPayment';
import { forEachConcurrently } from './load';
import { measureProcess } from './procStats';
import { progress } from './progress';
import { settle } from './settle';
import type { BenchStack } from './stack';

/**
 * Worker footprint with many open order workflows: each started with the real workflow type and
 * input (a long idle window keeps it open, waiting), then the worker's RSS and CPU are read from
 * /proc once it has settled. The workflows are terminated afterwards.
 */
export interface FootprintResult {
  openWorkflows: number;
  rssMb: number;
  cpuPercent: number;
  idleRssMb: number;
  startPerSecond: number;
  sampleSeconds: number;
}

export async function measureFootprint(stack: BenchStack, workflows: number): Promise<FootprintResult> {
  const pid = stack.worker?.pid;
  if (!pid) throw new Error('no worker process');
  const idle = await measureProcess(pid, 3);
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({
    connection,
    namespace: stack.namespace,
    dataConverter: connectorDataConverter(parseEncryptionKeys(stack.env.PAYLOAD_ENCRYPTION_KEYS!)),
  });
  const run = Date.now().toString(36);
  const ids: string[] = [];
  try {
    progress(`worker footprint: starting ${workflows} order workflows (idle window 2 hours)`);
    const started = await forEachConcurrently(workflows, 32, async (index) => {
      const orderId = `bench-footprint-${run}-${index}`;
      const workflowId = orderWorkflowId(stack.connectionId, orderId);
      const input: OrderPaymentWorkflowInput = { connectionId: stack.connectionId, orderId, idleWindow: '2 hours' };
      await client.workflow.start(ORDER_PAYMENT_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: stack.taskQueue,
        args: [input],
      });
      ids.push(workflowId);
    });
    const startPerSecond = Math.round(started.done / started.seconds);
    progress(
      `worker footprint: ${ids.length} started (${startPerSecond}/s, errors ${started.errors}); letting the worker settle`,
    );
    // Settled: the worker has run every new workflow's first task (CPU under 10% of a core), or 3 minutes passed.
    await settle(stack, 180);
    const open = await client.workflow.count(
      `WorkflowType="${ORDER_PAYMENT_WORKFLOW_TYPE}" AND ExecutionStatus="Running" AND TaskQueue="${stack.taskQueue}"`,
    );
    const sample = await measureProcess(pid, 5);
    progress(
      `worker footprint: RSS ${sample.rssMb} MB, CPU ${sample.cpuPercent}% with ${open.count} open workflows (idle: ${idle.rssMb} MB)`,
    );
    return {
      openWorkflows: open.count,
      rssMb: sample.rssMb,
      cpuPercent: sample.cpuPercent,
      idleRssMb: idle.rssMb,
      startPerSecond,
      sampleSeconds: sample.seconds,
    };
  } finally {
    progress(`worker footprint: terminating ${ids.length} workflows`);
    // Capped: whatever is left goes with the bench's temporary stack.
    const deadline = Date.now() + 90_000;
    const cleaned = await forEachConcurrently(ids.length, 32, async (index) => {
      if (Date.now() > deadline) throw new Error('cleanup time is up');
      await client.workflow.getHandle(ids[index]!).terminate('bench cleanup');
    });
    progress(
      `worker footprint: ${cleaned.done} terminated${cleaned.errors ? `, ${cleaned.errors} left to the stack's teardown` : ''}`,
    );
    await connection.close();
  }
}
