import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { startReceiver } from '../helpers/webhook-receiver.ts';
import {
  adminApi,
  baseUrl,
  launchBrowser,
  signInToPortal,
  signedInContext,
  unique,
  visible,
} from './browser.ts';

let browser: Browser;
let context: BrowserContext | undefined;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  browser = await launchBrowser();
  receiver = await startReceiver();
});

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});

async function newPage(): Promise<Page> {
  context = await signedInContext(browser);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

describe('Settings → Integrations', () => {
  it('adds an endpoint, sends a test event, shows it in the delivery log and re-sends it', async () => {
    const page = await newPage();
    await page.goto(`${baseUrl()}/settings/integrations`);
    await page.getByRole('button', { name: 'Add endpoint' }).first().click();
    const dialog = await visible(page.getByRole('dialog', { name: 'Add webhook endpoint' }));
    await dialog.getByLabel('URL').fill(`${receiver.url}/e2e-hook`);
    await dialog.getByLabel('Description').fill('E2E receiver');
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();

    const secretDialog = await visible(page.getByRole('dialog', { name: 'Signing secret' }));
    const secret = (await secretDialog.getByTestId('webhook-secret').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    await secretDialog.getByRole('button', { name: 'Done' }).click();

    const row = page.getByRole('row').filter({ hasText: `${receiver.url}/e2e-hook` });
    await row.getByRole('button', { name: 'Send test event' }).click();
    const log = page.getByRole('table', { name: 'Deliveries' });
    await visible(
      log.getByRole('row').filter({ hasText: 'webhook.test' }).filter({ hasText: 'succeeded' }),
      20_000,
    );
    expect(receiver.received).toHaveLength(1);
    const first = receiver.received[0]!;
    expect(new Webhook(secret).verify(first.body, first.headers)).toMatchObject({ type: 'webhook.test' });
    await page.screenshot({ path: '/tmp/webhooks-integrations.png', fullPage: true });

    await log.getByRole('button', { name: 'Re-send' }).first().click();
    await expect.poll(() => receiver.received.length, { timeout: 20_000 }).toBe(2);
    expect(receiver.received[1]!.headers['webhook-id']).toBe(first.headers['webhook-id']);
    await visible(log.getByRole('row').filter({ hasText: 'webhook.test' }).filter({ hasText: 'succeeded' }));
    await log.getByRole('button', { name: 'Details' }).first().click();
    const details = await visible(page.getByRole('dialog', { name: 'webhook.test — attempts' }));
    await visible(details.getByText('Attempt 1', { exact: false }).first());
    expect(await details.textContent()).toContain(first.headers['webhook-id']);
    await page.screenshot({ path: '/tmp/webhooks-attempts.png', fullPage: true });
  });
});

describe('an integrations manager', () => {
  it('signs in to the first page their role opens (API keys), with Integrations beside it', async () => {
    const api = await adminApi();
    const manager = { email: `integrations.${unique()}@e2e.example`, password: 'integrations-password-1' };
    await api('POST', '/api/employees', { ...manager, roles: ['integrationsManage'] });
    context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);

    // Accounts (the start page of most roles) would answer 403: the portal starts where the role may go.
    await signInToPortal(page, manager.email, manager.password);
    await page.waitForURL(`${baseUrl()}/api-keys`);
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    expect(await nav.getByRole('link', { name: 'Accounts' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Settings' }).count()).toBe(0);
    await (await visible(nav.getByRole('link', { name: 'Integrations' }))).click();
    await page.waitForURL(`${baseUrl()}/settings/integrations`);
    await visible(page.getByRole('button', { name: 'Add endpoint' }));
  });
});
