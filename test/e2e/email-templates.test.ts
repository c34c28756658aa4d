import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/contracts/accounts.ts';
import type { Contact } from '../../src/contracts/contacts.ts';
import type { EmailTemplate, SystemEmailSummary } from '../../src/contracts/email-templates.ts';
import {
  adminApi,
  baseUrl,
  fieldError,
  launchBrowser,
  signedInContext,
  unique,
  visible,
  type Api,
} from './browser.ts';

let browser: Browser;
let api: Api;
let context: BrowserContext | undefined;
const run = unique();
const KEY = 'accountactivation';

beforeAll(async () => {
  browser = await launchBrowser();
  api = await adminApi();
});

afterAll(async () => {
  // Other test files read the shipped welcome email: leave it as it was, whatever happened here.
  await api?.('DELETE', `/api/email-templates/${KEY}/en`).catch(() => undefined);
  await api?.('DELETE', `/api/email-templates/${KEY}/fr`).catch(() => undefined);
  await api?.('PATCH', `/api/email-templates/${KEY}`, { cc: [], bcc: [] }).catch(() => undefined);
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

const previewSubject = (page: Page) => page.getByTestId('preview-subject').textContent();
const previewBody = (page: Page) =>
  page.frameLocator('iframe[title="Email preview"]').locator('body').textContent();

describe('Email templates', () => {
  it('edits the welcome email with a live preview, refuses invalid Liquid, and restores the default', async () => {
    const shipped = await api<EmailTemplate>('GET', `/api/email-templates/${KEY}/en`);
    expect(shipped.customised).toBe(false);
    const page = await newPage();

    await page.goto(`${baseUrl()}/email-templates`);
    await visible(page.getByRole('heading', { name: 'Email templates', level: 2 }));
    await visible(page.getByRole('switch', { name: 'Send “Welcome and activation”' }));
    await page.screenshot({ path: '/tmp/e2e-email-templates.png', fullPage: true });
    await page.getByRole('link', { name: 'Welcome and activation' }).click();
    await page.waitForURL(`${baseUrl()}/email-templates/${KEY}`);
    await visible(page.getByRole('heading', { name: 'Welcome and activation', level: 2 }));

    // The preview follows the unsaved edits, rendered with sample data.
    const subject = page.getByLabel('Subject', { exact: true });
    const html = page.getByLabel('HTML body', { exact: true });
    expect(await subject.inputValue()).toBe(shipped.subject);
    await expect.poll(() => previewSubject(page)).not.toContain('{{');
    await subject.fill(`Your account is ready, {{ contact.firstName }} (${run})`);
    await expect
      .poll(() => previewSubject(page))
      .toMatch(new RegExp(`^Your account is ready, \\S+ \\(${run}\\)$`));
    const editedHtml = `${shipped.html}\n<p>Questions? Reply to this email, {{ contact.firstName }}.</p>`;
    await html.fill(editedHtml);
    await expect.poll(() => previewBody(page)).toMatch(/Questions\? Reply to this email, \S+\./);
    await page.screenshot({ path: '/tmp/e2e-email-template-editor.png', fullPage: true });

    // Invalid Liquid: the error is under the HTML body with its line, and nothing is saved.
    await html.fill(`${editedHtml}\n{% if %}broken{% endif %}`);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const lines = editedHtml.split('\n').length + 1;
    await expect.poll(() => fieldError(html)).toMatch(new RegExp(`^line ${lines}\\b`));
    expect(await html.getAttribute('aria-invalid')).toBe('true');
    await visible(page.getByText('Nothing was saved.'));
    await visible(page.getByTestId('preview-error'));
    await page.screenshot({ path: '/tmp/e2e-email-template-invalid.png', fullPage: true });
    await page.reload();
    await visible(page.getByRole('heading', { name: 'Welcome and activation', level: 2 }));
    expect(await page.getByLabel('Subject', { exact: true }).inputValue()).toBe(shipped.subject);
    expect(await page.getByLabel('HTML body', { exact: true }).inputValue()).toBe(shipped.html);
    expect((await api<EmailTemplate>('GET', `/api/email-templates/${KEY}/en`)).customised).toBe(false);

    // A valid edit is saved, and the next welcome email uses it.
    await subject.fill(`Your account is ready, {{ contact.firstName }} (${run})`);
    await html.fill(editedHtml);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await visible(page.getByText('Template saved'));
    await expect
      .poll(async () => (await api<EmailTemplate>('GET', `/api/email-templates/${KEY}/en`)).customised)
      .toBe(true);
    expect(await page.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true);

    const account = await api<Account>('POST', '/api/accounts', { kind: 'business', name: `Edited ${run}` });
    const email = `olga.edited.${run}@e2e.example`;
    await api<Contact>('POST', `/api/accounts/${account.id}/contacts`, {
      email,
      firstName: 'Olga',
      lastName: 'Petrova',
      sendEmail: 'accountactivation',
    });
    await page.goto(`${baseUrl()}/emails?to=${encodeURIComponent(email)}`);
    const expectedSubject = `Your account is ready, Olga (${run})`;
    await (await visible(page.getByRole('link', { name: expectedSubject }))).click();
    const dialog = await visible(page.getByRole('dialog', { name: expectedSubject }));
    await expect
      .poll(() => dialog.frameLocator('iframe[title="Email HTML"]').locator('body').textContent())
      .toContain('Questions? Reply to this email, Olga.');
    expect(await dialog.textContent()).toContain(email);
    await page.screenshot({ path: '/tmp/e2e-email-message.png' });
    await dialog.getByRole('tab', { name: /Delivery attempts/ }).click();
    await visible(dialog.getByText('email delivery is not set up', { exact: false }));
    await page.keyboard.press('Escape');

    // Restore the shipped template, after a confirmation.
    await page.goto(`${baseUrl()}/email-templates/${KEY}`);
    expect(await page.getByLabel('Subject', { exact: true }).inputValue()).toBe(
      `Your account is ready, {{ contact.firstName }} (${run})`,
    );
    await page.getByRole('button', { name: 'Restore default' }).click();
    const confirm = await visible(page.getByRole('dialog', { name: 'Restore the default template?' }));
    await confirm.getByRole('button', { name: 'Restore default' }).click();
    await expect.poll(() => page.getByLabel('Subject', { exact: true }).inputValue()).toBe(shipped.subject);
    const restored = await api<EmailTemplate>('GET', `/api/email-templates/${KEY}/en`);
    expect(restored).toMatchObject({ customised: false, subject: shipped.subject, html: shipped.html });
  });

  it('saves cc and bcc, refusing an address that is not one, and adds a French template', async () => {
    const page = await newPage();
    await page.goto(`${baseUrl()}/email-templates/${KEY}`);
    await visible(page.getByRole('heading', { name: 'Welcome and activation', level: 2 }));

    const cc = page.getByLabel('Cc', { exact: true });
    await cc.fill('not-an-address');
    await cc.press('Enter');
    await expect.poll(() => fieldError(cc)).toBe('Not an email address: not-an-address');
    await cc.fill(`sales.${run}@e2e.example`);
    await cc.press('Enter');
    const bcc = page.getByLabel('Bcc', { exact: true });
    await bcc.fill(`audit.${run}@e2e.example`);
    await bcc.press('Enter');
    await page.getByLabel('Sender name', { exact: true }).fill('Onboarding team');
    await page.getByRole('button', { name: 'Save sending settings' }).click();
    await visible(page.getByText('Sending settings saved'));
    const list = await api<SystemEmailSummary[]>('GET', '/api/email-templates');
    expect(list.find((e) => e.key === KEY)).toMatchObject({
      cc: [`sales.${run}@e2e.example`],
      bcc: [`audit.${run}@e2e.example`],
      fromName: 'Onboarding team',
    });

    // Another language starts from the default content and exists once saved.
    await page.getByRole('button', { name: 'Add language' }).click();
    await page.getByLabel('Language code', { exact: true }).fill('fr');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL(/language=fr/);
    await visible(page.getByText('There is no French template yet'));
    await page.getByLabel('Subject', { exact: true }).fill('Bienvenue, {{ contact.firstName }} !');
    await expect.poll(() => previewSubject(page)).toMatch(/^Bienvenue, \S+ !$/);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await visible(page.getByText('The French template is saved'));
    await page.screenshot({ path: '/tmp/e2e-email-template-fr.png', fullPage: true });
    const fr = await api<EmailTemplate>('GET', `/api/email-templates/${KEY}/fr`);
    expect(fr).toMatchObject({
      language: 'fr',
      customised: true,
      subject: 'Bienvenue, {{ contact.firstName }} !',
    });

    await page.goto(`${baseUrl()}/email-templates`);
    const row = await visible(page.getByTestId(`system-email-${KEY}`));
    await expect.poll(() => row.textContent()).toContain('fr · edited');
    expect(await row.textContent()).toContain(`sales.${run}@e2e.example`);
  });

  it('changes the branding in Settings and shows it on the store pages', async () => {
    const before = await api<{ branding: { name: string; logoUrl: string | null; color: string } }>(
      'GET',
      '/api/settings',
    );
    try {
      const page = await newPage();
      await page.goto(`${baseUrl()}/settings`);
      await visible(page.getByRole('heading', { name: 'Settings', level: 2 }));
      const name = `Nordic Supply ${run}`;
      await page.getByLabel('Seller name', { exact: true }).fill(name);
      await page.getByLabel('Colour', { exact: true }).fill('#2f9e44');
      await expect.poll(() => page.getByTestId('email-header-preview').textContent()).toContain(name);
      await page.screenshot({ path: '/tmp/e2e-settings.png', fullPage: true });
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await visible(page.getByText('Branding saved'));
      expect((await api<typeof before>('GET', '/api/settings')).branding).toMatchObject({
        name,
        color: '#2f9e44',
      });

      await page.goto(`${baseUrl()}/store/sign-in`);
      await expect.poll(() => page.getByTestId('store-brand').textContent()).toBe(name);
      await page.screenshot({ path: '/tmp/e2e-store-branded.png' });
    } finally {
      await api('PATCH', '/api/settings', { branding: before.branding });
    }
  });
});
