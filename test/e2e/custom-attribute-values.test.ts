import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/contracts/accounts.ts';
import type { Contact } from '../../src/contracts/contacts.ts';
import {
  adminApi,
  baseUrl,
  fieldError,
  unique,
  useBrowser,
  useMailServer,
  UUID_PATH,
  visible,
  type Api,
} from './browser.ts';

// The server that delivers over SMTP: no other file signs up there, so the storefront's per-address
// sign-up limit is all this file's, and the mandatory attributes below bother no other file's creates.
useMailServer();
const { newPage, signedInPage } = useBrowser();
let api: Api;
const run = unique();
// The definitions API comes with the attributes part (branch wip/attributes); until it is merged the
// end-to-end tests against it are skipped and only the browser-stubbed ones below run.
const definitionsApi = (await fetch(`${baseUrl()}/api/attributes`)).status !== 404;

type Definition = { id: string; key: string };
type WithAttributes<T> = T & { attributes: Record<string, unknown> };
const definitions: Definition[] = [];

const tier = {
  entity: 'contact',
  key: `tier_${run}`,
  type: 'select',
  label: 'Customer tier',
  labels: {},
  helpText: 'Decides the service level',
  options: [
    { value: 'gold', label: 'Gold' },
    { value: 'silver', label: 'Silver' },
  ],
  mandatory: true,
  showInList: true,
  filterable: true,
  showAtSignUp: true,
  position: 1,
};
const invoiceEmail = {
  entity: 'contact',
  key: `invoice_email_${run}`,
  type: 'email',
  label: 'Invoice email',
  labels: {},
  mandatory: false,
  showInList: false,
  filterable: false,
  showAtSignUp: false,
  position: 2,
};
const vat = {
  entity: 'account',
  key: `vat_${run}`,
  type: 'text',
  label: 'VAT number',
  labels: {},
  helpText: 'As printed on invoices',
  mandatory: true,
  showInList: true,
  filterable: true,
  showAtSignUp: false,
  position: 1,
};

const define = async (body: object) => {
  const d = await api<Definition>('POST', '/api/attributes', body);
  definitions.push(d);
  return d;
};

beforeAll(async () => {
  api = await adminApi();
  if (!definitionsApi) return;
  await define(tier);
  await define(invoiceEmail);
  await define(vat);
});

// Archive what this file defined and switch sign-up off again, as other files expect.
afterAll(async () => {
  for (const d of definitions) await api('DELETE', `/api/attributes/${d.id}`).catch(() => undefined);
  await api('PATCH', '/api/settings', { registration: { newAccount: { enabled: false } } }).catch(
    () => undefined,
  );
});

/** Picks an option of a Mantine select (options render in a portal). */
async function choose(page: Page, label: string, option: string) {
  await page.getByLabel(label, { exact: true }).click();
  await (await visible(page.getByRole('option', { name: option, exact: true }))).click();
}

const createAccount = (name: string, vatNumber: string) =>
  api<WithAttributes<Account>>('POST', '/api/accounts', {
    kind: 'business',
    name,
    attributes: { [vat.key]: vatNumber },
  });

