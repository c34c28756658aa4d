import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/contracts/accounts.ts';
import type { EmailMessage } from '../../src/contracts/emails.ts';
import { adminApi, baseUrl, fieldError, unique, useBrowser, visible, type Api } from './browser.ts';

const { newPage } = useBrowser();
let api: Api;

type RegistrationPatch = {
  newAccount?: { enabled?: boolean; linkText?: string; access?: 'immediate' | 'approval' };
  newContact?: { enabled?: boolean; linkText?: string };
  allowPersonalAccounts?: boolean;
};
const setRegistration = (registration: RegistrationPatch) => api('PATCH', '/api/settings', { registration });

const SALES_CC = 'sales-team@seller.e2e.example';
// Sign-ups are limited per client address (5 in 10 minutes) and every file of the suite calls from the
// same one: the join test reuses the account the immediate-access test opened, when it ran.
let openedAccount: { name: string; postalCode: string } | undefined;

beforeAll(async () => {
  api = await adminApi();
});
// Other files share this server: leave sign-up switched off, as it was.
afterAll(async () => {
  await setRegistration({ newAccount: { enabled: false }, newContact: { enabled: false } });
  await api('PATCH', '/api/email-templates/new-account-request-confirmation', { cc: [] });
});

/** Opens a storefront page and waits until it knows which sign-up flows are on. */
async function openStorePage(page: Page, path: string) {
  const info = page.waitForResponse((r) => r.url().endsWith('/api/store/registration'));
  await page.goto(`${baseUrl()}${path}`);
  await info;
}

async function fillSignUp(
  page: Page,
  v: { company?: string; first: string; last: string; email: string; password: string },
) {
  if (v.company !== undefined) await page.getByLabel('Company name', { exact: true }).fill(v.company);
  await page.getByLabel('First name', { exact: true }).fill(v.first);
  await page.getByLabel('Last name', { exact: true }).fill(v.last);
  await page.getByLabel('Email', { exact: true }).fill(v.email);
  await page.getByLabel('Phone', { exact: true }).fill('+1 503 555 0142');
  await page.getByLabel('Address line 1', { exact: true }).fill('1200 Harbor Way');
  await page.getByLabel('City', { exact: true }).fill('Portland');
  await page.getByLabel('ZIP / postal code', { exact: true }).fill('97201');
  await page.getByLabel('State / region', { exact: true }).fill('OR');
  await page.getByLabel('Country', { exact: true }).fill('United States');
  await page.getByLabel('Password', { exact: true }).fill(v.password);
  await page.getByLabel('Confirm password', { exact: true }).fill(v.password);
}

