import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/contracts/accounts.ts';
import type { Settings } from '../../src/contracts/settings.ts';
import { adminApi, baseUrl, unique, useBrowser, visible, type Api } from './browser.ts';

let api: Api;
let saved: Settings | undefined;
const run = unique();

beforeAll(async () => {
  api = await adminApi();
  saved = await api<Settings>('GET', '/api/settings');
});

afterAll(async () => {
  // Other test files expect the store's sign-up settings as they were.
  if (saved)
    await api?.('PATCH', '/api/settings', {
      registration: saved.registration,
      erpSyncPolicy: saved.erpSyncPolicy,
    }).catch(() => undefined);
});

const { signedInPage: newPage } = useBrowser();

/**
 * A visitor's sign-up waiting for approval: through the storefront, as customers do; should the storefront
 * refuse (its per-address limit, shared with other test files), an employee creates the pending account.
 */
async function pendingSignUp(companyName: string, email: string): Promise<{ viaStorefront: boolean }> {
  const res = await fetch(`${baseUrl()}/api/store/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      kind: 'business',
      companyName,
      firstName: 'Hanna',
      lastName: 'Berg',
      email,
      phone: '+1 503 555 0142',
      billingAddress: {
        line1: '1200 Harbor Way',
        city: 'Portland',
        postalCode: '97201',
        region: 'OR',
        country: 'US',
      },
      password: 'harbor-tools-password',
    }),
  });
  if (res.status === 201) {
    expect(await res.json()).toMatchObject({ outcome: 'pending' });
    return { viaStorefront: true };
  }
  expect([404, 429]).toContain(res.status);
  const account = await api<Account>('POST', '/api/accounts', {
    kind: 'business',
    name: companyName,
    status: 'pending',
  });
  await api('POST', `/api/accounts/${account.id}/contacts`, { email, firstName: 'Hanna', lastName: 'Berg' });
  return { viaStorefront: false };
}

/** The whole page: a viewport as tall as the page, since full-page captures misplace the fixed header. */
async function fullScreenshot(page: Page, path: string) {
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1280, height: Math.max(900, Math.min(height, 3000)) });
  await page.screenshot({ path });
  await page.setViewportSize({ width: 1280, height: 900 });
}

const accountNamed = async (name: string) =>
  (await api<{ items: Account[] }>('GET', `/api/accounts?q=${encodeURIComponent(name)}`)).items.find(
    (a) => a.name === name,
  );

/** The account of that name; an approval-mode sign-up is written by a job, so it may take a moment. */
async function findAccount(name: string): Promise<Account> {
  await expect.poll(() => accountNamed(name), { timeout: 15_000 }).toBeDefined();
  return (await accountNamed(name))!;
}

describe('Self-service sign-up with approval', () => {
  it('turns on sign-up with approval in Settings → Customer data', async () => {
    const group = await api<{ key: string; name: string }>('POST', '/api/customer-groups', {
      key: `web-${run}`,
      name: `Web sign-ups ${run}`,
    });
    const page = await newPage();
    await page.goto(`${baseUrl()}/settings`);
    await visible(page.getByRole('heading', { name: 'Settings', level: 2 }));
    await page.getByRole('tab', { name: 'Customer data' }).click();

    const newAccounts = page.getByRole('switch', { name: 'Allow visitors to create a new account' });
    await visible(newAccounts);
    if (await newAccounts.isChecked()) await newAccounts.uncheck();
    await newAccounts.check();
    const linkText = await visible(page.getByRole('textbox', { name: 'Link text' }).first());
    await linkText.fill('Open a trade account');
    await page.getByRole('radio', { name: 'Approval first' }).check();
    await page.getByRole('combobox', { name: 'Customer groups' }).click();
    await (await visible(page.getByRole('option', { name: group.name }))).click();
    await page.getByRole('heading', { name: 'New accounts' }).click();
    await page.getByRole('radio', { name: 'When the account is enabled' }).check();
    // The prefix explains itself with the number the next account will get.
    await visible(page.getByText(/Next new account: W\d+/));
    await fullScreenshot(page, '/tmp/settings-customer-data.png');

    await page.getByRole('button', { name: 'Save' }).click();
    await visible(page.getByText('Customer data settings saved'));
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);

    const settings = await api<Settings>('GET', '/api/settings');
    expect(settings.registration.newAccount).toEqual({
      enabled: true,
      linkText: 'Open a trade account',
      access: 'approval',
      defaults: {
        paymentTerms: saved!.registration.newAccount.defaults.paymentTerms,
        priceGroup: saved!.registration.newAccount.defaults.priceGroup,
        salesRepCode: saved!.registration.newAccount.defaults.salesRepCode,
        customerGroups: [...saved!.registration.newAccount.defaults.customerGroups, group.key],
      },
    });
    expect(settings.erpSyncPolicy).toBe('on-enable');
  });

  it('shows a waiting sign-up in Approvals with the count in the navigation, and approves it', async () => {
    const company = `Harbor Tools ${run}`;
    const email = `hanna.berg.${run}@harbor-tools.example`;
    // An existing customer with the same name: the request is flagged as a possible duplicate.
    const existing = await api<Account>('POST', '/api/accounts', {
      kind: 'business',
      name: company.toUpperCase(),
    });
    const { viaStorefront } = await pendingSignUp(company, email);
    const pending = await findAccount(company);
    expect(pending.status).toBe('pending');
    const { count } = await api<{ count: number }>('GET', '/api/approvals/count');
    expect(count).toBeGreaterThanOrEqual(1);

    const page = await newPage();
    await page.goto(`${baseUrl()}/accounts`);
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    const approvalsLink = await visible(nav.getByRole('link', { name: /Approvals/ }));
    await visible(approvalsLink.getByText(String(count), { exact: true }));
    await approvalsLink.click();
    await visible(page.getByRole('heading', { name: 'Approvals', level: 2 }));

    const card = await visible(page.getByRole('region', { name: `Request from ${company}` }));
    const text = await card.textContent();
    expect(text).toContain(email);
    expect(text).toMatch(/waiting (less than a minute|\d+ min)/);
    if (viaStorefront) expect(text).toContain('1200 Harbor Way');
    await visible(card.getByText('Maybe an existing customer'));
    const duplicate = card.getByRole('link', { name: `${existing.name} (${existing.number})` });
    expect(await duplicate.getAttribute('href')).toBe(`/accounts/${existing.id}`);
    await page.screenshot({ path: '/tmp/approvals-queue.png', fullPage: true });

    await card.getByRole('button', { name: 'Approve' }).click();
    await visible(page.getByText(`${company} is approved`));
    await card.waitFor({ state: 'detached' });
    // The count follows; without requests there is no badge at all.
    if (count > 1) await visible(approvalsLink.getByText(String(count - 1), { exact: true }));
    else await approvalsLink.getByText('1', { exact: true }).waitFor({ state: 'detached' });
    await page.screenshot({ path: '/tmp/approvals-after.png', fullPage: true });

    const approved = await findAccount(company);
    expect(approved.status).toBe('active');
    if (viaStorefront) {
      const emails = await api<{ items: { templateKey: string }[] }>(
        'GET',
        `/api/emails?to=${encodeURIComponent(email)}&templateKey=account-approved`,
      );
      expect(emails.items).toHaveLength(1);
    }

    // The account page shows it active, with its invoices.
    await api('POST', '/api/invoices', {
      number: `INV-${run}`,
      accountId: approved.id,
      date: '2026-02-14',
      amount: 1234.5,
      currency: 'USD',
    });
    await page.goto(`${baseUrl()}/accounts/${approved.id}`);
    await visible(page.getByRole('heading', { name: company }));
    // The account's status badge sits in its heading; the contacts table shows statuses too.
    await visible(page.locator('h2').getByText('active', { exact: true }));
    const invoices = await visible(page.getByRole('table', { name: 'Invoices' }));
    expect(await invoices.locator('tbody tr').first().innerText()).toMatch(
      new RegExp(`INV-${run}\\s+Feb 14, 2026\\s+\\$1,234\\.50`),
    );
    await fullScreenshot(page, '/tmp/approvals-account-active.png');
  });

  it('rejects a pending account from its page with a reason', async () => {
    const account = await api<Account>('POST', '/api/accounts', {
      kind: 'business',
      name: `Dubious Deals ${run}`,
      status: 'pending',
    });
    const page = await newPage();
    await page.goto(`${baseUrl()}/accounts/${account.id}`);
    await visible(page.getByRole('heading').getByText('Pending approval', { exact: true }));
    await visible(page.getByRole('alert', { name: 'Waiting for approval' }));
    await fullScreenshot(page, '/tmp/approvals-account-pending.png');
    await page.getByRole('button', { name: 'Reject…' }).click();
    const dialog = await visible(page.getByRole('dialog', { name: `Reject ${account.name}` }));
    await dialog.getByRole('button', { name: 'Reject account' }).click();
    await visible(dialog.getByText('Give the reason the customer will read'));
    await dialog.getByRole('textbox', { name: 'Reason' }).fill('We only sell to registered businesses.');
    await page.screenshot({ path: '/tmp/approvals-reject-dialog.png' });
    await dialog.getByRole('button', { name: 'Reject account' }).click();
    await dialog.waitFor({ state: 'detached' });
    await visible(page.locator('h2').getByText('disabled', { exact: true }));
    expect(await page.getByText('Pending approval', { exact: true }).count()).toBe(0);
    expect(await page.getByRole('alert', { name: 'Waiting for approval' }).count()).toBe(0);
    expect((await api<Account>('GET', `/api/accounts/${account.id}`)).status).toBe('disabled');
  });
});
