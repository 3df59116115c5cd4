import { contractClient } from './contract';
import { loadSpec } from './openapi';
import { startTestSandbox, type Call, type TestSandbox } from './sandbox';
import type { MonstockSandboxOptions } from '../../../../sandbox/monstock/app';

/**
 * One sandbox per test file, with every API answer checked against the contract.
 * `call` validates; `admin` is the plain client for the `/_sandbox` routes.
 */
export interface Suite {
  call: Call;
  admin: Call;
  sandbox(): TestSandbox;
}

export function useSandbox(options: Partial<MonstockSandboxOptions> = {}): Suite {
  const spec = loadSpec();
  let current: TestSandbox | undefined;
  let validated: Call | undefined;
  beforeAll(async () => {
    current = await startTestSandbox(options);
    validated = contractClient(spec, current.call).call;
  });
  afterAll(async () => {
    await current?.dispose();
  });
  const started = (): TestSandbox => {
    if (!current) throw new Error('sandbox not started');
    return current;
  };
  return {
    call: ((...args: Parameters<Call>) => (validated as Call)(...args)) as Call,
    admin: ((...args: Parameters<Call>) => started().call(...args)) as Call,
    sandbox: started,
  };
}

export function errorOf(body: unknown): { code: string; message: string } {
  return (body as { error: { code: string; message: string } }).error;
}
