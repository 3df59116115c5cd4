import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { ConnectorConfig } from '../config';
import { temporalConnectionOptions } from './connectionOptions';
import { connectorDataConverter } from './dataConverter';

/** Client connections, with the connector's encrypting data converter; TLS and API keys plug in here. */
export async function connectClient(config: Pick<ConnectorConfig, 'temporal'>): Promise<Client> {
  const connection = await Connection.connect(
    temporalConnectionOptions(config.temporal.address, config.temporal.security),
  );
  return new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: connectorDataConverter(config.temporal.encryptionKeys),
  });
}

export async function connectWorker(config: Pick<ConnectorConfig, 'temporal'>): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(config.temporal.address, config.temporal.security));
}
