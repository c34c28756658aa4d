import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/contracts/accounts.ts';
import type { Contact } from '../../src/contracts/contacts.ts';
import type { Settings } from '../../src/contracts/settings.ts';
import { adminApi, baseUrl, unique, UUID_PATH, useBrowser, visible, type Api } from './browser.ts';

const CONTACT_URL = new RegExp(`/contacts/(${UUID_PATH})$`);

describe('Add contact dialog', () => {
  const { signedInPage } = useBrowser();
  let api: Api;
  let account: Account;
  const run = unique();
  const group = { key: `club-${run}`, name: `Club ${run}` };

  beforeAll(async () => {
    api = await adminApi();
    account = await api<Account>('POST', '/api/accounts', { kind: 'business', name: `Dialog Oy ${run}` });
    await api('POST', '/api/customer-groups', group);
    const { languages } = await api<Settings>('GET', '/api/settings');
    if (!languages.includes('fi')) await api('PATCH', '/api/settings', { languages: [...languages, 'fi'] });
  });

  async function openDialog(page: Page) {
    await page.goto(`${baseUrl()}/accounts/${account.id}`);
    await visible(page.getByRole('heading', { name: account.name }));
    await page.getByRole('button', { name: 'Add contact' }).click();
    return visible(page.getByRole('dialog', { name: 'Add contact' }));
  }

  it('adds a contact with work phone, language, a group and a generated password shown once', async () => {
    const page = await signedInPage();
    const dialog = await openDialog(page);
    const email = `gen.${run}@e2e.example`;
    await dialog.getByLabel('Email', { exact: true }).fill(email);
    await dialog.getByLabel('First name', { exact: true }).fill('Gene');
    await dialog.getByLabel('Last name', { exact: true }).fill('Rated');
    await dialog.getByLabel('Work phone', { exact: true }).fill('+358 9 555 0101');
    await dialog.getByLabel('Preferred language', { exact: true }).click();
    await (await visible(page.getByRole('option', { name: 'Finnish (fi)' }))).click();
    await dialog.getByRole('combobox', { name: 'Customer groups' }).click();
    await (await visible(page.getByRole('option', { name: `${group.name} (${group.key})` }))).click();
    await dialog.getByText('Account:').click();
    await dialog.getByRole('radio', { name: 'Generated password' }).check();
    await dialog.getByLabel('Login valid until', { exact: true }).fill('2099-12-31T18:00');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();

    const shown = await visible(page.getByRole('dialog', { name: 'Contact added' }));
    const password = (await shown.getByTestId('generated-password').textContent())!.trim();
    expect(password).toMatch(/^\w{4}-\w{4}-\w{4}-\w{4}$/);
    await visible(shown.getByRole('button', { name: 'Copy password' }));
    await page.screenshot({ path: '/tmp/a11y-generated-password.png' });
    await shown.getByRole('button', { name: 'Open the contact' }).click();
    await page.waitForURL(CONTACT_URL);
    const id = CONTACT_URL.exec(page.url())![1]!;
    const contact = await api<Contact>('GET', `/api/contacts/${id}`);
    expect(contact).toMatchObject({
      email,
      workPhone: '+358 9 555 0101',
      language: 'fi',
      customerGroups: [group.key],
      hasLogin: true,
    });
    expect(contact.loginValidUntil).not.toBeNull();
    // The password is nowhere on the contact page.
    expect(await page.content()).not.toContain(password);

    // The contact page shows the window and changes it.
    const until = await visible(page.getByLabel('Login valid until', { exact: true }));
    expect(await until.inputValue()).toBe('2099-12-31T18:00');
    await page.getByLabel('Login valid from', { exact: true }).fill('2100-01-01T00:00');
    await page.getByRole('button', { name: 'Save window' }).click();
    await visible(page.getByText('Must be before the end of the login'));
    await page.getByLabel('Login valid from', { exact: true }).fill('2030-01-01T08:00');
    await page.getByRole('button', { name: 'Save window' }).click();
    await expect
      .poll(async () => (await api<Contact>('GET', `/api/contacts/${id}`)).loginValidFrom)
      .toBe(new Date('2030-01-01T08:00').toISOString());
    await page.screenshot({ path: '/tmp/a11y-contact-window.png', fullPage: true });
  });

  it('asks for a group with a shared password, and tells why the server refused', async () => {
    const page = await signedInPage();
    const dialog = await openDialog(page);
    await dialog.getByLabel('Email', { exact: true }).fill(`shared.${run}@e2e.example`);
    await dialog.getByLabel('First name', { exact: true }).fill('Sha');
    await dialog.getByLabel('Last name', { exact: true }).fill('Red');
    await dialog.getByRole('radio', { name: 'Group’s shared password' }).check();
    await visible(dialog.getByText('Choose a customer group that has a shared password.'));
    await page.screenshot({ path: '/tmp/a11y-add-contact.png', fullPage: true });
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    // A 422 that is not an input error is told in the dialog's alert, naming the problem.
    await visible(dialog.getByText('Check the contact: Choose a customer group that has a shared password'));
    expect((await api<{ items: Contact[] }>('GET', `/api/contacts?q=shared.${run}`)).items).toEqual([]);
  });
});
