import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Where reconciliation reports live: DATA_DIR/reports/<reportId>.json. Reconciliation writes
 * there and the report pages read there, so both take the paths from here.
 */
export function reportsDir(dataDir: string): string {
  return path.join(dataDir, 'reports');
}

export function reportFilePath(dataDir: string, reportId: string): string {
  return path.join(reportsDir(dataDir), `${reportId}.json`);
}

/** A directory's entries; none when it does not exist yet (no run has written there). */
export async function readDirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
