import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORY_FIXTURES = path.join(__dirname, '../fixtures/histories');

/**
 * With RECORD_HISTORIES=1 (`npm run record-histories`), integration tests save the histories
 * they produce; the replay test replays every saved one against the current workflow code, so a
 * change that would break running workflows fails CI.
 */
export async function recordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  fs.mkdirSync(HISTORY_FIXTURES, { recursive: true });
  fs.writeFileSync(path.join(HISTORY_FIXTURES, `${name}.json`), historyToJSON(history) + '\n');
}
