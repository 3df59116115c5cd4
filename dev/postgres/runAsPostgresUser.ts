import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * PostgreSQL refuses to run as root. As root (CI containers), its commands run as the `postgres` system user through
 * setpriv, which execs in place: the pid we hold is postgres's own, so our signals reach it directly. As anyone else,
 * they run as the current user.
 */
export interface RunAs {
  /** The command and arguments that run `file args` as the cluster's owner. */
  command(file: string, args: readonly string[]): { file: string; args: string[] };
  /** Gives a directory (the data dir) to the cluster's owner. */
  own(dir: string): void;
}

const POSTGRES_USER = 'postgres';

export function runAsPostgresUser(): RunAs {
  if (process.getuid?.() !== 0) {
    return { command: (file, args) => ({ file, args: [...args] }), own: () => {} };
  }
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', POSTGRES_USER]).toString().trim());
    gid = Number(execFileSync('id', ['-g', POSTGRES_USER]).toString().trim());
  } catch {
    throw new Error(
      `Running as root, PostgreSQL must run as the "${POSTGRES_USER}" user, which does not exist: ` +
        '`apt-get install -y postgresql` creates it (or run as a non-root user).',
    );
  }
  return {
    command: (file, args) => ({
      file: 'setpriv',
      args: [`--reuid=${uid}`, `--regid=${gid}`, '--init-groups', '--', file, ...args],
    }),
    own: (dir) => fs.chownSync(dir, uid, gid),
  };
}
