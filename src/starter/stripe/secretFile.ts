import fs from 'node:fs';
import path from 'node:path';

/**
 * The managed webhook endpoint's signing secret, which Stripe shows only once (in the create
 * answer). `npm run setup` writes it here; the webhook server reads it. The endpoint id is kept
 * next to it so setup knows which endpoint the secret belongs to.
 */
export interface ManagedSecret {
  endpointId?: string;
  secret: string;
}

export function managedSecretFile(dataDir: string, connectionId: string): string {
  return path.join(dataDir, `stripe-webhook-secret.${connectionId}`);
}

/** undefined when there is no file (setup never ran, or no managed endpoint). */
export function readManagedSecret(file: string): ManagedSecret | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let endpointId: string | undefined;
  let secret: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('endpoint_id=')) endpointId = line.slice('endpoint_id='.length);
    else if (line.startsWith('secret=')) secret = line.slice('secret='.length);
    // A bare secret pasted by hand works too.
    else if (line.startsWith('whsec_')) secret = line;
  }
  return secret ? { ...(endpointId ? { endpointId } : {}), secret } : undefined;
}

/** Atomic (write then rename) and private: only the connector's user may read a signing secret. */
export function writeManagedSecret(file: string, value: Required<ManagedSecret>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  const text = [
    `# Signing secret of Stripe webhook endpoint ${value.endpointId}, created by monstock-stripe (npm run setup).`,
    `endpoint_id=${value.endpointId}`,
    `secret=${value.secret}`,
    '',
  ].join('\n');
  fs.writeFileSync(temporary, text, { mode: 0o600 });
  fs.chmodSync(temporary, 0o600);
  fs.renameSync(temporary, file);
}
