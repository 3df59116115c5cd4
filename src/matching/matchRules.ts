/**
 * How a Stripe payment finds its Monstock order. Payments come from several sales channels, so
 * the rules are settings, tried in order; a value may hold an order id or an order reference.
 *   STRIPE_ORDER_MATCH_RULES=metadata:monstock_order_id,metadata:order_number,client_reference_id
 *   STRIPE_IGNORE_METADATA=integration=other-shop
 */
export type MatchRule = { source: 'metadata'; key: string } | { source: 'client_reference_id' };

export interface IgnoreRule {
  key: string;
  value: string;
}

export interface MatchSettings {
  rules: MatchRule[];
  ignore: IgnoreRule[];
}

/** The metadata key the connector itself writes on payment intents it creates or attaches. */
export const CONNECTOR_ORDER_ID_KEY = 'monstock_order_id';

export const DEFAULT_MATCH_RULES = `metadata:${CONNECTOR_ORDER_ID_KEY},client_reference_id`;

export function parseMatchRules(text: string): MatchRule[] {
  const rules = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part): MatchRule => {
      if (part === 'client_reference_id') return { source: 'client_reference_id' };
      const metadata = /^metadata:([A-Za-z0-9_.-]{1,40})$/.exec(part);
      if (metadata) return { source: 'metadata', key: metadata[1]! };
      throw new Error(`unknown match rule "${part}" (expected metadata:<key> or client_reference_id)`);
    });
  if (rules.length === 0) throw new Error('at least one match rule is required');
  return rules;
}

export function parseIgnoreRules(text: string): IgnoreRule[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const index = part.indexOf('=');
      if (index <= 0 || index === part.length - 1)
        throw new Error(`ignore rule "${part}" must be <metadata key>=<value>`);
      return { key: part.slice(0, index), value: part.slice(index + 1) };
    });
}

export function describeRule(rule: MatchRule): string {
  return rule.source === 'metadata' ? `metadata.${rule.key}` : 'client_reference_id';
}
