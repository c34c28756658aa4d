import fs from 'node:fs';
import path from 'node:path';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Locator,
  type Page,
} from 'playwright-core';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

// Vitest evaluates this module afresh for every test file, so the switch below holds for one file.
let mailServer = false;

/** The server the calling test file talks to: the one that keeps emails in its log, unless `useMailServer`. */
export const baseUrl = () => inject(mailServer ? 'mailBaseUrl' : 'baseUrl');

/**
 * Makes this test file talk to the server that delivers its emails over SMTP (to a mailbox folder):
 * for tests that follow an emailed link, whose token only the delivered message holds.
 */
export function useMailServer(): void {
  mailServer = true;
}

type MailboxMessage = { to: string[]; subject: string; text: string; html: string };

/**
 * The link to `path` (`/store/activate`, …) in the newest message delivered to `to`, as its recipient
 * reads it; waits for the delivery (of at least `atLeast` such messages). The link must be the same in the text and the HTML body.
 */
export async function linkFromMail(
  to: string,
  linkPath: string,
  options: { atLeast?: number; timeoutMs?: number } = {},
): Promise<string> {
  const { atLeast = 1, timeoutMs = 30_000 } = options;
  const dir = inject('mailDir');
  const pattern = new RegExp(`https?://[^\\s"<]+${linkPath.replace(/[/?]/g, '\\$&')}\\?token=[\\w-]+`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const messages = fs
      .readdirSync(dir)
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as MailboxMessage)
      .filter((m) => m.to.includes(to.toLowerCase()) && pattern.test(m.text));
    const newest = messages.length >= atLeast ? messages.at(-1) : undefined;
    if (newest) {
      const link = pattern.exec(newest.text)![0];
      if (!newest.html.includes(link.replace(/&/g, '&amp;')))
        throw new Error(`the HTML of the email to ${to} does not hold the link of its text`);
      return link;
    }
    if (Date.now() > deadline)
      throw new Error(`no email to ${to} with a ${linkPath} link within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The hooks of a test file that drives Chromium: one browser for the file, and each test's pages in
 * fresh contexts that are closed after it. Call at the top level of the file.
 */
export function useBrowser(): {
  newPage: () => Promise<Page>;
  /**
   * A page of a context already signed in as the administrator (see `signedInContext`); `bypassCSP: true`
   * in the options lets axe in (see axe.ts).
   */
  signedInPage: (options?: BrowserContextOptions) => Promise<Page>;
  browser: () => Browser;
} {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  const pageOf = async (context: BrowserContext) => {
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    return page;
  };
  return {
    browser: () => browser!,
    newPage: async () => pageOf(await browser!.newContext({ viewport: { width: 1280, height: 900 } })),
    signedInPage: async (options) => pageOf(await signedInContext(browser!, undefined, undefined, options)),
  };
}

/** Signs in through the API; resolves to the session cookie as a `Cookie` header value. */
export async function apiSignIn(email: string, password: string): Promise<string> {
  return signInOnce(email, password);
}

// Sign-in is rate limited per email (10 a minute): a test file signs each employee in once and shares
// the session between its API calls and browser contexts.
const sessions = new Map<string, Promise<string>>();
function signInOnce(email: string, password: string): Promise<string> {
  const key = `${email}\n${password}`;
  let cookie = sessions.get(key);
  if (!cookie) {
    cookie = freshSignIn(email, password);
    sessions.set(key, cookie);
    cookie.catch(() => sessions.delete(key));
  }
  return cookie;
}

async function freshSignIn(email: string, password: string): Promise<string> {
  const signIn = await fetch(`${baseUrl()}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!signIn.ok) throw new Error(`sign-in of ${email} failed: ${signIn.status}`);
  return signIn.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

export type Api = <T>(method: string, url: string, body?: unknown) => Promise<T>;

/** Calls the API as the administrator, to arrange data a test needs. */
export async function adminApi(): Promise<Api> {
  const cookie = await apiSignIn(inject('adminEmail'), inject('adminPassword'));
  return async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl()}${url}`, {
      method,
      headers: { cookie, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${url} → ${res.status}: ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  };
}

/**
 * A fresh browser context that is already signed in (the cookie of an API sign-in), for tests
 * that are not about signing in. Sign-in is rate limited per email, so tests should not all use the form.
 */
export async function signedInContext(
  browser: Browser,
  email: string = inject('adminEmail'),
  password: string = inject('adminPassword'),
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const cookie = await apiSignIn(email, password);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  await context.addCookies(
    cookie.split('; ').map((pair) => {
      const i = pair.indexOf('=');
      return { name: pair.slice(0, i), value: pair.slice(i + 1), url: baseUrl() };
    }),
  );
  return context;
}

/** Waits until the locator is visible (Playwright's auto-waiting, without its test runner's `expect`). */
export async function visible(locator: Locator, timeout = 10_000): Promise<Locator> {
  await locator.waitFor({ state: 'visible', timeout });
  return locator;
}

/** A unique suffix, so tests sharing the server do not collide. */
export const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export const UUID_PATH = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

export async function signInToPortal(page: Page, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl()}/`);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The error message shown under a form field (Mantine links it with aria-describedby), or null. */
export async function fieldError(input: Locator): Promise<string | null> {
  const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(/\s+/);
  const errorId = ids.find((id) => id.endsWith('-error'));
  if (!errorId) return null;
  const error = input.page().locator(`[id="${errorId}"]`);
  return (await error.count()) > 0 ? error.textContent() : null;
}
