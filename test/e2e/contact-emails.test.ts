import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/contracts/accounts.ts';
import type { Contact } from '../../src/contracts/contacts.ts';
import type { EmailMessage } from '../../src/contracts/emails.ts';
import { adminApi, baseUrl, launchBrowser, signedInContext, unique, visible, type Api } from './browser.ts';

let browser: Browser;
let api: Api;
let context: BrowserContext | undefined;
const run = unique();

beforeAll(async () => {
  browser = await launchBrowser();
  api = await adminApi();
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});

async function newPage(): Promise<Page> {
  context = await signedInContext(browser);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

const emailsTo = async (to: string, templateKey: string) =>
  (
    await api<{ items: EmailMessage[] }>(
      'GET',
      `/api/emails?to=${encodeURIComponent(to)}&templateKey=${templateKey}`,
    )
  ).items;

describe('Emails to contacts', () => {
  it('sends the activation email from the contact page, after a confirmation', async () => {
    const account = await api<Account>('POST', '/api/accounts', { kind: 'business', name: `Single ${run}` });
    const email = `sam.single.${run}@e2e.example`;
    const contact = await api<Contact>('POST', `/api/accounts/${account.id}/contacts`, {
      email,
      firstName: 'Sam',
      lastName: 'Single',
    });
    const page = await newPage();
    await page.goto(`${baseUrl()}/contacts/${contact.id}`);
    await visible(page.getByRole('heading', { name: 'Sam Single' }));
    await visible(page.getByText('No emails were sent to this contact.'));

    await page.getByRole('button', { name: 'Send activation email' }).click();
    const confirm = await visible(page.getByRole('dialog', { name: 'Send the activation email?' }));
    expect(await confirm.textContent()).toContain(email);
    await confirm.getByRole('button', { name: 'Send', exact: true }).click();
    // Without SMTP the email is kept in the log, and the notification says so.
    await visible(page.getByText(`The email to ${email} was written to the email log`));
    const sent = await emailsTo(email, 'accountactivation');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ status: 'captured', contactId: contact.id });
    // The contact's list of emails shows it.
    await visible(page.getByRole('link', { name: sent[0]!.subject }));

    await page.getByRole('button', { name: 'Send password reset' }).click();
    const reset = await visible(page.getByRole('dialog', { name: 'Send a password reset?' }));
    await reset.getByRole('button', { name: 'Send', exact: true }).click();
    await expect.poll(async () => (await emailsTo(email, 'password-reset')).length).toBe(1);
    const [resetEmail] = await emailsTo(email, 'password-reset');
    await visible(page.getByRole('link', { name: resetEmail!.subject }));
    await page.screenshot({ path: '/tmp/e2e-contact-send.png', fullPage: true });
  });

  it('sends a password reset to the contacts selected in the list and shows each one’s result', async () => {
    const account = await api<Account>('POST', '/api/accounts', { kind: 'business', name: `Bulk ${run}` });
    const make = (first: string) =>
      api<Contact>('POST', `/api/accounts/${account.id}/contacts`, {
        email: `${first.toLowerCase()}.bulk.${run}@e2e.example`,
        firstName: first,
        lastName: `Bulk${run}`,
      });
    const ada = await make('Ada');
    const ben = await make('Ben');
    const cleo = await make('Cleo');
    await api('PATCH', `/api/contacts/${cleo.id}`, { status: 'disabled' });

    const page = await newPage();
    await page.goto(`${baseUrl()}/contacts?q=${encodeURIComponent(`Bulk${run}`)}`);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(3);
    await page.getByLabel('Select all contacts shown', { exact: true }).check();
    await visible(page.getByText('3 contacts selected'));
    await page.getByRole('button', { name: 'Send email' }).click();
    const dialog = await visible(page.getByRole('dialog', { name: 'Send email' }));
    await dialog.getByLabel('Password reset', { exact: true }).check();
    await dialog.getByRole('button', { name: 'Send to 3 contacts' }).click();

    const results = await visible(page.getByTestId('bulk-email-results'));
    const rows = async () =>
      Object.fromEntries(
        (await results.locator('tbody tr').allInnerTexts()).map((t) => [t.split('\n')[0]!.trim(), t]),
      );
    await expect.poll(async () => Object.keys(await rows()).length).toBe(3);
    const byName = await rows();
    expect(byName[`Ada Bulk${run}`]).toContain('In the email log (no SMTP)');
    expect(byName[`Ben Bulk${run}`]).toContain('In the email log (no SMTP)');
    expect(byName[`Cleo Bulk${run}`]).toContain('Disabled');
    await visible(page.getByText('written to the email log and not sent'));
    await page.screenshot({ path: '/tmp/e2e-contacts-bulk-email.png' });

    expect(await emailsTo(ada.email, 'password-reset')).toHaveLength(1);
    expect(await emailsTo(ben.email, 'password-reset')).toHaveLength(1);
    expect(await emailsTo(cleo.email, 'password-reset')).toHaveLength(0);
    await page.getByRole('dialog', { name: 'Emails sent' }).getByRole('button', { name: 'Done' }).click();
    // The selection was used up.
    expect(await page.getByText('contacts selected').count()).toBe(0);
  });

  it('hides sending and template editing from an employee who may only read', async () => {
    const account = await api<Account>('POST', '/api/accounts', {
      kind: 'business',
      name: `Readonly ${run}`,
    });
    const contact = await api<Contact>('POST', `/api/accounts/${account.id}/contacts`, {
      email: `rita.read.${run}@e2e.example`,
      firstName: 'Rita',
      lastName: 'Read',
    });
    const reader = { email: `reader.${run}@e2e.example`, password: 'reader-password-1' };
    await api('POST', '/api/employees', { ...reader, roles: ['customerView'] });
    context = await signedInContext(browser, reader.email, reader.password);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);

    await page.goto(`${baseUrl()}/contacts/${contact.id}`);
    await visible(page.getByRole('heading', { name: 'Rita Read' }));
    await visible(page.getByRole('heading', { name: 'Emails sent' }));
    expect(await page.getByRole('button', { name: 'Send activation email' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Send password reset' }).count()).toBe(0);
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await visible(nav.getByRole('link', { name: 'Email log' }));
    expect(await nav.getByRole('link', { name: 'Email templates' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Settings' }).count()).toBe(0);

    await page.goto(`${baseUrl()}/contacts?q=${encodeURIComponent(`Read`)}`);
    await visible(page.getByRole('link', { name: 'Rita Read' }));
    expect(await page.getByRole('checkbox').count()).toBe(0);
  });
});