/** An active business account with a billing address, opened through the sign-up API. */
async function openAccountThroughApi(run: string): Promise<{ name: string; postalCode: string }> {
  const name = `Okafor Wholesale ${run}`;
  const res = await fetch(`${baseUrl()}/api/store/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      kind: 'business',
      companyName: name,
      firstName: 'Chidi',
      lastName: 'Okafor',
      email: `chidi.${run}@e2e.example`,
      billingAddress: { line1: '45 Market Street', city: 'Leeds', postalCode: 'LS1 6DT', country: 'UK' },
      password: 'another long password',
    }),
  });
  expect(res.status).toBe(201);
  return { name, postalCode: 'LS1 6DT' };
}

describe('Storefront self-service sign-up', () => {
  it('hides the sign-up links and says plainly that the flows are off', async () => {
    await setRegistration({ newAccount: { enabled: false }, newContact: { enabled: false } });
    const page = await newPage();
    await openStorePage(page, '/store/sign-in');
    await visible(page.getByRole('heading', { name: 'Sign in' }));
    expect(await page.getByTestId('store-sign-up-links').count()).toBe(0);
    await page.screenshot({ path: '/tmp/store-sign-in-no-links.png' });

    await openStorePage(page, '/store/register');
    await visible(page.getByRole('heading', { name: 'Creating an account online is not available' }));
    await page.screenshot({ path: '/tmp/store-register-off.png' });
    await openStorePage(page, '/store/join');
    await visible(
      page.getByRole('heading', { name: 'Creating a login for an existing account is not available' }),
    );
    await page.getByRole('link', { name: 'Back to sign-in' }).click();
    await page.waitForURL(`${baseUrl()}/store/sign-in`);
  });

  it('creates an account with immediate access and lands signed in', async () => {
    await setRegistration({
      newAccount: { enabled: true, access: 'immediate', linkText: 'Open a trade account' },
      newContact: { enabled: true, linkText: 'Get a login for your company’s account' },
      allowPersonalAccounts: true,
    });
    const run = unique();
    const page = await newPage();
    await openStorePage(page, '/store/sign-in');
    await visible(page.getByRole('link', { name: 'Get a login for your company’s account' }));
    await page.screenshot({ path: '/tmp/store-sign-in.png' });
    await page.getByRole('link', { name: 'Open a trade account' }).click();
    await page.waitForURL(`${baseUrl()}/store/register`);
    await visible(page.getByRole('heading', { name: 'Create an account' }));
    await page.screenshot({ path: '/tmp/store-register.png', fullPage: true });

    // Nothing filled in: every required field says what it needs, and the first one has the focus.
    await page.getByRole('button', { name: 'Create account' }).click();
    const company = page.getByLabel('Company name', { exact: true });
    await expect.poll(() => fieldError(company)).toBe('Enter your company name');
    expect(await fieldError(page.getByLabel('Email', { exact: true }))).toBe('Enter a valid email address');
    expect(await company.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.getByRole('alert').textContent()).toContain('Please correct the fields marked above');
    await page.screenshot({ path: '/tmp/store-register-errors.png', fullPage: true });

    const email = `ines.moreau.${run}@e2e.example`;
    await fillSignUp(page, {
      company: `Moreau Fixtures ${run}`,
      first: 'Inès',
      last: 'Moreau',
      email,
      password: 'harbor lights at dusk',
    });
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${baseUrl()}/store/account`);
    const signedInAs = await visible(page.getByTestId('store-signed-in-as'));
    expect(await signedInAs.textContent()).toContain('Inès Moreau');
    expect(await page.getByTestId('store-account-name').textContent()).toContain(`Moreau Fixtures ${run}`);
    await page.screenshot({ path: '/tmp/store-account.png' });

    const accounts = await api<{ items: Account[] }>('GET', `/api/accounts?q=${encodeURIComponent(run)}`);
    expect(accounts.items.map((a) => a.status)).toEqual(['active']);
    openedAccount = { name: `Moreau Fixtures ${run}`, postalCode: '97201' };
  });

  it('takes a request for approval: the “we’ll be in touch” page, and the email with the staff on cc', async () => {
    await setRegistration({ newAccount: { enabled: true, access: 'approval' } });
    await api('PATCH', '/api/email-templates/new-account-request-confirmation', { cc: [SALES_CC] });
    const run = unique();
    const email = `tomas.novak.${run}@e2e.example`;
    const page = await newPage();
    await openStorePage(page, '/store/register');
    await page.getByLabel('Myself (personal use)').check();
    expect(await page.getByLabel('Company name', { exact: true }).count()).toBe(0);
    await fillSignUp(page, { first: 'Tomáš', last: `Novák${run}`, email, password: 'quiet river stones' });
    await page.getByRole('button', { name: 'Create account' }).click();
    await visible(page.getByRole('heading', { name: 'Thanks — we’ll be in touch' }));
    expect(await page.getByTestId('store-request-received').textContent()).toContain('reviews every request');
    await page.screenshot({ path: '/tmp/store-register-pending.png' });

    // Not signed in.
    await page.goto(`${baseUrl()}/store/account`);
    await page.waitForURL(`${baseUrl()}/store/sign-in`);

    // An approval-mode request is a background job (the answer is the same for new and used emails).
    const emailsTo = () =>
      api<{ items: EmailMessage[] }>('GET', `/api/emails?to=${encodeURIComponent(email)}`);
    await expect.poll(async () => (await emailsTo()).items.length, { timeout: 15_000 }).toBe(1);
    const emails = await emailsTo();
    expect(emails.items[0]).toMatchObject({
      templateKey: 'new-account-request-confirmation',
      cc: [SALES_CC],
      subject: 'We received your account request',
    });
    expect(emails.items[0]!.text).toContain('1200 Harbor Way');
    const accounts = await api<{ items: Account[] }>('GET', `/api/accounts?q=${encodeURIComponent(run)}`);
    expect(accounts.items.map((a) => [a.kind, a.status])).toEqual([['personal', 'pending']]);
  });

  it('joins an existing account: wrong answers get one generic message, right ones a confirmation and a login', async () => {
    await setRegistration({
      newAccount: { enabled: true, access: 'immediate' },
      newContact: { enabled: true },
    });
    const run = unique();
    // An existing customer with a billing address (a sign-up makes one) and a recent invoice.
    const customer = openedAccount ?? (await openAccountThroughApi(run));
    const companyName = customer.name;
    const account = (
      await api<{ items: Account[] }>('GET', `/api/accounts?q=${encodeURIComponent(companyName)}`)
    ).items[0]!;
    const invoiceNumber = `INV-${run}`;
    await api('POST', '/api/invoices', {
      number: invoiceNumber,
      accountId: account.id,
      date: new Date().toISOString().slice(0, 10),
      amount: 1250,
      currency: 'GBP',
    });

    const page = await newPage();
    await openStorePage(page, '/store/sign-in');
    await page.getByRole('link', { name: 'Get a login for your company’s account' }).click();
    await page.waitForURL(`${baseUrl()}/store/join`);
    await visible(page.getByRole('heading', { name: 'Create a login for your company' }));
    await page.screenshot({ path: '/tmp/store-join-verify.png' });

    await page.getByLabel('Account number', { exact: true }).fill(account.number);
    await page.getByLabel('Billing ZIP / postal code', { exact: true }).fill(`${customer.postalCode}9`);
    await page.getByLabel('Invoice number', { exact: true }).fill(invoiceNumber);
    await page.getByRole('button', { name: 'Continue' }).click();
    const refusal = await visible(page.getByRole('alert'));
    expect(await refusal.textContent()).toBe(
      'These details don’t match our records. Check them against a recent invoice and try again.',
    );
    await page.screenshot({ path: '/tmp/store-join-wrong.png' });

    // The code as people type it: lower case, spaces and dashes as they come.
    await page
      .getByLabel('Billing ZIP / postal code', { exact: true })
      .fill(customer.postalCode.toLowerCase().replace(/^(..)/, '$1 '));
    await page.getByRole('button', { name: 'Continue' }).click();
    await visible(page.getByRole('heading', { name: 'Is this your company?' }));
    const shown = await page.getByTestId('join-account').textContent();
    expect(shown).toContain(companyName);
    expect(shown).toContain(customer.postalCode);
    await page.screenshot({ path: '/tmp/store-join-confirm.png', fullPage: true });

    const email = `amara.${run}@e2e.example`;
    await page.getByLabel('First name', { exact: true }).fill('Amara');
    await page.getByLabel('Last name', { exact: true }).fill('Okafor');
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill('bright market mornings');
    await page.getByLabel('Confirm password', { exact: true }).fill('bright market mornings');
    await page.getByRole('button', { name: 'Yes, create my login' }).click();
    await page.waitForURL(`${baseUrl()}/store/account`);
    expect(await (await visible(page.getByTestId('store-signed-in-as'))).textContent()).toContain(
      'Amara Okafor',
    );
    expect(await page.getByTestId('store-account-name').textContent()).toContain(companyName);
    await page.screenshot({ path: '/tmp/store-join-signed-in.png' });
  });
});
