import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/contracts/accounts.ts';
import type { EmailMessage } from '../../src/contracts/emails.ts';
import { launchBrowser, unique, visible } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';

const ADMIN = { email: 'admin@email-log.example', password: 'email-log-admin-password' };
const run = unique();

let browser: Browser;
let server: RunningServer;
let smtp: SMTPServer;
let context: BrowserContext | undefined;
/** While true, the SMTP server refuses every recipient for good (550). */
let bouncing = true;
const delivered: string[] = [];

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!bouncing) return callback();
      const err = Object.assign(new Error('5.1.1 Mailbox unavailable'), { responseCode: 550 });
      callback(err);
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        delivered.push(...session.envelope.rcptTo.map((r) => r.address));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  [browser, server] = await Promise.all([
    launchBrowser(),
    startServer({
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      LOG_LEVEL: 'warn',
    }),
  ]);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.stop();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});

async function api<T>(cookie: string, method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.baseUrl}${url}`, {
    method,
    headers: { cookie, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

async function signedInPage(): Promise<{ page: Page; cookie: string }> {
  const res = await fetch(`${server.baseUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  expect(res.ok).toBe(true);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addCookies(
    cookie.split('; ').map((pair) => {
      const i = pair.indexOf('=');
      return { name: pair.slice(0, i), value: pair.slice(i + 1), url: server.baseUrl };
    }),
  );
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { page, cookie };
}

describe('Email log with SMTP delivery', () => {
  it('shows a bounced email with its attempts and last error, and re-sends it', async () => {
    const { page, cookie } = await signedInPage();
    const account = await api<Account>(cookie, 'POST', '/api/accounts', {
      kind: 'business',
      name: `Bounce ${run}`,
    });
    const email = `nora.bounce.${run}@e2e.example`;
    await api(cookie, 'POST', `/api/accounts/${account.id}/contacts`, {
      email,
      firstName: 'Nora',
      lastName: 'Bounce',
      sendEmail: 'accountactivation',
    });
    // The worker tries once and gives up at once on a permanent (5xx) refusal.
    const list = () =>
      api<{ items: EmailMessage[] }>(cookie, 'GET', `/api/emails?to=${encodeURIComponent(email)}`);
    await expect.poll(async () => (await list()).items[0]?.status, { timeout: 30_000 }).toBe('failed');
    const [failed] = (await list()).items;

    await page.goto(`${server.baseUrl}/emails?status=failed`);
    await visible(page.getByRole('heading', { name: 'Email log', level: 2 }));
    expect(await page.getByLabel('Status', { exact: true }).inputValue()).toBe('Failed');
    await (await visible(page.getByRole('link', { name: failed!.subject }))).click();
    const dialog = await visible(page.getByRole('dialog', { name: failed!.subject }));
    await visible(dialog.getByText('Last error'));
    expect(await dialog.textContent()).toContain('Mailbox unavailable');
    await dialog.getByRole('tab', { name: /Delivery attempts/ }).click();
    const attempts = await visible(dialog.getByTestId('email-attempts'));
    expect(await attempts.textContent()).toContain('permanent failure');
    expect(await attempts.textContent()).toContain('550');
    await page.screenshot({ path: '/tmp/e2e-email-log-failed.png' });

    // The mailbox is fixed: a re-send is a new email, which is delivered.
    bouncing = false;
    await dialog.getByRole('button', { name: 'Resend' }).click();
    await visible(page.getByText(`A new copy to ${email} was`));
    await expect.poll(() => list().then((l) => l.items.length)).toBe(2);
    await expect.poll(async () => (await list()).items[0]?.status, { timeout: 30_000 }).toBe('sent');
    expect(delivered).toContain(email);
    // The dialog now shows the new email, and follows its delivery.
    const resent = (await list()).items[0]!;
    expect(resent.id).not.toBe(failed!.id);
    expect(new URL(page.url()).searchParams.get('id')).toBe(resent.id);
    await expect
      .poll(() => page.getByRole('dialog').getByText('sent', { exact: true }).count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    await page.screenshot({ path: '/tmp/e2e-email-log-resent.png' });
  });
});
