import { orderWorkflowId } from '../shared/ids';

/** Where a person goes from a page: the Temporal Web UI and Stripe's dashboard. */
export interface LinkSettings {
  /** Base URL of the Temporal Web UI, e.g. http://127.0.0.1:8233. */
  temporalUiUrl: string;
  namespace: string;
  connectionId: string;
  /** Test mode (a sk_test_/rk_test_ key): dashboard links go under /test. */
  stripeTestMode: boolean;
  /** A Stripe Connect account (acct_...): its objects are seen in the dashboard under the account. */
  stripeAccount?: string | undefined;
  /**
   * Where this connection's pages live on the admin listener: `''` for the environment's own
   * `/reports/...` and `/problems`, `/connections/<id>` for a connection's. Default `''`.
   */
  pagesBase?: string;
}

/** A page of this connection: `pagePath(links, '/problems')`. */
export function pagePath(settings: Pick<LinkSettings, 'pagesBase'>, path: string): string {
  return `${settings.pagesBase ?? ''}${path}`;
}

/** `ConnectionId = '<id>'`: the Web UI search that keeps to one connection. */
export function connectionQuery(connectionId: string): string {
  return `ConnectionId = '${connectionId.replace(/'/g, "\\'")}'`;
}

/** The Web UI's workflow list for a visibility query (one connection's problems, say). */
export function workflowsQueryUrl(settings: Pick<LinkSettings, 'temporalUiUrl' | 'namespace'>, query: string): string {
  return `${settings.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(settings.namespace)}/workflows?query=${encodeURIComponent(query)}`;
}

export function isStripeTestKey(secretKey: string): boolean {
  return /^(sk|rk)_test_/.test(secretKey);
}

export function workflowUrl(settings: LinkSettings, workflowId: string): string {
  return `${settings.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export function orderWorkflowUrl(settings: LinkSettings, orderId: string): string {
  return workflowUrl(settings, orderWorkflowId(settings.connectionId, orderId));
}

/** The dashboard page of a Stripe object by its id prefix; undefined for ids that are not Stripe's. */
export function stripeDashboardUrl(
  settings: Pick<LinkSettings, 'stripeTestMode' | 'stripeAccount'>,
  id: string,
): string | undefined {
  // A connected account's objects live under /<acct_id>/ in the platform's dashboard.
  const account = settings.stripeAccount ? `/${encodeURIComponent(settings.stripeAccount)}` : '';
  const base = `https://dashboard.stripe.com${account}${settings.stripeTestMode ? '/test' : ''}`;
  const prefix = /^([a-z]+)_/.exec(id)?.[1];
  const section =
    prefix === 'pi' || prefix === 'ch' || prefix === 'py'
      ? 'payments'
      : prefix === 're'
        ? 'refunds'
        : prefix === 'dp' || prefix === 'du'
          ? 'disputes'
          : prefix === 'cus'
            ? 'customers'
            : undefined;
  return section ? `${base}/${section}/${encodeURIComponent(id)}` : undefined;
}
