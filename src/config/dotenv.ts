import fs from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * Reads an optional `.env` file. Values already in the environment win, so a variable set in
 * the shell or by a container always overrides the file.
 */
export function loadDotEnv(file = '.env', env: NodeJS.ProcessEnv = process.env): void {
  if (!fs.existsSync(file)) return;
  const parsed = parseEnv(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  for (const [key, value] of Object.entries(parsed)) {
    if (env[key] === undefined) env[key] = value;
  }
}
