import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findTemporalCli, findTemporalTestServer } from '../../dev/temporal/findBinary';

describe('finding the Temporal binaries', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'find-binary-'));
  const fake = path.join(dir, 'temporal');
  fs.writeFileSync(fake, '#!/bin/sh\n', { mode: 0o755 });
  const projectLocal = path.resolve(__dirname, '../../.tools/temporal/bin/temporal');

  it('prefers TEMPORAL_CLI_PATH', () => {
    expect(findTemporalCli({ TEMPORAL_CLI_PATH: fake, PATH: '' })).toMatchObject({
      source: 'env',
      executable: { type: 'existing-path', path: fake },
    });
  });

  it('names the variable when TEMPORAL_CLI_PATH points nowhere', () => {
    expect(() => findTemporalCli({ TEMPORAL_CLI_PATH: path.join(dir, 'missing') })).toThrow(
      /TEMPORAL_CLI_PATH=.*not an executable/,
    );
  });

  it('then looks on PATH', () => {
    expect(findTemporalCli({ PATH: dir })).toMatchObject({ source: 'path', executable: { path: fake } });
  });

  it('then the project-local install, then the SDK download', () => {
    const found = findTemporalCli({ PATH: '' });
    if (fs.existsSync(projectLocal))
      expect(found).toMatchObject({ source: 'project', executable: { path: projectLocal } });
    else expect(found).toMatchObject({ source: 'download', executable: { type: 'cached-download' } });
  });

  it('finds the time-skipping test server the same way', () => {
    const server = path.join(dir, 'temporal-test-server');
    fs.writeFileSync(server, '#!/bin/sh\n', { mode: 0o755 });
    expect(findTemporalTestServer({ PATH: dir })).toMatchObject({ source: 'path', executable: { path: server } });
    expect(findTemporalTestServer({ TEMPORAL_TEST_SERVER_PATH: server })).toMatchObject({ source: 'env' });
  });
});
