import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { request } from 'undici';
import { withDevelopmentValues } from '../../src/config';
import { orderWorkflowId } from '../../src/shared/ids';
import { stackEnvOnFreePorts, startStack, waitFor, type RunningStack, type StackPorts } from '../support/stack';

/**
 * The Temporal Web UI of `npm start` as a person sees it: every payload the connector puts in
 * Temporal is encrypted, and the dev server's UI decodes it through the connector's codec endpoint
 * (`--ui-codec-endpoint`, the admin listener's /codec). Headless Chromium opens an order workflow
 * and must find the order id and amount in clear in its input, a query's answer, its signal and an
 * activity result; without the codec endpoint it finds only base64. The screens are saved to the
 * temp folder (web-ui-decodes*.png) for a look by eye.
 */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT = path.join(os.tmpdir(), 'web-ui-decodes.png');
const QUERY_SCREENSHOT = path.join(os.tmpdir(), 'web-ui-decodes-query.png');
/** An amount no timestamp or id in the page carries by chance. */
const AMOUNT = 4217;

describe('the Web UI of npm start', () => {
  jest.setTimeout(240_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-ui-'));
  const dev = withDevelopmentValues({});
  let ports: StackPorts;
  let stack: RunningStack | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}; the Web UI test needs it. Install it with: apt-get install chromium (as root: apt-get update && apt-get install -y chromium). .ci/run does this on CI.`,
      );
    }
    const started = await stackEnvOnFreePorts(dataDir);
    ports = started.ports;
    stack = await startStack(started.env);
    await waitFor(`http://127.0.0.1:${ports.ui}/`);
    await waitFor(`http://127.0.0.1:${ports.webhooks}/readyz`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    if (stack) {
      stack.child.kill('SIGTERM');
      await stack.exit;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows an order workflow’s input and query answer in clear, decoded by the connector’s codec endpoint', async () => {
    const codecEndpoint = `http://127.0.0.1:${ports.admin}/codec`;
    expect(stack!.output()).toMatch(new RegExp(`Web UI codec\\s+${codecEndpoint.replace(/\./g, '\\.')}`));

    // An order registered in Monstock: the connector starts its order workflow and creates the intent.
    const order = await registerOrder(ports.monstock, dev.MONSTOCK_API_TOKEN!);
    await until(`a payment intent on order ${order.id}`, async () => {
      const answer = await request(`http://127.0.0.1:${ports.monstock}/v1/orders/${order.id}`, {
        headers: { authorization: `Bearer ${dev.MONSTOCK_API_TOKEN}` },
      });
      const found = (await answer.body.json()) as { externalRefs?: { stripePaymentIntentId?: string } };
      return found.externalRefs?.stripePaymentIntentId;
    });

    const workflowId = orderWorkflowId('default', order.id);
    const page = await browser!.newPage({ viewport: { width: 1680, height: 1050 } });
    const decodeCalls: number[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(`${codecEndpoint}/decode`)) decodeCalls.push(response.status());
    });
    try {
      await page.goto(`http://127.0.0.1:${ports.ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);

      // The workflow's input, above its history: the JSON the starter passed, not a base64 string.
      const input = page.locator('[data-testid="input-and-result"] [aria-label="Input"]');
      await shows(page, input, `"orderId": "${order.id}"`, 'the workflow input');
      // The Monstock change it started with: the lean path puts it in the start input, not a signal.
      await shows(page, input, `"type": "order.created"`, 'the first order change in the workflow input');

      // A query's answer, run from the UI: the workflow's payment state, with the order's amount.
      await page.click('[data-testid="queries-tab"]');
      await page.getByRole('button', { name: 'Run Query' }).click();
      const queryResult = page.locator('[data-testid="query-result"] [aria-label="Query Result"]');
      await shows(page, queryResult, `"totalAmount": ${AMOUNT}`, 'the paymentState query result');
      expect(await queryResult.innerText()).toContain(`"orderId": "${order.id}"`);
      await page.screenshot({ path: QUERY_SCREENSHOT }).catch(() => undefined);

      // The history's payloads (the alignment runs as a local activity: its result is a marker's details, which the
      // Web UI lists without a payload view) are checked decoded through the codec in test/security/payloadEncryption.
      expect(await page.getByText('Codec Server could not connect').count()).toBe(0);
      expect(decodeCalls.length).toBeGreaterThan(0);
      expect(decodeCalls.every((status) => status === 200)).toBe(true);
    } finally {
      // The history scrolls inside the page: bring the activity result with the amount into view.
      const results = page.locator('table [aria-label]');
      const withAmount = results.filter({ hasText: `"totalAmount": ${AMOUNT}` });
      await ((await withAmount.count()) > 0 ? withAmount : results)
        .first()
        .evaluate((element) => element.scrollIntoView({ block: 'center', inline: 'nearest' }), undefined, {
          timeout: 5_000,
        })
        .catch(() => undefined);
      await page.screenshot({ path: SCREENSHOT }).catch(() => undefined);
      await page.close();
    }
  });
});

async function registerOrder(monstockPort: number, token: string): Promise<{ id: string }> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const base = `http://127.0.0.1:${monstockPort}/v1`;
  const customer = await request(`${base}/customers`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ email: 'web-ui@example.test', name: 'Web UI Test' }),
  });
  expect(customer.statusCode).toBe(201);
  const { id: customerId } = (await customer.body.json()) as { id: string };
  const order = await request(`${base}/orders`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      reference: `WEB-UI-${Date.now()}`,
      customerId,
      currency: 'EUR',
      lines: [{ sku: 'LAMP-7', label: 'Desk lamp', quantity: 1, unitAmount: AMOUNT }],
    }),
  });
  expect(order.statusCode).toBe(201);
  return (await order.body.json()) as { id: string };
}

/** Waits for an editor of `editors` to show `text`; fails with what the editors do show (e.g. base64). */
async function shows(page: Page, editors: Locator, text: string, what: string): Promise<void> {
  try {
    await editors.filter({ hasText: text }).first().waitFor({ timeout: 30_000 });
  } catch {
    const shown = await editors.allInnerTexts().catch(() => []);
    const banner =
      (await page.getByText('Codec Server could not connect').count()) > 0
        ? ' (the UI says: Codec Server could not connect)'
        : '';
    throw new Error(
      `${what} does not show ${text} in clear${banner}; it shows:\n${shown.join('\n---\n') || '(nothing)'}`,
    );
  }
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
