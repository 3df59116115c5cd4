import fs from 'node:fs';
import path from 'node:path';

/**
 * Finds a PostgreSQL server installation (initdb + postgres): POSTGRES_BIN_DIR, then Debian's versioned
 * /usr/lib/postgresql/<major>/bin (newest first, since Debian does not put them on PATH), then the PATH.
 */
export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  binDir: string;
}

export const HOW_TO_GET_POSTGRES =
  'PostgreSQL (15 or newer) is not installed: `apt-get install -y postgresql` on Debian/Ubuntu ' +
  '(`brew install postgresql@15` on macOS), or set POSTGRES_BIN_DIR to the directory holding initdb and postgres.';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function binariesIn(binDir: string): PostgresBinaries | undefined {
  const initdb = path.join(binDir, 'initdb');
  const postgres = path.join(binDir, 'postgres');
  return isExecutable(initdb) && isExecutable(postgres) ? { initdb, postgres, binDir } : undefined;
}

function debianBinDirs(root = '/usr/lib/postgresql'): string[] {
  let majors: string[];
  try {
    majors = fs.readdirSync(root).filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return majors.sort((a, b) => Number(b) - Number(a)).map((major) => path.join(root, major, 'bin'));
}

export function findPostgres(env: NodeJS.ProcessEnv = process.env): PostgresBinaries {
  const explicit = env.POSTGRES_BIN_DIR;
  if (explicit) {
    const found = binariesIn(explicit);
    if (!found) throw new Error(`POSTGRES_BIN_DIR=${explicit} holds no initdb and postgres executables`);
    return found;
  }
  const candidates = [...debianBinDirs(), ...(env.PATH ?? '').split(path.delimiter).filter(Boolean)];
  for (const dir of candidates) {
    const found = binariesIn(dir);
    if (found) return found;
  }
  throw new Error(HOW_TO_GET_POSTGRES);
}
