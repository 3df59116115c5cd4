/**
 * Everything the run started, stopped in reverse order of starting, once, whether the run ends,
 * fails or is interrupted (Ctrl-C, SIGTERM): no process or temp dir outlives it.
 */
export class Cleanup {
  private readonly steps: Array<{ name: string; run: () => Promise<void> }> = [];
  private running: Promise<void> | undefined;

  add(name: string, run: () => Promise<void>): void {
    this.steps.push({ name, run });
  }

  runAll(report: (message: string) => void = () => undefined): Promise<void> {
    this.running ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        try {
          await step.run();
        } catch (error) {
          report(`cleanup of ${step.name} failed: ${(error as Error).message}`);
        }
      }
    })();
    return this.running;
  }
}
