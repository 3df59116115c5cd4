/** Readable progress lines on stderr (stdout is kept for the final JSON line). */
export type Progress = (message: string) => void;

export function stderrProgress(startedAt = Date.now()): Progress {
  return (message) => {
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[chaos ${seconds}s] ${message}\n`);
  };
}

export const silentProgress: Progress = () => undefined;
