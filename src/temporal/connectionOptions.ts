import fs from 'node:fs';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow/tls-config';

/**
 * How to reach a real cluster: plain (dev server), TLS, mTLS with a client certificate, or a
 * Temporal Cloud API key. Certificates are read once at start; a missing file names its variable.
 */
export interface TemporalSecurity {
  tls: boolean;
  certPath: string | undefined;
  keyPath: string | undefined;
  caPath: string | undefined;
  serverName: string | undefined;
  apiKey: string | undefined;
}

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

export function temporalConnectionOptions(
  address: string,
  security: TemporalSecurity,
  read: (file: string) => Buffer = fs.readFileSync,
): TemporalConnectionOptions {
  if (Boolean(security.certPath) !== Boolean(security.keyPath)) {
    throw new Error('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together: set both for mTLS, or neither');
  }
  const useTls = security.tls || Boolean(security.certPath) || Boolean(security.apiKey) || Boolean(security.caPath);
  if (!useTls) return { address };
  const file = (path: string, variable: string): Buffer => {
    try {
      return read(path);
    } catch (error) {
      throw new Error(`${variable}=${path} cannot be read: ${(error as Error).message}`, { cause: error });
    }
  };
  const tls: TLSConfig = {
    ...(security.serverName ? { serverNameOverride: security.serverName } : {}),
    ...(security.caPath ? { serverRootCACertificate: file(security.caPath, 'TEMPORAL_TLS_CA_PATH') } : {}),
    ...(security.certPath && security.keyPath
      ? {
          clientCertPair: {
            crt: file(security.certPath, 'TEMPORAL_TLS_CERT_PATH'),
            key: file(security.keyPath, 'TEMPORAL_TLS_KEY_PATH'),
          },
        }
      : {}),
  };
  return { address, tls, ...(security.apiKey ? { apiKey: security.apiKey } : {}) };
}
