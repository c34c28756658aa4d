import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Account } from '../../src/contracts/accounts.ts';
import type { Contact } from '../../src/contracts/contacts.ts';
import type { EmailMessage } from '../../src/contracts/emails.ts';
import {
  adminApi,
  baseUrl,
  fieldError,
  launchBrowser,
  signedInContext,
  signInToPortal,
  unique,
  UUID_PATH,
  visible,
  type Api,
} from './browser.ts';

const CONTACT_URL = new RegExp(`/contacts/(${UUID_PATH})$`);

let browser: Browser;
let api: Api;
let context: BrowserContext | undefined;
const run = unique();
// Roles and group roles the add-contact dialog offers.
const role = { key: `buyer-${run}`, name: `Buyer ${run}` };
const groupRole = { key: `purchasing-${run}`, name: `Purchasing ${run}` };

beforeAll(async () => {
  browser = await launchBrowser();
  api = await adminApi();
  await api('POST', '/api/roles', role);
  await api('POST', '/api/group-roles', { ...groupRole, roles: [role.key] });
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});

async function newPage(signedIn = true): Promise<Page> {
  context = signedIn
    ? await signedInContext(browser)
    : await browser.newContext({ viewport: { width: 1280, height: 900 } });
  return pageOf(context);
}

async function pageOf(ctx: BrowserContext): Promise<Page> {
  const page = await ctx.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

const createAccount = (name: string, code?: string) =>
  api<Account>('POST', '/api/accounts', { kind: 'business', name, code });

/** Picks an option of an open combobox; options render in a portal outside the dialog. */
async function pickOption(page: Page, name: string) {
  await (await visible(page.getByRole('option', { name, exact: true }))).click();
}

describe('Operations Portal', () => {
  it('signs in: a wrong password shows an error, the right one opens Accounts', async () => {
    const page = await newPage(false);
    await signInToPortal(page, inject('adminEmail'), 'not-the-password');
    const alert = await visible(page.getByRole('alert'));
    expect(await alert.textContent()).toContain('The email or password is not correct.');
    expect(new URL(page.url()).pathname).toBe('/sign-in');

    await page.getByLabel('Password', { exact: true }).fill(inject('adminPassword'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl()}/accounts`);
    await visible(page.getByRole('heading', { name: 'Accounts', level: 2 }));
    expect(await (await visible(page.getByTestId('signed-in-as'))).textContent()).toContain(
      inject('adminEmail'),
    );
    await visible(page.getByRole('button', { name: 'Sign out' }));
  });

  it('finds an account by part of its name, ignoring accents and case', async () => {
    const muller = await createAccount('Café Müller GmbH');
    await createAccount('Miller & Söhne KG');
    await createAccount('Mülheim Logistik AG');
    const page = await newPage();
    await page.goto(`${baseUrl()}/accounts`);
    await visible(page.getByRole('heading', { name: 'Accounts', level: 2 }));

    await page.getByLabel('Search accounts', { exact: true }).fill('muller');
    await page.waitForURL(/[?&]q=muller/);
    await expect
      .poll(() => page.locator('tbody tr').allInnerTexts(), { timeout: 10_000 })
      .toEqual([expect.stringContaining('Café Müller GmbH')]);
    await page.screenshot({ path: '/tmp/e2e-accounts.png' });

    await page.getByRole('link', { name: 'Café Müller GmbH' }).click();
    await page.waitForURL(`${baseUrl()}/accounts/${muller.id}`);
    await visible(page.getByRole('heading', { name: 'Café Müller GmbH' }));
  });

  it('adds a contact from the account page with the welcome email', async () => {
    const account = await createAccount(`Nordwind Handel ${run}`, `NW${run}`);
    const email = `anna.berg.${run}@e2e.example`;
    const page = await newPage();
    await page.goto(`${baseUrl()}/accounts/${account.id}`);
    await visible(page.getByRole('heading', { name: account.name }));
    await page.screenshot({ path: '/tmp/e2e-account.png', fullPage: true });

    await page.getByRole('button', { name: 'Add contact' }).click();
    const dialog = await visible(page.getByRole('dialog', { name: 'Add contact' }));
    expect(await dialog.textContent()).toContain(account.name);
    await dialog.getByLabel('Email', { exact: true }).fill(email);
    await dialog.getByLabel('First name', { exact: true }).fill('Anna');
    await dialog.getByLabel('Last name', { exact: true }).fill('Berg');
    await dialog.getByRole('combobox', { name: 'Group roles' }).click();
    await pickOption(page, groupRole.name);
    await dialog.getByRole('combobox', { name: 'Roles', exact: true }).click();
    await pickOption(page, role.name);
    // Close the dropdown by clicking elsewhere in the dialog (Escape would close the dialog).
    await dialog.getByText('Account:').click();
    expect(await dialog.getByRole('radio', { name: 'Activation email' }).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();

    await page.waitForURL(CONTACT_URL);
    const contactId = CONTACT_URL.exec(page.url())![1]!;
    await visible(page.getByRole('heading', { name: 'Anna Berg' }));
    const contact = await api<Contact>('GET', `/api/contacts/${contactId}`);
    expect(contact).toMatchObject({
      email,
      firstName: 'Anna',
      lastName: 'Berg',
      roles: [role.key],
      groupRoles: [groupRole.key],
      account: { id: account.id },
    });
    const emails = await api<{ items: EmailMessage[] }>('GET', `/api/emails?to=${encodeURIComponent(email)}`);
    expect(emails.items).toHaveLength(1);
    const welcome = emails.items[0]!;
    expect(welcome).toMatchObject({ templateKey: 'accountactivation', contactId });
    // The log shows the link with its token hidden; only the recipient gets it.
    expect(welcome.text).toContain('/store/activate?token=[hidden]');

    // The contact page lists the email it was sent.
    await visible(page.getByRole('link', { name: welcome.subject }));
    await page.screenshot({ path: '/tmp/e2e-contact.png', fullPage: true });

    // The email log lists it for that address.
    await page.getByRole('link', { name: 'Open in email log' }).click();
    await page.waitForURL(/\/emails\?/);
    await expect
      .poll(() => page.locator('tbody tr').allInnerTexts(), { timeout: 10_000 })
      .toEqual([expect.stringContaining(welcome.subject)]);
    expect(await page.locator('tbody').textContent()).toContain(email);
    await page.screenshot({ path: '/tmp/e2e-emails.png' });
  });

  it('adds a contact from the Contacts page, picking the account by its code', async () => {
    const code = `ZB${run}`.toUpperCase();
    const account = await createAccount(`Zeeberg Bouw ${run}`, code);
    await createAccount(`Zeeland Bouw ${run}`, `ZL${run}`.toUpperCase());
    const email = `piet.jansen.${run}@e2e.example`;
    const page = await newPage();
    await page.goto(`${baseUrl()}/contacts`);
    await visible(page.getByRole('heading', { name: 'Contacts', level: 2 }));

    await page.getByRole('button', { name: 'Add contact' }).click();
    const dialog = await visible(page.getByRole('dialog', { name: 'Add contact' }));
    await dialog.getByRole('combobox', { name: 'Account', exact: true }).fill(code.slice(0, 6));
    await pickOption(page, `${account.number} · ${code} · ${account.name}`);
    await dialog.getByLabel('Email', { exact: true }).fill(email);
    await dialog.getByLabel('First name', { exact: true }).fill('Piet');
    await dialog.getByLabel('Last name', { exact: true }).fill('Jansen');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();

    await page.waitForURL(CONTACT_URL);
    const contactId = CONTACT_URL.exec(page.url())![1]!;
    await visible(page.getByRole('heading', { name: 'Piet Jansen' }));
    await visible(page.getByRole('link', { name: account.name }));
    const contact = await api<Contact>('GET', `/api/contacts/${contactId}`);
    expect(contact).toMatchObject({ email, account: { id: account.id } });
  });

  it('shows a view-only employee the account and contacts without Add contact or New account', async () => {
    const account = await createAccount(`Viewonly Partners ${run}`);
    await api('POST', `/api/accounts/${account.id}/contacts`, {
      email: `vera.view.${run}@e2e.example`,
      firstName: 'Vera',
      lastName: 'View',
    });
    const viewer = { email: `viewer.${run}@e2e.example`, password: 'viewer-password-1' };
    await api('POST', '/api/employees', { ...viewer, roles: ['companyView', 'customerView'] });
    context = await signedInContext(browser, viewer.email, viewer.password);
    const page = await pageOf(context);

    await page.goto(`${baseUrl()}/accounts`);
    await visible(page.getByRole('link', { name: account.name }));
    expect(await page.getByRole('button', { name: 'New account' }).count()).toBe(0);

    await page.getByRole('link', { name: account.name }).click();
    await page.waitForURL(`${baseUrl()}/accounts/${account.id}`);
    await visible(page.getByRole('heading', { name: account.name }));
    await visible(page.getByRole('link', { name: 'Vera View' }));
    expect(await page.getByRole('button', { name: 'Add contact' }).count()).toBe(0);
    // Read-only details, not a form.
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);

    await page.goto(`${baseUrl()}/contacts`);
    await visible(page.getByRole('link', { name: 'Vera View' }));
    expect(await page.getByRole('button', { name: 'Add contact' }).count()).toBe(0);
  });

  it('shows a duplicate email under the Email field', async () => {
    const account = await createAccount(`Dupe Check ${run}`);
    const email = `taken.${run}@e2e.example`;
    await api('POST', `/api/accounts/${account.id}/contacts`, { email, firstName: 'Tom', lastName: 'Taken' });
    const page = await newPage();
    await page.goto(`${baseUrl()}/accounts/${account.id}`);
    await (await visible(page.getByRole('button', { name: 'Add contact' }))).click();
    const dialog = await visible(page.getByRole('dialog', { name: 'Add contact' }));
    const emailInput = dialog.getByLabel('Email', { exact: true });
    await emailInput.fill(email.toUpperCase());
    await dialog.getByLabel('First name', { exact: true }).fill('Tina');
    await dialog.getByLabel('Last name', { exact: true }).fill('Other');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();

    // The server's 409 message is shown under the Email field, which is marked invalid.
    await expect
      .poll(() => fieldError(emailInput), { timeout: 10_000 })
      .toBe('A contact with this email already exists in this store');
    expect(await emailInput.getAttribute('aria-invalid')).toBe('true');
    expect(new URL(page.url()).pathname).toBe(`/accounts/${account.id}`);
    const list = await api<{ items: Contact[] }>('GET', `/api/accounts/${account.id}/contacts`);
    expect(list.items.map((c) => c.firstName)).toEqual(['Tom']);
  });
});
