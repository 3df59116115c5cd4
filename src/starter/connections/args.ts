/**
 * `npm run connections -- <command> [flags]`: the arguments, read into the shapes the connection
 * service validates (src/connections/schema.ts). This file only knows flags; what a value may be is
 * the schema's business, so the CLI and the admin API refuse the same things with the same words.
 */
export const COMMANDS = ['add', 'update', 'remove', 'list', 'show', 'pause', 'resume'] as const;
export type ConnectionsCommand = (typeof COMMANDS)[number];

export interface ConnectionsArgs {
  command: ConnectionsCommand;
  id: string | undefined;
  json: boolean;
  /** add/update: the fields given, by the service's names. */
  fields: Record<string, unknown>;
}

export class ArgsError extends Error {}

export const USAGE = [
  'usage: npm run connections -- <command> [flags]',
  '  add --id <id> --monstock-url <url> --monstock-token <token> --monstock-webhook-secret <secret>',
  '      (--stripe-key <key> | --stripe-account <acct_id>) [settings] [--json]',
  '  update --id <id> [any flag of add but --id] [settings] [--json]',
  '  remove|show|pause|resume --id <id> [--json]',
  '  list [--json]',
  'settings (each optional, else the process setting): --capture automatic|on_shipment, --match-rules <rules>,',
  '  --ignore-metadata <rules>, --create-payment-intents true|false, --auto-refund-cancelled true|false,',
  '  --reconciliation-at HH:MM, --reconciliation-time-zone <IANA zone>, --reconciliation-window-hours <n>,',
  '  --monstock-poll-interval <duration>, --customer-sync-poll-interval <duration>',
  'exit codes: 0 done, 2 bad input (arguments, values, unknown or existing id), 1 anything else',
].join('\n');

const CONNECTION_FLAGS: Record<string, string> = {
  '--monstock-url': 'monstockUrl',
  '--monstock-token': 'monstockToken',
  '--monstock-webhook-secret': 'monstockWebhookSecret',
  '--stripe-key': 'stripeKey',
  '--stripe-account': 'stripeAccount',
};

const SETTING_FLAGS: Record<string, { name: string; kind: 'text' | 'boolean' | 'integer' }> = {
  '--capture': { name: 'capture', kind: 'text' },
  '--match-rules': { name: 'matchRules', kind: 'text' },
  '--ignore-metadata': { name: 'ignoreMetadata', kind: 'text' },
  '--create-payment-intents': { name: 'createPaymentIntents', kind: 'boolean' },
  '--auto-refund-cancelled': { name: 'autoRefundCancelled', kind: 'boolean' },
  '--reconciliation-at': { name: 'reconciliationAt', kind: 'text' },
  '--reconciliation-time-zone': { name: 'reconciliationTimeZone', kind: 'text' },
  '--reconciliation-window-hours': { name: 'reconciliationWindowHours', kind: 'integer' },
  '--monstock-poll-interval': { name: 'monstockPollInterval', kind: 'text' },
  '--customer-sync-poll-interval': { name: 'customerSyncPollInterval', kind: 'text' },
};

export function parseConnectionsArgs(argv: readonly string[]): ConnectionsArgs {
  const [first, ...rest] = argv;
  if (first === undefined) throw new ArgsError('a command is required');
  if (!(COMMANDS as readonly string[]).includes(first))
    throw new ArgsError(`unknown command ${JSON.stringify(first.slice(0, 40))}`);
  const command = first as ConnectionsCommand;
  const editing = command === 'add' || command === 'update';
  let id: string | undefined;
  let json = false;
  const fields: Record<string, unknown> = {};
  const settings: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (let index = 0; index < rest.length; index += 1) {
    const arg = rest[index]!;
    const value = (): string => {
      const next = rest[index + 1];
      if (next === undefined || next.startsWith('--')) throw new ArgsError(`${arg} needs a value`);
      index += 1;
      return next;
    };
    if (arg !== '--json' && seen.has(arg)) throw new ArgsError(`${arg} is given twice`);
    seen.add(arg);
    if (arg === '--json') json = true;
    else if (arg === '--id') id = value();
    else if (editing && CONNECTION_FLAGS[arg]) fields[CONNECTION_FLAGS[arg]] = value();
    else if (editing && SETTING_FLAGS[arg]) {
      const { name, kind } = SETTING_FLAGS[arg];
      settings[name] = settingValue(arg, kind, value());
    } else throw new ArgsError(`unknown argument ${JSON.stringify(arg.slice(0, 60))} for ${command}`);
  }
  if (command !== 'list' && id === undefined) throw new ArgsError(`${command} needs --id <id>`);
  if (command === 'list' && id !== undefined) throw new ArgsError('list takes no --id (use show)');
  if (Object.keys(settings).length > 0) fields.settings = settings;
  if (command === 'add') fields.id = id;
  return { command, id, json, fields };
}

function settingValue(flag: string, kind: 'text' | 'boolean' | 'integer', text: string): unknown {
  if (kind === 'text') return text;
  if (kind === 'boolean') {
    if (text !== 'true' && text !== 'false') throw new ArgsError(`${flag} is true or false`);
    return text === 'true';
  }
  if (!/^\d{1,6}$/.test(text)) throw new ArgsError(`${flag} is a whole number`);
  return Number(text);
}
