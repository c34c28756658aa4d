import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/contracts/accounts.ts';
import type { Settings } from '../../src/contracts/settings.ts';
import { adminApi, baseUrl, fieldError, unique, useBrowser, visible, type Api } from './browser.ts';

/** Whether the input is marked mandatory: Mantine's asterisk on its label, or the required attribute. */
const hasAsterisk = async (input: Locator) => {
  if ((await input.getAttribute('required')) !== null) return true;
  const id = await input.getAttribute('id');
  const label = input.page().locator(`label[for="${id}"]`);
  return (await label.locator('.mantine-InputWrapper-required, [class*="required"]').count()) > 0;
};

describe('Mandatory built-in fields', () => {
  const { newPage, signedInPage } = useBrowser();
  let api: Api;
  let account: Account;
  let before: Settings;
  const run = unique();

  beforeAll(async () => {
    api = await adminApi();
    before = await api<Settings>('GET', '/api/settings');
    account = await api<Account>('POST', '/api/accounts', { kind: 'business', name: `Mandatory Oy ${run}` });
  });
  // Other files create contacts without a work phone: put back what was there.
  afterAll(async () => {
    await api('PATCH', '/api/settings', {
      requiredFields: before.requiredFields,
      registration: { newAccount: { enabled: before.registration.newAccount.enabled } },
    }).catch(() => undefined);
  });

  it('an administrator makes the work phone mandatory; Add contact and the sign-up mark and enforce it', async () => {
    const page = await signedInPage();
    await page.goto(`${baseUrl()}/settings`);
    await (await visible(page.getByRole('tab', { name: 'Customer data' }))).click();
    const section = await visible(page.getByRole('group', { name: 'Contacts' }));
    await section.getByRole('checkbox', { name: 'Work phone' }).check();
    await visible(page.getByLabel('Enabled languages', { exact: true }));
    await page.screenshot({ path: '/tmp/mandatory-settings.png' });
    await page.getByRole('button', { name: 'Save', exact: true }).first().click();
    await visible(page.getByText('Customer data settings saved'));
    await expect
      .poll(async () => (await api<Settings>('GET', '/api/settings')).requiredFields.contact)
      .toEqual(['workPhone']);

    await page.goto(`${baseUrl()}/accounts/${account.id}`);
    await visible(page.getByRole('heading', { name: account.name }));
    await page.getByRole('button', { name: 'Add contact' }).click();
    const dialog = await visible(page.getByRole('dialog', { name: 'Add contact' }));
    const workPhone = dialog.getByLabel('Work phone', { exact: false }).first();
    await expect.poll(() => hasAsterisk(workPhone)).toBe(true);
    expect(await hasAsterisk(dialog.getByLabel('Phone', { exact: true }))).toBe(false);
    const email = `mand.${run}@e2e.example`;
    await dialog.getByLabel('Email', { exact: true }).fill(email);
    await dialog.getByLabel('First name', { exact: true }).fill('Mandy');
    await dialog.getByLabel('Last name', { exact: true }).fill('Tory');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => fieldError(workPhone)).toBe('Work phone is required');
    await page.screenshot({ path: '/tmp/mandatory-add-contact.png' });
    const found = await api<{ items: unknown[] }>('GET', `/api/contacts?q=${encodeURIComponent(email)}`);
    expect(found.items).toEqual([]);

    await workPhone.fill('+358 9 555 0199');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL(/\/contacts\/[0-9a-f-]{36}$/);

    await api('PATCH', '/api/settings', { registration: { newAccount: { enabled: true } } });
    const store = await newPage();
    await store.goto(`${baseUrl()}/store/register`);
    const storeWorkPhone = await visible(store.getByLabel('Work phone', { exact: false }).first());
    expect(await hasAsterisk(storeWorkPhone)).toBe(true);
    await store.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => fieldError(storeWorkPhone)).toBe('Work phone is required');
    await store.screenshot({ path: '/tmp/mandatory-sign-up.png', fullPage: true });
  });
});
