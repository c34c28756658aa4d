import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Address } from '../../src/contracts/addresses.ts';
import type { Account } from '../../src/contracts/accounts.ts';
import type { Settings } from '../../src/contracts/settings.ts';
import {
  adminApi,
  baseUrl,
  fieldError,
  unique,
  UUID_PATH,
  visible,
  useBrowser,
  type Api,
} from './browser.ts';

const { signedInPage } = useBrowser();
let api: Api;
const run = unique();

beforeAll(async () => {
  api = await adminApi();
});

async function chooseCountry(scope: Locator, page: Page, search: string, name: string) {
  await scope.getByLabel('Country', { exact: true }).fill(search);
  await (await visible(page.getByRole('option', { name, exact: true }))).click();
}

async function fillAddress(
  scope: Locator,
  page: Page,
  a: { line1: string; city: string; postalCode: string; country: [string, string] },
) {
  await scope.getByLabel('Address line 1', { exact: true }).fill(a.line1);
  await scope.getByLabel('City', { exact: true }).fill(a.city);
  await scope.getByLabel('Postal code', { exact: true }).fill(a.postalCode);
  await chooseCountry(scope, page, ...a.country);
}

const rows = (page: Page) => page.getByRole('table', { name: 'Address book' }).getByTestId('address-row');
const rowTexts = async (page: Page) =>
  (await rows(page).allTextContents()).map((t) => t.replace(/\s+/g, ' '));

