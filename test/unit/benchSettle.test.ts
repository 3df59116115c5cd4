import { spawn, type ChildProcess } from 'node:child_process';
import { idleWindowMs } from '../../bench/idleWindow';
import { settleProcesses } from '../../bench/settle';

describe('idleWindowMs', () => {
  it('reads the windows the bench sets', () => {
    expect(idleWindowMs('15 seconds')).toBe(15_000);
    expect(idleWindowMs('500 ms')).toBe(500);
    expect(idleWindowMs('2 minutes')).toBe(120_000);
    expect(idleWindowMs('2 hours')).toBe(7_200_000);
    expect(idleWindowMs('120 days')).toBe(10_368_000_000);
  });

  it('refuses what it cannot read rather than guess a wait', () => {
    expect(() => idleWindowMs('soon')).toThrow(/idle window/);
    expect(() => idleWindowMs('3 fortnights')).toThrow(/idle window/);
  });
});

describe('settleProcesses', () => {
  const children: ChildProcess[] = [];
  const start = (code: string): number => {
    const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
    children.push(child);
    return child.pid!;
  };
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  const idleCode = 'setTimeout(() => {}, 60_000)';
  // Busy for 2.5 s, then idle: settled only once the spin is over.
  const busyCode = 'const end = Date.now() + 2500; while (Date.now() < end) {} setTimeout(() => {}, 60_000)';

  it('returns after one sample when every process is idle', async () => {
    const pids = [start(idleCode), start(idleCode)];
    await new Promise((resolve) => setTimeout(resolve, 500)); // past node's start-up
    const started = Date.now();
    await settleProcesses(pids, 30, 0.5);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('waits for every process, not only the first (the webhook server as well as the worker)', async () => {
    const pids = [start(idleCode), start(busyCode)];
    const started = Date.now();
    await settleProcesses(pids, 30, 0.5);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(2_000);
    expect(waited).toBeLessThan(10_000);
  });
});
