import { SETTINGS } from '../src/config/settings';

/** Prints .env.example from the settings table: `npx tsx scripts/print-env-example.ts > .env.example`. */
const lines = [
  '# Every setting of monstock-stripe, with its default.',
  '# Copy to .env to change one; variables set in the environment win over the file.',
  '# Secrets are left empty: this file holds no working secret. `npm start` (development mode) fills',
  '# the empty ones with development values for its embedded sandboxes; a production process',
  '# (npm run worker / webhooks / setup / reconcile, the image) refuses to start without secrets of',
  '# your own, and refuses the development values too.',
  '',
];
for (const definition of Object.values(SETTINGS)) {
  lines.push(`# ${definition.description}`);
  const hasDefault = 'default' in definition && definition.default !== undefined;
  const required = 'developmentValue' in definition && definition.developmentValue !== undefined;
  if (required) lines.push('# Secret, required in production; `npm start` uses a development value when it is empty.');
  // A secret never gets a value here, not even a default: nothing in the repository may work in production.
  const value = hasDefault && !('secret' in definition && definition.secret) ? definition.default : '';
  lines.push(`${hasDefault || required ? '' : '# '}${definition.name}=${value}`, '');
}
process.stdout.write(lines.join('\n'));
