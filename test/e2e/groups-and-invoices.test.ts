import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/contracts/accounts.ts';
import type { ContactSummary } from '../../src/contracts/contacts.ts';
import type { CustomerGroup } from '../../src/contracts/customer-groups.ts';
import { adminApi, baseUrl, unique, useBrowser, visible, type Api } from './browser.ts';

let api: Api;
const run = unique();
const { signedInPage, newPage } = useBrowser();

type RegistrationPatch = {
  newAccount?: { enabled?: boolean; access?: 'immediate' | 'approval' };
  newContact?: { enabled?: boolean };
};
const setRegistration = (registration: RegistrationPatch) => api('PATCH', '/api/settings', { registration });

beforeAll(async () => {
  api = await adminApi();
});
// Other files share this server: leave sign-up switched off, as it was.
afterAll(async () => {
  await setRegistration({ newAccount: { enabled: false }, newContact: { enabled: false } });
});

async function openStorePage(page: Page, path: string) {
  const info = page.waitForResponse((r) => r.url().endsWith('/api/store/registration'));
  await page.goto(`${baseUrl()}${path}`);
  await info;
}

describe('Customer groups from a list selection, and invoices on the account page', () => {
  it('adds two contacts selected in the contacts list to a group and shows it in the groups column', async () => {
    const account = await api<Account>('POST', '/api/accounts', { kind: 'business', name: `Selecta ${run}` });
    for (const first of ['Ines', 'Jonas', 'Karl'])
      await api('POST', `/api/accounts/${account.id}/contacts`, {
        email: `${first.toLowerCase()}.${run}@e2e.example`,
        firstName: first,
        lastName: `Sel${run}`,
      });
    const group = await api<CustomerGroup>('POST', '/api/customer-groups', {
      key: `fair-${run}`,
      name: `Fair ${run}`,
    });

    const page = await signedInPage();
    await page.goto(`${baseUrl()}/contacts?q=sel${run}`);
    await visible(page.getByRole('row', { name: /Ines/ }));
    await page.getByRole('checkbox', { name: `Select Ines Sel${run}` }).check();
    await page.getByRole('checkbox', { name: `Select Jonas Sel${run}` }).check();
    const bar = await visible(page.getByTestId('selection-bar'));
    expect(await bar.textContent()).toContain('2 contacts selected');
    await bar.getByRole('button', { name: 'Add to group…' }).click();
    const dialog = await visible(page.getByRole('dialog', { name: 'Add 2 contacts to a customer group' }));
    await dialog.getByRole('combobox', { name: 'Customer group' }).click();
    await dialog.getByRole('option', { name: `Fair ${run} (fair-${run})` }).click();
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await visible(page.getByText(`2 contacts added to Fair ${run}`));
    // The groups column shows the key on the two rows, not on the third.
    await visible(page.getByRole('row', { name: /Ines/ }).getByText(`fair-${run}`));
    await visible(page.getByRole('row', { name: /Jonas/ }).getByText(`fair-${run}`));
    expect(await page.getByRole('row', { name: /Karl/ }).textContent()).not.toContain(`fair-${run}`);
    await page.screenshot({ path: '/tmp/groups-contacts-list.png', fullPage: true });

    const members = await api<{ items: ContactSummary[] }>('GET', `/api/contacts?customerGroup=fair-${run}`);
    expect(members.items.map((c) => c.firstName).sort()).toEqual(['Ines', 'Jonas']);
    expect((await api<CustomerGroup>('GET', `/api/customer-groups/${group.id}`)).contactCount).toBe(2);

    // The filter of the list, bound to the URL.
    await page.goto(`${baseUrl()}/contacts?customerGroup=fair-${run}`);
    await visible(page.getByRole('row', { name: /Jonas/ }));
    expect(await page.getByRole('row', { name: /Karl/ }).count()).toBe(0);

    // And the account page's card adds the account to the group.
    await page.goto(`${baseUrl()}/accounts/${account.id}`);
    await visible(page.getByRole('heading', { name: 'Customer groups' }));
    await page.getByRole('combobox', { name: 'Add to customer group' }).click();
    await page.getByRole('option', { name: `Fair ${run} (fair-${run})` }).click();
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await visible(page.getByRole('button', { name: `Remove from Fair ${run}` }));
    await page.screenshot({ path: '/tmp/groups-account-card.png', fullPage: true });
    expect((await api<Account>('GET', `/api/accounts/${account.id}`)).customerGroups).toEqual([
      `fair-${run}`,
    ]);

    // The group's own page: members listed, one removed on its row, another added by searching.
    await page.goto(`${baseUrl()}/customer-groups`);
    await page.getByRole('link', { name: `Fair ${run}` }).click();
    await visible(page.getByRole('heading', { name: `Fair ${run}` }));
    const contactsTable = page.getByRole('table', { name: 'Contacts in the group' });
    await visible(contactsTable.getByRole('row', { name: /Ines/ }));
    await visible(page.getByRole('table', { name: 'Accounts in the group' }).getByText(`Selecta ${run}`));
    await contactsTable.getByRole('button', { name: `Remove Ines Sel${run} from the group` }).click();
    await visible(page.getByText(`Ines Sel${run} removed from Fair ${run}`));
    await page.getByRole('combobox', { name: 'Add a contact' }).fill(`karl.${run}`);
    await page.getByRole('option', { name: new RegExp(`karl\\.${run}`) }).click();
    await page.getByRole('button', { name: 'Add', exact: true }).nth(1).click();
    await visible(contactsTable.getByRole('row', { name: /Karl/ }));
    await page.screenshot({ path: '/tmp/groups-group-page.png', fullPage: true });
    const after = await api<{ items: ContactSummary[] }>('GET', `/api/contacts?customerGroup=fair-${run}`);
    expect(after.items.map((c) => c.firstName).sort()).toEqual(['Jonas', 'Karl']);
  });

  it('adds an invoice on the account page, refuses its number twice, and a visitor joins with it', async () => {
    await setRegistration({
      newAccount: { enabled: true, access: 'immediate' },
      newContact: { enabled: true },
    });
    // An account with a billing address: a sign-up makes one.
    const name = `Invoiced Goods ${run}`;
    const res = await fetch(`${baseUrl()}/api/store/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'business',
        companyName: name,
        firstName: 'Lea',
        lastName: 'Brandt',
        email: `lea.${run}@e2e.example`,
        billingAddress: { line1: '8 Canal Street', city: 'Leeds', postalCode: 'LS2 7EY', country: 'UK' },
        password: 'another long password',
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const account = (await api<{ items: Account[] }>('GET', `/api/accounts?q=${encodeURIComponent(name)}`))
      .items[0]!;

    const page = await signedInPage();
    await page.goto(`${baseUrl()}/accounts/${account.id}`);
    await visible(page.getByRole('heading', { name: 'Invoices' }));
    const number = `INV-${run}`;
    const addInvoice = async () => {
      await page.getByRole('button', { name: 'Add invoice' }).click();
      const dialog = await visible(page.getByRole('dialog', { name: 'Add invoice' }));
      await dialog.getByLabel('Invoice number').fill(number);
      await dialog.getByLabel('Amount').fill('480.25');
      await dialog.getByLabel('Currency').fill('gbp');
      await dialog.getByRole('button', { name: 'Add invoice' }).click();
      return dialog;
    };
    await addInvoice();
    const row = await visible(
      page.getByRole('table', { name: 'Invoices' }).getByRole('row', { name: /INV-/ }),
    );
    expect(await row.textContent()).toContain(number);
    await page.screenshot({ path: '/tmp/invoices-added.png', fullPage: true });

    // The same number again, with another amount: refused on the number field.
    await page.getByRole('button', { name: 'Add invoice' }).click();
    const again = await visible(page.getByRole('dialog', { name: 'Add invoice' }));
    await again.getByLabel('Invoice number').fill(number);
    await again.getByLabel('Amount').fill('999');
    await again.getByRole('button', { name: 'Add invoice' }).click();
    const numberField = again.getByLabel('Invoice number');
    await visible(again.getByText(/already exists with another amount/));
    expect(await numberField.getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: '/tmp/invoices-duplicate.png' });
    await again.getByRole('button', { name: 'Cancel' }).click();

    // A visitor names the invoice to get a login for the account.
    const store = await newPage();
    await openStorePage(store, '/store/join');
    await visible(store.getByRole('heading', { name: 'Create a login for your company' }));
    await store.getByLabel('Account number', { exact: true }).fill(account.number);
    await store.getByLabel('Billing ZIP / postal code', { exact: true }).fill('LS2 7EY');
    await store.getByLabel('Invoice number', { exact: true }).fill(number);
    await store.getByRole('button', { name: 'Continue' }).click();
    await visible(store.getByRole('heading', { name: 'Is this your company?' }));
    expect(await store.getByTestId('join-account').textContent()).toContain(name);
    const email = `max.${run}@e2e.example`;
    await store.getByLabel('First name', { exact: true }).fill('Max');
    await store.getByLabel('Last name', { exact: true }).fill('Brandt');
    await store.getByLabel('Email', { exact: true }).fill(email);
    await store.getByLabel('Password', { exact: true }).fill('bright market mornings');
    await store.getByLabel('Confirm password', { exact: true }).fill('bright market mornings');
    await store.getByRole('button', { name: 'Yes, create my login' }).click();
    await store.waitForURL(`${baseUrl()}/store/account`);
    expect(await store.getByTestId('store-account-name').textContent()).toContain(name);
  });
});
