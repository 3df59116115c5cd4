import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import * as workflows from '../../src/workflows';
import { HISTORY_FIXTURES } from '../support/histories';
import { testDataConverter } from '../support/temporal';

/** Replays recorded histories of every workflow: a non-deterministic change fails here. */
const fixtures = fs.existsSync(HISTORY_FIXTURES)
  ? fs
      .readdirSync(HISTORY_FIXTURES)
      .filter((file) => file.endsWith('.json'))
      .sort()
  : [];

describe('workflow replay', () => {
  it('has recorded histories for every workflow type', () => {
    const workflowTypes = Object.keys(workflows);
    const covered = new Set(fixtures.map((file) => file.split('.')[0]));
    expect(workflowTypes.filter((type) => !covered.has(type))).toEqual([]);
  });

  it.each(fixtures)('replays %s', async (file) => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORY_FIXTURES, file), 'utf8')));
    await Worker.runReplayHistory(
      { workflowsPath: require.resolve('../../src/workflows'), replayName: file, dataConverter: testDataConverter() },
      history,
    );
  });
});
