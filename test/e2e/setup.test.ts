import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldError, useBrowser, visible } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';

// A second server, started without ADMIN_EMAIL/ADMIN_PASSWORD: on its empty database it prints a
// one-time setup link. The tests run in order: a made-up link, the real link, the link again.
let server: RunningServer;
let setupLink: string;
const { newPage } = useBrowser();
const founder = { email: 'founder@setup.example', name: 'Frida Founder', password: 'founder-password-1' };

beforeAll(async () => {
  server = await startServer();
  setupLink = await server.waitForOutput(/(https?:\/\/[^\s"\\]+\/setup\?token=[\w-]+)/);
});

afterAll(async () => {
  await server?.stop();
});

async function fillSetupForm(
  page: Page,
  form: { email: string; name?: string; password: string; confirm?: string },
) {
  await page.getByLabel('Email', { exact: true }).fill(form.email);
  await page.getByLabel('Name', { exact: true }).fill(form.name ?? '');
  await page.getByLabel('Password', { exact: true }).fill(form.password);
  await page.getByLabel('Confirm password', { exact: true }).fill(form.confirm ?? form.password);
  await page.getByRole('button', { name: 'Create administrator' }).click();
}

const employeeSignIn = (email: string, password: string) =>
  fetch(`${server.baseUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });

describe('First-administrator setup', () => {
  it('prints a setup link on the server’s PUBLIC_URL', () => {
    expect(new URL(setupLink).origin).toBe(server.baseUrl);
    expect(new URL(setupLink).pathname).toBe('/setup');
  });

  it('refuses a made-up link and says how to get a new one', async () => {
    const page = await newPage();
    await page.goto(`${server.baseUrl}/setup?token=${'x'.repeat(43)}`);
    // Said when the page opens, before anything is typed.
    await visible(page.getByRole('heading', { name: 'This setup link cannot be used' }));
    expect(await page.getByRole('alert').textContent()).toContain('This link is not valid');
    await visible(page.getByText('restart the Clientele server'));
    // Nothing was created.
    expect((await employeeSignIn(founder.email, founder.password)).status).toBe(401);
  });

  it('creates the first administrator from the link and opens Accounts', async () => {
    const page = await newPage();
    await page.goto(setupLink);
    await visible(page.getByText('Create the first administrator'));
    await page.screenshot({ path: '/tmp/e2e-setup.png' });

    // Checked in the browser: too short, then not matching.
    await fillSetupForm(page, { ...founder, password: 'short' });
    const password = page.getByLabel('Password', { exact: true });
    const confirm = page.getByLabel('Confirm password', { exact: true });
    await expect.poll(() => fieldError(password)).toBe('Use at least 10 characters');
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    await fillSetupForm(page, { ...founder, confirm: 'something-else-1' });
    await expect.poll(() => fieldError(confirm)).toBe('The passwords do not match');
    expect(await fieldError(password)).toBeNull();

    // Checked by the server (400 invalid_input): shown under the field.
    const email = page.getByLabel('Email', { exact: true });
    await fillSetupForm(page, { ...founder, email: 'not-an-email' });
    await expect.poll(() => fieldError(email)).toBeTruthy();
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: '/tmp/e2e-setup-errors.png' });

    await fillSetupForm(page, founder);
    await page.waitForURL(`${server.baseUrl}/accounts`);
    await visible(page.getByRole('heading', { name: 'Accounts', level: 2 }));
    expect(await page.getByTestId('signed-in-as').textContent()).toContain(founder.name);
    await visible(page.getByRole('link', { name: 'Employees' }));

    // A real administrator: it can sign in with the chosen password.
    const signIn = await employeeSignIn(founder.email, founder.password);
    expect(signIn.status).toBe(200);
    expect(await signIn.json()).toMatchObject({
      employee: { email: founder.email, name: founder.name, roles: ['administrator'] },
    });

    // The same browser, still signed in, opens the link again.
    await page.goto(setupLink);
    await visible(page.getByRole('heading', { name: 'Clientele is already set up' }));
    await visible(page.getByRole('link', { name: 'Open the Operations Portal' }));
  });

  it('says Clientele is already set up when the link is opened again', async () => {
    const page = await newPage();
    await page.goto(setupLink);
    // Said when the page opens: the link was used.
    await visible(page.getByRole('heading', { name: 'Clientele is already set up' }));
    await page.screenshot({ path: '/tmp/e2e-setup-done.png' });
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.baseUrl}/sign-in`);
    await visible(page.getByRole('button', { name: 'Sign in' }));
    expect((await employeeSignIn('second@setup.example', 'second-password-1')).status).toBe(401);
  });
});
