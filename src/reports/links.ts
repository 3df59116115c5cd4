import { orderWorkflowId } from '../shared/ids';

/** Where a person goes from a page: the Temporal Web UI and Stripe's dashboard. */
export interface LinkSettings {
  /** Base URL of the Temporal Web UI, e.g. http://127.0.0.1:8233. */
  temporalUiUrl: string;
  namespace: string;
  connectionId: string;
  /** Test mode (a sk_test_/rk_test_ key): dashboard links go under /test. */
  stripeTestMode: boolean;
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
export function stripeDashboardUrl(settings: Pick<LinkSettings, 'stripeTestMode'>, id: string): string | undefined {
  const base = `https://dashboard.stripe.com${settings.stripeTestMode ? '/test' : ''}`;
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
