import { spawn } from 'node:child_process';
import path from 'node:path';
import type Stripe from 'stripe';
import { request } from 'undici';
import { loadDotEnv } from '../src/config/dotenv';
import { loadConfig, withDevelopmentValues } from '../src/config';
import { MonstockClient } from '../src/monstock/client';
import type { Order } from '../src/monstock/schemas';
import type { ReconciliationReport } from '../src/shared/reconciliation';
import { adminUrl } from '../src/starter/admin/adminUrl';
import { createStripeClient } from '../src/stripe/client';

/**
 * `npm run demo:reconcile` (with `npm start` running): plants four discrepancies on the sandboxes,
 * then runs `npm run reconcile` over them, with its progress bar, and checks that the report page
 * names each one:
 * - a payment whose webhooks Stripe failed to deliver (repaired through its order workflow);
 * - a payment Monstock recorded with a wrong amount (reported);
 * - an order marked paid by hand with no Stripe money behind it (reported);
 * - a payment that names no order (handed to an unmatched-payment workflow).
 */
async function main(): Promise<number> {
  loadDotEnv();
  const config = loadConfig(
    withDevelopmentValues({ STRIPE_API_URL: 'http://127.0.0.1:4020', ...process.env, CONNECTOR_MODE: 'development' }),
  );
  const stripeSandbox = config.stripe.apiUrl ?? 'http://127.0.0.1:4020';
  const monstock = new MonstockClient({ apiUrl: config.monstock.apiUrl, apiToken: config.monstock.apiToken });
  const stripe = createStripeClient({ secretKey: config.stripe.secretKey, apiUrl: config.stripe.apiUrl });
  const from = new Date(Date.now() - 1000).toISOString();
  const stamp = Date.now();
  const customer = await monstock.createCustomer({ email: `reconcile${stamp}@example.test`, name: 'Reconcile Demo' });
  const order = (n: number, unitAmount: number) =>
    monstock.createOrder({
      reference: `RECON-${stamp}-${n}`,
      customerId: customer.id,
      currency: 'EUR',
      lines: [{ sku: 'MUG-01', label: 'Mug', quantity: 1, unitAmount }],
    });
  const pay = (target: Order | undefined, amount: number): Promise<Stripe.PaymentIntent> =>
    stripe.paymentIntents.create({
      amount,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: target ? { monstock_order_id: target.id } : {},
    });

  const lost = await order(1, 1500);
  const wrong = await order(2, 3000);
  const handPaid = await order(3, 2000);
  step('Stripe sandbox: dropping every webhook');
  await setStripeFaults(stripeSandbox, { webhooks: { dropRate: 1 } });
  let planted: Array<{ kind: string; id: string; what: string }>;
  try {
    const lostIntent = await pay(lost, lost.totalAmount);
    const wrongIntent = await pay(wrong, wrong.totalAmount);
    await monstock.recordPayment(wrong.id, {
      kind: 'payment',
      transactionRef: wrongIntent.id,
      amount: wrong.totalAmount - 500,
      currency: 'EUR',
      status: 'succeeded',
      occurredAt: new Date().toISOString(),
      provider: 'stripe',
    });
    await monstock.recordPayment(handPaid.id, {
      kind: 'payment',
      transactionRef: `manual-${stamp}`,
      amount: handPaid.totalAmount,
      currency: 'EUR',
      status: 'succeeded',
      occurredAt: new Date().toISOString(),
      provider: 'stripe',
    });
    const stray = await pay(undefined, 999);
    planted = [
      {
        kind: 'payment_missing_on_order',
        id: lostIntent.id,
        what: `${lost.reference}: paid in Stripe, the webhook never arrived`,
      },
      {
        kind: 'amount_mismatch',
        id: wrongIntent.id,
        what: `${wrong.reference}: Monstock recorded 5.00 EUR less than Stripe collected`,
      },
      {
        kind: 'paid_without_stripe_money',
        id: `manual-${stamp}`,
        what: `${handPaid.reference}: marked paid by hand, no Stripe money`,
      },
      { kind: 'unmatched_payment', id: stray.id, what: 'a 9.99 EUR payment naming no order' },
    ];
  } finally {
    await setStripeFaults(stripeSandbox, {});
    step('Stripe sandbox: webhooks delivered again');
  }
  for (const p of planted) step(`planted ${p.kind}: ${p.what} (${p.id})`);

  step(`npm run reconcile -- --from ${from}`);
  const code = await runReconcile(['--from', from]);
  // The pages live on the admin listener, behind the admin token.
  const pages = adminUrl(config.admin.host, config.admin.port);
  const latest = await request(`${pages}/reports/latest.json`, {
    headers: { authorization: `Bearer ${config.admin.token}` },
  });
  const report = (await latest.body.json()) as ReconciliationReport & {
    findings: Array<{ kind: string; paymentIntentId?: string; transactionRef?: string }>;
  };
  const missing = planted.filter(
    (p) => !report.findings.some((f) => f.kind === p.kind && (f.paymentIntentId === p.id || f.transactionRef === p.id)),
  );
  process.stdout.write(`\nReport page: ${pages}/reports/${report.reportId}  (Authorization: Bearer $ADMIN_TOKEN)\n`);
  process.stdout.write(
    missing.length === 0
      ? `All ${planted.length} planted discrepancies are in the report (reconcile exited ${code}: findings left for a person).\n`
      : `Missing from the report: ${missing.map((m) => m.kind).join(', ')}\n`,
  );
  await monstock.close();
  return missing.length === 0 ? 0 : 1;
}

function step(text: string): void {
  process.stderr.write(`• ${text}\n`);
}

async function setStripeFaults(sandboxUrl: string, faults: unknown): Promise<void> {
  const answer = await request(`${sandboxUrl}/_sandbox/faults`, {
    method: 'POST',
    body: JSON.stringify(faults),
    headers: { 'content-type': 'application/json' },
  });
  const text = await answer.body.text();
  if (answer.statusCode !== 200)
    throw new Error(`the Stripe sandbox refused the fault knobs (${answer.statusCode}): ${text}`);
}

/** The CLI as a user runs it, so the progress bar shows on this terminal. */
function runReconcile(args: string[]): Promise<number | null> {
  const root = path.resolve(__dirname, '..');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/starter/reconcile/main.ts', ...args], {
    cwd: root,
    // Next to `npm start`: development mode, so the CLI uses the stack's development values.
    env: { ...process.env, CONNECTOR_MODE: 'development' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolve) => child.once('exit', resolve));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo:reconcile failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
