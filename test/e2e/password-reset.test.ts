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
const run = unique();

beforeAll(async () => {
  api = await adminApi();
});

/**
 * The link to `path` in the newest delivered email to `to` (waiting for `atLeast` of them); the email
 * log holds the same email with its link hidden.
 */
async function linkFromEmail(to: string, templateKey: string, path: string, atLeast = 1): Promise<string> {
  // Requests for links are answered in a job: the delivery is what to wait for.
  const link = await linkFromMail(to, path, { atLeast });
  expect(new URL(link).origin).toBe(baseUrl());
  const emails = await api<{ items: EmailMessage[] }>(
    'GET',
    `/api/emails?to=${encodeURIComponent(to)}&templateKey=${templateKey}`,
  );
  expect(emails.items.length, `an email ${templateKey} to ${to}`).toBeGreaterThan(0);
  expect(emails.items[0]!.text).toContain(`${path}?token=[hidden]`);
  return link;
}

/** A contact who activated their login with `password`, through the API. */
async function activatedContact(firstName: string, password: string) {
  const account = await api<Account>('POST', '/api/accounts', {
    kind: 'business',
    name: `${firstName} Trading ${run}`,
  });
  const email = `${firstName.toLowerCase()}.${run}@e2e.example`;
  const contact = await api<Contact>('POST', `/api/accounts/${account.id}/contacts`, {
    email,
    firstName,
    lastName: 'Reset',
    sendEmail: 'accountactivation',
  });
  const link = await linkFromEmail(email, 'accountactivation', '/store/activate');
  const token = new URL(link).searchParams.get('token');
  const res = await fetch(`${baseUrl()}/api/store/activate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, password }),
  });
  expect(res.status).toBe(200);
  return { contact, email };
}

async function setNewPassword(page: Page, password: string, confirm = password) {
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password', { exact: true }).fill(confirm);
  await page.getByRole('button', { name: 'Set new password' }).click();
}

async function storeSignIn(page: Page, email: string, password: string) {
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('Password reset', () => {
  it('resets a store password from the emailed link; the old password and the used link stop working', async () => {
    const oldPassword = 'first-store-password';
    const newPassword = 'second-store-password';
    const { email } = await activatedContact('Ingrid', oldPassword);

    const page = await newPage();
    await page.goto(`${baseUrl()}/store/sign-in`);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.waitForURL(`${baseUrl()}/store/reset`);
    await visible(page.getByRole('heading', { name: 'Forgot your password?' }));
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    const answer = await visible(page.getByRole('status'));
    expect(await answer.textContent()).toContain('If an account uses this email');
    await page.screenshot({ path: '/tmp/e2e-store-forgot.png' });

    // An unknown email gets the very same answer.
    const unknown = await fetch(`${baseUrl()}/api/store/password-reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `nobody.${run}@e2e.example` }),
    });
    expect(unknown.status).toBe(202);
    expect(await answer.textContent()).toContain(((await unknown.json()) as { message: string }).message);

    const link = await linkFromEmail(email, 'password-reset', '/store/reset');
    await page.goto(link);
    await visible(page.getByRole('heading', { name: 'Choose a new password' }));
    const passwordInput = page.getByLabel('Password', { exact: true });
    await setNewPassword(page, 'short');
    await expect.poll(() => fieldError(passwordInput)).toBe('Use at least 10 characters');
    await setNewPassword(page, 'password123');
    await expect.poll(() => fieldError(passwordInput)).toMatch(/common passwords/);
    await page.screenshot({ path: '/tmp/e2e-store-reset-common.png' });
    await setNewPassword(page, newPassword);
    await visible(page.getByRole('heading', { name: 'Your password is changed' }));
    await page.screenshot({ path: '/tmp/e2e-store-reset-done.png' });

    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl()}/store/sign-in`);
    await storeSignIn(page, email, oldPassword);
    expect(await (await visible(page.getByRole('alert'))).textContent()).toContain(
      'The email or password is not correct.',
    );
    await page.getByLabel('Password', { exact: true }).fill(newPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl()}/store/account`);
    expect(await (await visible(page.getByTestId('store-signed-in-as'))).textContent()).toContain(email);

    // The link works once: opened again, it says so before anything is typed.
    const again = await newPage();
    await again.goto(link);
    await visible(again.getByRole('heading', { name: 'This link was already used' }));
    expect(await again.getByLabel('Password', { exact: true }).count()).toBe(0);
    expect(await again.getByRole('alert').textContent()).toContain('already used');
    await visible(again.getByRole('link', { name: 'Ask for a new link' }));
    await again.screenshot({ path: '/tmp/e2e-store-reset-used.png' });
  });

  it('offers a new activation link when the activation link cannot be used', async () => {
    const account = await api<Account>('POST', '/api/accounts', { kind: 'business', name: `Resend ${run}` });
    const email = `karl.resend.${run}@e2e.example`;
    await api<Contact>('POST', `/api/accounts/${account.id}/contacts`, {
      email,
      firstName: 'Karl',
      lastName: 'Resend',
      sendEmail: 'accountactivation',
    });
    const page = await newPage();
    await page.goto(`${baseUrl()}/store/activate?token=not-a-real-token-${run}`);
    // Said when the page opens, before a password is typed.
    await visible(page.getByRole('heading', { name: 'This link cannot be used' }));
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByRole('button', { name: 'Send me a new activation link' }).click();
    expect(await (await visible(page.getByRole('status'))).textContent()).toContain('new activation link');
    await page.screenshot({ path: '/tmp/e2e-store-activation-resend.png' });

    await expect
      .poll(
        async () =>
          (
            await api<{ items: EmailMessage[] }>(
              'GET',
              `/api/emails?to=${encodeURIComponent(email)}&templateKey=accountactivation`,
            )
          ).items.length,
      )
      .toBe(2);
    // The new link works.
    const link = await linkFromEmail(email, 'accountactivation', '/store/activate', 2);
    await page.goto(link);
    await page.getByLabel('Password', { exact: true }).fill('karl-store-password');
    await page.getByLabel('Confirm password', { exact: true }).fill('karl-store-password');
    await page.getByRole('button', { name: 'Set password' }).click();
    await visible(page.getByRole('heading', { name: 'Your account is active' }));
  });

  it('lets an employee choose a new portal password with “Forgot password?”', async () => {
    const employee = { email: `erik.staff.${run}@e2e.example`, password: 'erik-old-password' };
    await api('POST', '/api/employees', { ...employee, name: 'Erik Staff', roles: ['customerView'] });
    const page = await newPage();
    await page.goto(`${baseUrl()}/sign-in`);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.waitForURL(`${baseUrl()}/forgot-password`);
    // The page loads its own code: until it shows, the sign-in form (with its own Email field) stays.
    await visible(page.getByRole('heading', { name: 'Forgot your password?' }));
    await page.getByLabel('Email', { exact: true }).fill(employee.email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    expect(await (await visible(page.getByRole('status'))).textContent()).toContain(
      'If this email belongs to an employee',
    );
    await page.screenshot({ path: '/tmp/e2e-portal-forgot.png' });

    const link = await linkFromEmail(employee.email, 'employee-password-reset', '/reset-password');
    await page.goto(link);
    await visible(page.getByRole('heading', { name: 'Choose a new password' }));
    await setNewPassword(page, 'erik-new-password', 'erik-new-passwrod');
    await expect
      .poll(() => fieldError(page.getByLabel('Confirm password', { exact: true })))
      .toBe('The passwords do not match');
    await setNewPassword(page, 'erik-new-password');
    await visible(page.getByRole('heading', { name: 'Your password is changed' }));
    await page.screenshot({ path: '/tmp/e2e-portal-reset-done.png' });
    await page.getByRole('link', { name: 'Sign in with your new password' }).click();
    await page.waitForURL(`${baseUrl()}/sign-in`);
    await page.getByLabel('Email', { exact: true }).fill(employee.email);
    await page.getByLabel('Password', { exact: true }).fill('erik-new-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl()}/accounts`);
    expect(await (await visible(page.getByTestId('signed-in-as'))).textContent()).toContain(employee.email);

    // The link works once: opened again, it says so before anything is typed.
    const again = await newPage();
    await again.goto(link);
    await visible(again.getByRole('heading', { name: 'This link was already used' }));
  });
});
