import net from 'node:net';
import { startChaosStack } from '../../chaos/stack';

/** True when something accepts connections on the address (host:port). */
function listening(address: string): Promise<boolean> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('a chaos run whose set-up fails', () => {
  it('stops the Temporal dev server and sandboxes it had started', async () => {
    const lines: string[] = [];
    // Nothing listens on port 1: the connector's database cannot be opened, after Temporal and both sandboxes started.
    await expect(
      startChaosStack({ progress: (line) => lines.push(line), databaseUrl: 'postgres://chaos:chaos@127.0.0.1:1/none' }),
    ).rejects.toThrow();

    const temporalLine = lines.find((line) => line.startsWith('Temporal dev server at '));
    expect(temporalLine).toBeDefined();
    const temporalAddress = temporalLine!.slice('Temporal dev server at '.length).trim();
    expect(await listening(temporalAddress)).toBe(false);
    expect(lines.some((line) => line.startsWith('set-up failed; stopping what had started'))).toBe(true);
  }, 90_000);
});
