import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/contracts/accounts.ts';
import type { Contact } from '../../src/contracts/contacts.ts';
import type { EmailMessage } from '../../src/contracts/emails.ts';
import {
  adminApi,
  baseUrl,
  fieldError,
  linkFromMail,
  useBrowser,
  useMailServer,
  unique,
  visible,
  type Api,
} from './browser.ts';

useMailServer();
const { newPage } = useBrowser();
let api: Api;

beforeAll(async () => {
  api = await adminApi();
});

/** Fills both password fields and submits the activation form. */
async function setPassword(page: Page, password: string) {
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Set password' }).click();
}

describe('Storefront', () => {
  it('activates a new contact from the welcome email, signs in, and refuses the used link', async () => {
    const run = unique();
    const account = await api<Account>('POST', '/api/accounts', {
      kind: 'business',
      name: `Lindqvist Trading ${run}`,
    });
    const email = `lena.lindqvist.${run}@e2e.example`;
    const contact = await api<Contact>('POST', `/api/accounts/${account.id}/contacts`, {
      email,
      firstName: 'Lena',
      lastName: 'Lindqvist',
      sendEmail: 'accountactivation',
    });
    expect(contact.hasLogin).toBe(false);

    const emails = await api<{ items: EmailMessage[] }>('GET', `/api/emails?to=${encodeURIComponent(email)}`);
    expect(emails.items).toHaveLength(1);
    // The log hides the link's token; the delivered email carries it.
    expect(emails.items[0]!.text).toContain('/store/activate?token=[hidden]');
    const link = await linkFromMail(email, '/store/activate');
    // The link points at the server's PUBLIC_URL.
    expect(new URL(link).origin).toBe(baseUrl());

    const page = await newPage();
    await page.goto(link);
    await visible(page.getByRole('heading', { name: 'Choose your password' }));
    await page.screenshot({ path: '/tmp/e2e-activate.png' });

    // Too short: an error under the field, nothing sent.
    await setPassword(page, 'short');
    const passwordInput = page.getByLabel('Password', { exact: true });
    await expect.poll(() => fieldError(passwordInput)).toBe('Use at least 10 characters');
    expect((await api<Contact>('GET', `/api/contacts/${contact.id}`)).hasLogin).toBe(false);

    const password = 'lena-store-password';
    await setPassword(page, password);
    await visible(page.getByRole('heading', { name: 'Your account is active' }));
    await page.screenshot({ path: '/tmp/e2e-activated.png' });
    expect((await api<Contact>('GET', `/api/contacts/${contact.id}`)).hasLogin).toBe(true);

    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl()}/store/sign-in`);
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl()}/store/account`);
    const signedInAs = await visible(page.getByTestId('store-signed-in-as'));
    expect(await signedInAs.textContent()).toContain('Lena Lindqvist');
    expect(await signedInAs.textContent()).toContain(email);
    expect(await page.getByTestId('store-account-name').textContent()).toContain(account.name);
    await page.screenshot({ path: '/tmp/e2e-store-account.png' });

    // The link works once: opened again, it says so before anything is typed.
    const again = await newPage();
    await again.goto(link);
    await visible(again.getByRole('heading', { name: 'This link was already used' }));
    expect(await again.getByRole('alert').textContent()).toContain('This link was already used');
    await visible(again.getByRole('link', { name: 'Sign in' }));
    await again.screenshot({ path: '/tmp/e2e-activate-used.png' });
  });
});