describe.skipIf(!definitionsApi)('Custom attribute values in the portal and storefront', () => {
  it('enforces a mandatory attribute in the New account dialog, then shows the saved value', async () => {
    const page = await signedInPage();
    await page.goto(`${baseUrl()}/accounts`);
    await page.getByRole('button', { name: 'New account' }).click();
    const dialog = await visible(page.getByRole('dialog', { name: 'New account' }));
    await dialog.getByLabel('Name', { exact: true }).fill(`Harbor Tools ${run}`);
    const vatInput = dialog.getByLabel('VAT number', { exact: true });
    expect(await vatInput.getAttribute('required')).not.toBeNull();
    await dialog.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => fieldError(vatInput)).toBe('VAT number is required');
    await page.screenshot({ path: '/tmp/attr-ui-new-account-required.png' });
    expect(new URL(page.url()).pathname).toBe('/accounts');

    await vatInput.fill(`DE${run}`);
    await dialog.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(new RegExp(`/accounts/(${UUID_PATH})$`));
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const card = await visible(page.getByTestId('attributes-card'));
    expect(await card.getByLabel('VAT number', { exact: true }).inputValue()).toBe(`DE${run}`);
    await page.screenshot({ path: '/tmp/attr-ui-account-page.png', fullPage: true });
    const saved = await api<WithAttributes<Account>>('GET', `/api/accounts/${id}`);
    expect(saved.attributes[vat.key]).toBe(`DE${run}`);

    // Edited on the page: saved through PATCH and shown after a reload.
    await card.getByLabel('VAT number', { exact: true }).fill(`FR${run}`);
    await card.getByRole('button', { name: 'Save attributes' }).click();
    await visible(page.getByText('Attributes saved'));
    await page.reload();
    const reloaded = await visible(page.getByTestId('attributes-card'));
    expect(await reloaded.getByLabel('VAT number', { exact: true }).inputValue()).toBe(`FR${run}`);
  });

  it('shows the accounts list column and filters by the attribute', async () => {
    const a = await createAccount(`Lindqvist Supply ${run}`, `SE${run}`);
    const b = await createAccount(`Okafor Trading ${run}`, `NG${run}`);
    const page = await signedInPage();
    await page.goto(`${baseUrl()}/accounts?q=${run}`);
    await visible(page.getByRole('columnheader', { name: 'VAT number' }));
    const rowA = await visible(page.getByRole('row', { name: new RegExp(a.name) }));
    expect(await rowA.textContent()).toContain(`SE${run}`);

    await page.getByRole('textbox', { name: 'VAT number' }).fill(`NG${run}`);
    await page.waitForURL((u) => u.searchParams.get(`attr.${vat.key}`) === `NG${run}`);
    await visible(page.getByRole('row', { name: new RegExp(b.name) }));
    await expect.poll(() => page.getByRole('row', { name: new RegExp(a.name) }).count()).toBe(0);
    await page.screenshot({ path: '/tmp/attr-ui-accounts-filtered.png' });
  });

  it('enforces a mandatory attribute in the Add contact dialog and shows the server’s refusal on its field', async () => {
    const account = await createAccount(`Moreau Fixtures ${run}`, `BE${run}`);
    const page = await signedInPage();
    await page.goto(`${baseUrl()}/accounts/${account.id}`);
    await page.getByRole('button', { name: 'Add contact', exact: true }).click();
    const dialog = await visible(page.getByRole('dialog', { name: 'Add contact' }));
    const email = `ines.${run}@e2e.example`;
    await dialog.getByLabel('Email', { exact: true }).fill(email);
    await dialog.getByLabel('First name', { exact: true }).fill('Inès');
    await dialog.getByLabel('Last name', { exact: true }).fill('Moreau');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    const tierInput = dialog.getByLabel('Customer tier', { exact: true });
    await expect.poll(() => fieldError(tierInput)).toBe('Customer tier is required');
    await page.screenshot({ path: '/tmp/attr-ui-add-contact-required.png' });

    // The server checks what the browser does not: an invalid email attribute comes back on its field.
    await choose(page, 'Customer tier', 'Gold');
    const invoiceInput = dialog.getByLabel('Invoice email', { exact: true });
    await invoiceInput.fill('not an email');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => fieldError(invoiceInput)).toBeTruthy();
    expect(await fieldError(tierInput)).toBeNull();
    await page.screenshot({ path: '/tmp/attr-ui-add-contact-server-error.png' });
    expect(new URL(page.url()).pathname).toBe(`/accounts/${account.id}`);

    await invoiceInput.fill(`invoices.${run}@e2e.example`);
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL(new RegExp(`/contacts/(${UUID_PATH})$`));
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const card = await visible(page.getByTestId('attributes-card'));
    expect(await card.getByLabel('Customer tier', { exact: true }).inputValue()).toBe('Gold');
    await page.screenshot({ path: '/tmp/attr-ui-contact-page.png', fullPage: true });
    const saved = await api<WithAttributes<Contact>>('GET', `/api/contacts/${id}`);
    expect(saved.attributes).toMatchObject({
      [tier.key]: 'gold',
      [invoiceEmail.key]: `invoices.${run}@e2e.example`,
    });
  });

  it('shows the contacts list column and filters by a select attribute', async () => {
    const account = await createAccount(`Berg Hardware ${run}`, `NO${run}`);
    const add = (first: string, value: string) =>
      api<Contact>('POST', `/api/accounts/${account.id}/contacts`, {
        email: `${first.toLowerCase()}.${run}@e2e.example`,
        firstName: first,
        lastName: `Berg${run}`,
        attributes: { [tier.key]: value },
      });
    await add('Hanna', 'gold');
    await add('Nils', 'silver');
    const page = await signedInPage();
    await page.goto(`${baseUrl()}/contacts?q=Berg${run}`);
    await visible(page.getByRole('columnheader', { name: 'Customer tier' }));
    expect(await (await visible(page.getByRole('row', { name: /Nils/ }))).textContent()).toContain('Silver');

    await choose(page, 'Customer tier', 'Gold');
    await page.waitForURL((u) => u.searchParams.get(`attr.${tier.key}`) === 'gold');
    await visible(page.getByRole('row', { name: /Hanna/ }));
    await expect.poll(() => page.getByRole('row', { name: /Nils/ }).count()).toBe(0);
    await page.screenshot({ path: '/tmp/attr-ui-contacts-filtered.png' });
  });

  it('asks for a showAtSignUp attribute at the storefront sign-up and stores it on the contact', async () => {
    // Only sign-up attributes are asked there: the account's mandatory VAT number is retired first.
    await api('DELETE', `/api/attributes/${definitions.find((d) => d.key === vat.key)!.id}`);
    await api('PATCH', '/api/settings', {
      registration: { newAccount: { enabled: true, access: 'immediate' }, allowPersonalAccounts: true },
    });
    const page = await newPage();
    const info = page.waitForResponse((r) => r.url().endsWith('/api/store/registration'));
    await page.goto(`${baseUrl()}/store/register`);
    await info;
    await visible(page.getByRole('heading', { name: 'Create an account' }));
    expect(await page.getByLabel('Invoice email', { exact: true }).count()).toBe(0);

    const email = `tomas.${run}@e2e.example`;
    await page.getByLabel('Company name', { exact: true }).fill(`Novak Parts ${run}`);
    await page.getByLabel('First name', { exact: true }).fill('Tomáš');
    await page.getByLabel('Last name', { exact: true }).fill('Novák');
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Address line 1', { exact: true }).fill('1200 Harbor Way');
    await page.getByLabel('City', { exact: true }).fill('Portland');
    await page.getByLabel('ZIP / postal code', { exact: true }).fill('97201');
    await page.getByLabel('State / region', { exact: true }).fill('OR');
    await page.getByLabel('Country', { exact: true }).fill('US');
    await page.getByLabel('Password', { exact: true }).fill('quiet river stones');
    await page.getByLabel('Confirm password', { exact: true }).fill('quiet river stones');
    await page.getByRole('button', { name: 'Create account' }).click();
    const tierInput = page.getByLabel('Customer tier', { exact: true });
    await expect.poll(() => fieldError(tierInput)).toBe('Customer tier is required');
    expect(await page.getByRole('alert').textContent()).toContain('Please correct the fields marked above');
    await page.screenshot({ path: '/tmp/attr-ui-register-required.png', fullPage: true });

    await choose(page, 'Customer tier', 'Silver');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${baseUrl()}/store/account`);

    const contacts = await api<{ items: { id: string }[] }>(
      'GET',
      `/api/contacts?q=${encodeURIComponent(email)}`,
    );
    const contact = await api<WithAttributes<Contact>>('GET', `/api/contacts/${contacts.items[0]!.id}`);
    expect(contact.attributes[tier.key]).toBe('silver');
  });
});
