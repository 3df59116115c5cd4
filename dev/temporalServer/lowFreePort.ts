import net from 'node:net';

/**
 * A free port below 32768. The SQL cluster_membership table stores a node's membership port as a smallint, so the
 * OS's ephemeral ports (32768 and up, what binding port 0 gives) make the server fail at start ("out of range for
 * type smallint"). Tries ports from a random offset in 20000–32767, so servers started side by side rarely collide.
 */
const LOW = 20_000;
const HIGH = 32_767;

export async function lowFreePort(taken: ReadonlySet<number> = new Set()): Promise<number> {
  const span = HIGH - LOW + 1;
  const offset = Math.floor(Math.random() * span);
  for (let step = 0; step < span; step += 1) {
    const port = LOW + ((offset + step) % span);
    if (!taken.has(port) && (await isFree(port))) return port;
  }
  throw new Error(`no free port between ${LOW} and ${HIGH}`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
