import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type SandboxDatabase = Database.Database;

/**
 * Opens (or creates) a sandbox's SQLite file under the data folder. WAL keeps readers and the
 * webhook dispatcher from blocking writers; `:memory:` is accepted for throwaway instances.
 */
export function openDatabase(file: string): SandboxDatabase {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}
