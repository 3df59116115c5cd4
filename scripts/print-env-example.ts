import { SETTINGS } from '../src/config/settings';

/** Prints .env.example from the settings table: `npx tsx scripts/print-env-example.ts > .env.example`. */
const lines = [
  '# Every setting of monstock-stripe, with its default.',
  '# Copy to .env to change one; variables set in the environment win over the file.',
  '# Secrets show the development values `npm start` uses for the embedded sandboxes when they are unset;',
  '# a production process (npm run worker / npm run webhooks) refuses to start without real ones.',
  '',
];
for (const definition of Object.values(SETTINGS)) {
  lines.push(`# ${definition.description}`);
  const value =
    'default' in definition && definition.default !== undefined
      ? definition.default
      : 'developmentValue' in definition
        ? (definition.developmentValue ?? '')
        : '';
  const optional =
    !('default' in definition && definition.default !== undefined) &&
    !('developmentValue' in definition && definition.developmentValue !== undefined);
  lines.push(`${optional ? '# ' : ''}${definition.name}=${value}`, '');
}
process.stdout.write(lines.join('\n'));
