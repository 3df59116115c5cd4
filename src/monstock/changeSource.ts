/**
 * The name the connector's Monstock writes carry in `Monstock-Change-Source` (an extension of ours,
 * docs/monstock-api.yaml), which Monstock repeats as `changeSource` on the events of the change.
 * An `order.updated` that names it is the echo of the connector's own write: the activity that
 * wrote it already returned the order it left, so the webhook route drops it without asking
 * Temporal anything (before, a describe of the order's workflow, often several while it was busy).
 *
 * Only webhooks are judged by it: each event is one version, so its source speaks for that version
 * alone. The order feed is not: the latest version being ours says nothing of a person's version
 * before it whose webhook was lost, which is what the feed is there to find.
 */
export const CONNECTOR_CHANGE_SOURCE = 'monstock-stripe';
export const CHANGE_SOURCE_HEADER = 'monstock-change-source';
