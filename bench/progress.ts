/** Progress for people, on stderr: stdout carries only JSON. */
const started = Date.now();

export function progress(message: string): void {
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}\n`);
}