describe('the address book', () => {
  it('creates an account with a billing address, then adds, edits, makes default and deletes addresses', async () => {
    const page = await signedInPage();
    await page.goto(`${baseUrl()}/accounts`);
    await (await visible(page.getByRole('button', { name: 'New account' }))).click();
    const create = await visible(page.getByRole('dialog', { name: 'New account' }));
    const name = `Address Works ${run}`;
    await create.getByLabel('Name', { exact: true }).fill(name);
    await create.getByLabel('Add a billing address').check();
    await fillAddress(create, page, {
      line1: '10 Downing Street',
      city: 'London',
      postalCode: '12345',
      country: ['United Kin', 'United Kingdom'],
    });
    await page.screenshot({ path: '/tmp/addresses-new-account.png' });
    await create.getByRole('button', { name: 'Create account' }).click();
    const postal = create.getByLabel('Postal code', { exact: true });
    await expect.poll(() => fieldError(postal)).toBe('Not a valid postal code for United Kingdom');
    await postal.fill('SW1A 2AA');
    await create.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(new RegExp(`/accounts/(${UUID_PATH})$`));
    const accountId = new URL(page.url()).pathname.split('/').pop()!;

    await visible(page.getByRole('heading', { name: 'Address book' }));
    await expect
      .poll(() => rowTexts(page))
      .toEqual([
        expect.stringMatching(/^BillingDefault.*10 Downing Street, SW1A 2AA London, United Kingdom/),
      ]);

    // A shipping address: the first of its type is its default.
    await page.getByRole('button', { name: 'Add address' }).click();
    let dialog = await visible(page.getByRole('dialog', { name: 'Add address' }));
    await dialog.getByLabel('Type', { exact: true }).selectOption('shipping');
    await dialog.getByLabel('Name', { exact: true }).fill('Warehouse');
    await fillAddress(dialog, page, {
      line1: 'Hafenstraße 5',
      city: 'Hamburg',
      postalCode: '20457',
      country: ['Germ', 'Germany'],
    });
    await dialog.getByRole('button', { name: 'Add address' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // A second billing address, not default.
    await page.getByRole('button', { name: 'Add address' }).click();
    dialog = await visible(page.getByRole('dialog', { name: 'Add address' }));
    await fillAddress(dialog, page, {
      line1: '1200 Harbor Way',
      city: 'Portland',
      postalCode: '97201',
      country: ['United St', 'United States'],
    });
    await dialog.getByRole('button', { name: 'Add address' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect
      .poll(() => rowTexts(page))
      .toEqual([
        expect.stringMatching(/^BillingDefault.*10 Downing Street/),
        expect.stringMatching(/^Billing(?!Default).*1200 Harbor Way/),
        expect.stringMatching(/^ShippingDefault.*Warehouse.*Hafenstraße 5, 20457 Hamburg, Germany/),
      ]);

    // Edit: a wrong postal code is shown on its field, then saved.
    await page.getByRole('button', { name: 'Edit billing address 1200 Harbor Way' }).click();
    dialog = await visible(page.getByRole('dialog', { name: 'Edit address' }));
    const edited = dialog.getByLabel('Postal code', { exact: true });
    await edited.fill('9720');
    await dialog.getByRole('button', { name: 'Save address' }).click();
    await expect.poll(() => fieldError(edited)).toBe('Not a valid postal code for United States of America');
    await edited.fill('97209');
    await dialog.getByLabel('Address line 2', { exact: true }).fill('Suite 4');
    await dialog.getByRole('button', { name: 'Save address' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.screenshot({ path: '/tmp/addresses-book.png', fullPage: true });

    // Make default: the badge moves.
    await page.getByRole('button', { name: 'Make 1200 Harbor Way the default billing address' }).click();
    await expect
      .poll(() => rowTexts(page))
      .toEqual([
        expect.stringMatching(/^BillingDefault.*1200 Harbor Way, Suite 4, 97209 Portland/),
        expect.stringMatching(/^Billing(?!Default).*10 Downing Street/),
        expect.stringMatching(/^ShippingDefault.*Hafenstraße 5/),
      ]);

    // Delete the default: the other billing address takes its place.
    await page.getByRole('button', { name: 'Delete billing address 1200 Harbor Way' }).click();
    const confirm = await visible(page.getByRole('dialog', { name: 'Delete this address?' }));
    await confirm.getByRole('button', { name: 'Delete address' }).click();
    await expect
      .poll(() => rowTexts(page))
      .toEqual([
        expect.stringMatching(/^BillingDefault.*10 Downing Street/),
        expect.stringMatching(/^ShippingDefault.*Hafenstraße 5/),
      ]);

    const stored = await api<{ items: Address[] }>('GET', `/api/accounts/${accountId}/addresses`);
    expect(stored.items.map((a) => [a.type, a.isDefault, a.postalCode, a.country])).toEqual([
      ['billing', true, 'SW1A 2AA', 'GB'],
      ['shipping', true, '20457', 'DE'],
    ]);
    const account = await api<Account>('GET', `/api/accounts/${accountId}`);
    expect(account.name).toBe(name);
  });

  it('shows the address book on the contact page too', async () => {
    const account = await api<Account>('POST', '/api/accounts', {
      kind: 'business',
      name: `Contact Book ${run}`,
    });
    const contact = await api<{ id: string }>('POST', `/api/accounts/${account.id}/contacts`, {
      email: `book.${run}@e2e.example`,
      firstName: 'Bo',
      lastName: 'Ok',
    });
    await api('POST', `/api/contacts/${contact.id}/addresses`, {
      type: 'shipping',
      line1: '5 Rue de Rivoli',
      city: 'Paris',
      postalCode: '75001',
      country: 'fr',
    });
    const page = await signedInPage();
    await page.goto(`${baseUrl()}/contacts/${contact.id}`);
    await visible(page.getByRole('heading', { name: 'Address book' }));
    await expect
      .poll(() => rowTexts(page))
      .toEqual([expect.stringMatching(/^ShippingDefault.*75001 Paris, France/)]);
  });

  it('keeps an account’s last billing address while Settings make one mandatory, saying why', async () => {
    const before = await api<Settings>('GET', '/api/settings');
    const account = await api<Account>('POST', '/api/accounts', {
      kind: 'business',
      name: `Last Billing ${run}`,
      billingAddress: { line1: '3 Quay Street', city: 'London', postalCode: 'SW1A 2AA', country: 'GB' },
    });
    await api('PATCH', '/api/settings', {
      requiredFields: { ...before.requiredFields, account: ['billingAddress'] },
    });
    try {
      const page = await signedInPage();
      await page.goto(`${baseUrl()}/accounts/${account.id}`);
      await visible(page.getByRole('heading', { name: 'Address book' }));
      const why = /Billing address is required: this is the account's last billing address/;

      await page.getByRole('button', { name: 'Edit billing address 3 Quay Street' }).click();
      const dialog = await visible(page.getByRole('dialog', { name: 'Edit address' }));
      const type = dialog.getByLabel('Type', { exact: true });
      await type.selectOption('shipping');
      await dialog.getByRole('button', { name: 'Save address' }).click();
      await expect.poll(() => fieldError(type)).toMatch(why);
      await page.screenshot({ path: '/tmp/addresses-last-billing-edit.png' });
      await dialog.getByRole('button', { name: 'Cancel' }).click();

      await page.getByRole('button', { name: 'Delete billing address 3 Quay Street' }).click();
      const confirm = await visible(page.getByRole('dialog', { name: 'Delete this address?' }));
      await confirm.getByRole('button', { name: 'Delete address' }).click();
      await visible(page.getByText(why));
      await expect
        .poll(() => rowTexts(page))
        .toEqual([expect.stringMatching(/^BillingDefault.*3 Quay Street/)]);
      const stored = await api<{ items: Address[] }>('GET', `/api/accounts/${account.id}/addresses`);
      expect(stored.items.map((a) => a.type)).toEqual(['billing']);
    } finally {
      await api('PATCH', '/api/settings', { requiredFields: before.requiredFields });
    }
  });
});
