import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { ConnectorConfig } from '../config';

/** Client connections; TLS and API keys for real clusters plug in here. */
export async function connectClient(config: Pick<ConnectorConfig, 'temporal'>): Promise<Client> {
  const connection = await Connection.connect({ address: config.temporal.address });
  return new Client({ connection, namespace: config.temporal.namespace });
}

export async function connectWorker(config: Pick<ConnectorConfig, 'temporal'>): Promise<NativeConnection> {
  return NativeConnection.connect({ address: config.temporal.address });
}
