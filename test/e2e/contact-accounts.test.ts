import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/contracts/accounts.ts';
import type { ContactAccountList } from '../../src/contracts/contact-accounts.ts';
import type { Contact } from '../../src/contracts/contacts.ts';
import {
  adminApi,
  baseUrl,
  linkFromMail,
  unique,
  useBrowser,
  useMailServer,
  visible,
  type Api,
} from './browser.ts';

useMailServer();
const { newPage, signedInPage } = useBrowser();
let api: Api;

beforeAll(async () => {
  api = await adminApi();
});

async function setPassword(page: Page, password: string) {
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Set password' }).click();
}

describe('a contact in two accounts', () => {
  it('gets a second account in the portal, then chooses and switches the account at the store', async () => {
    const run = unique();
    const first = await api<Account>('POST', '/api/accounts', {
      kind: 'business',
      name: `Fjord Foods ${run}`,
    });
    const second = await api<Account>('POST', '/api/accounts', {
      kind: 'business',
      name: `Glacier Grocers ${run}`,
      number: `GG-${run}`,
    });
    const email = `mia.multi.${run}@e2e.example`;
    const contact = await api<Contact>('POST', `/api/accounts/${first.id}/contacts`, {
      email,
      firstName: 'Mia',
      lastName: 'Multi',
      sendEmail: 'accountactivation',
    });

    // The portal: the contact page's Accounts card adds the second account.
    const portal = await signedInPage();
    await portal.goto(`${baseUrl()}/contacts/${contact.id}`);
    const card = await visible(portal.getByTestId('contact-accounts'));
    await visible(card.getByText(first.name));
    await card.getByLabel('Add to account').fill(`Glacier Grocers ${run}`);
    await portal.getByRole('option', { name: new RegExp(`Glacier Grocers ${run}`) }).click();
    await card.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => card.getByTestId('contact-account-row').count()).toBe(2);
    await portal.screenshot({ path: '/tmp/accounts-contact-card.png' });
    const linked = await api<ContactAccountList>('GET', `/api/contacts/${contact.id}/accounts`);
    expect(linked.accounts.map((a) => [a.id, a.primary])).toEqual([
      [first.id, true],
      [second.id, false],
    ]);

    // The store: activate, sign in, choose the second account, then switch back.
    const password = 'mia-store-password';
    const page = await newPage();
    await page.goto(await linkFromMail(email, '/store/activate'));
    await setPassword(page, password);
    await visible(page.getByRole('heading', { name: 'Your account is active' }));
    await page.goto(`${baseUrl()}/store/sign-in`);
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl()}/store/account`);
    const chooser = await visible(page.getByTestId('store-choose-account'));
    await page.screenshot({ path: '/tmp/accounts-store-choose.png' });
    await chooser.getByLabel(new RegExp(`Glacier Grocers ${run}`)).check();
    await chooser.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.getByTestId('store-account-name').textContent()).toContain(second.name);

    const switcher = await visible(page.getByLabel('Ordering for'));
    await switcher.click();
    await page.getByRole('option', { name: new RegExp(`Fjord Foods ${run}`) }).click();
    await expect.poll(() => page.getByTestId('store-account-name').textContent()).toContain(first.name);
    await page.screenshot({ path: '/tmp/accounts-store-switched.png' });
  });
});
