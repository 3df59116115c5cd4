/** The admin listener's URL as a person types it: a wildcard bind is reached through loopback. */
export function adminUrl(host: string, port: number): string {
  const reachable = ['0.0.0.0', '::', ''].includes(host) ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
