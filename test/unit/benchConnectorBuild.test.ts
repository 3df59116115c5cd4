import fs from 'node:fs';
import path from 'node:path';
import { connectorEntry } from '../../bench/connectorBuild';

/** The bench runs the connector as the image does: the built file of each source entry. */
describe('bench connector entries', () => {
  it.each([
    ['src/worker.ts', 'lib/worker.js'],
    ['src/starter/webhookServer.main.ts', 'lib/starter/webhookServer.main.js'],
  ])('runs %s as %s when compiled', (source, built) => {
    expect(connectorEntry('compiled', source)).toBe(built);
  });

  it('runs the source itself through tsx', () => {
    expect(connectorEntry('tsx', 'src/worker.ts')).toBe('src/worker.ts');
  });

  it('names the entries the image runs (Dockerfile CMD and its comment)', () => {
    const dockerfile = fs.readFileSync(path.join(__dirname, '../../Dockerfile'), 'utf8');
    expect(dockerfile).toContain(connectorEntry('compiled', 'src/worker.ts'));
    expect(dockerfile).toContain(connectorEntry('compiled', 'src/starter/webhookServer.main.ts'));
  });
});
