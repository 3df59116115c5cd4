import type { ConnectionView } from '../../connections/publicView';
import type { ConnectionsCommand } from './args';

/** The CLI's answer for people (without --json): one block per connection, never a secret. */
export function describeResult(command: ConnectionsCommand, result: unknown): string {
  if (command === 'remove') {
    const removed = result as { id: string; stripeEndpointsDeleted: number };
    return `connection ${removed.id} removed (${removed.stripeEndpointsDeleted} Stripe webhook endpoint(s) deleted); its workflow histories stay searchable\n`;
  }
  const views = Array.isArray(result) ? (result as ConnectionView[]) : [result as ConnectionView];
  if (views.length === 0) return 'no connections\n';
  return views.map(describeConnection).join('\n');
}

function describeConnection(view: ConnectionView): string {
  const stripe =
    view.stripe.kind === 'connect'
      ? `Stripe Connect account ${view.stripe.account}`
      : `own Stripe key (${view.stripe.livemode ? 'live' : 'test'} mode)`;
  const settings = Object.entries(view.settings).map(([name, value]) => `${name}=${String(value)}`);
  return [
    `${view.id} (${view.status}, ${view.source}, version ${view.version})`,
    `  monstock: ${view.monstockUrl}`,
    `  stripe: ${stripe}`,
    `  webhooks: monstock → ${view.webhooks.monstock}`,
    `            stripe → ${view.webhooks.stripe}`,
    `  settings: ${settings.length > 0 ? settings.join(', ') : 'the process settings'}`,
    `  work: ${view.work}`,
    '',
  ].join('\n');
}
