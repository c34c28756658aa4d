import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Account } from '../../src/contracts/accounts.ts';
import type { Contact } from '../../src/contracts/contacts.ts';
import type { EmailTemplate } from '../../src/contracts/email-templates.ts';
import type { CustomerGroup } from '../../src/contracts/customer-groups.ts';
import type { Settings } from '../../src/contracts/settings.ts';
import { seriousViolations } from './axe.ts';
import { adminApi, apiSignIn, baseUrl, unique, useBrowser, type Api } from './browser.ts';

/** A page (and the dialogs it opens) to check: what to wait for, and the buttons that open dialogs. */
type Stop = { url: string; ready: (page: Page) => Promise<void>; dialogs?: string[] };

const heading = (name: string | RegExp) => async (page: Page) => {
  await page.getByRole('heading', { name }).first().waitFor({ state: 'visible' });
};

/** Waits until the page has settled: no request in flight, no loader or skeleton showing. */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => undefined);
  await page
    .waitForFunction(
      () => !document.querySelector('.mantine-Loader-root, .mantine-Skeleton-root[data-visible]'),
      undefined,
      { timeout: 10_000 },
    )
    .catch(() => undefined);
  // Mantine transitions (fades of modals, popovers) last up to 200 ms; colours mid-fade are not final.
  await page.waitForTimeout(300);
}

describe('accessibility (axe-core)', () => {
  const { browser } = useBrowser();
  const contexts: BrowserContext[] = [];
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  /** A page whose context lets axe's script in past the Content-Security-Policy (script-src 'self'). */
  const pageFor = async (signedIn: boolean): Promise<Page> => {
    const context = await browser().newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    contexts.push(context);
    if (signedIn) {
      const cookie = await apiSignIn(inject('adminEmail'), inject('adminPassword'));
      await context.addCookies(
        cookie.split('; ').map((pair) => {
          const i = pair.indexOf('=');
          return { name: pair.slice(0, i), value: pair.slice(i + 1), url: baseUrl() };
        }),
      );
    }
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return page;
  };
  let api: Api;
  let account: Account;
  let groupId: string;
  let contact: Contact;
  let settingsBefore: Settings;
  const run = unique();

  beforeAll(async () => {
    api = await adminApi();
    settingsBefore = await api<Settings>('GET', '/api/settings');
    // Demo-like data, so lists, cards and tables are not empty.
    await api('POST', '/api/roles', { key: `buyer-${run}`, name: `Buyer ${run}` });
    await api('POST', '/api/group-roles', {
      key: `purchasing-${run}`,
      name: `Purchasing ${run}`,
      roles: [`buyer-${run}`],
    });
    const group = await api<CustomerGroup>('POST', '/api/customer-groups', {
      key: `dealers-${run}`,
      name: `Dealers ${run}`,
    });
    groupId = group.id;
    await api('PATCH', `/api/customer-groups/${group.id}`, { password: 'a-shared-password-1' });
    account = await api<Account>('POST', '/api/accounts', {
      kind: 'business',
      name: `Axe Trading ${run}`,
      code: `AX${run}`,
    });
    await api('POST', '/api/invoices', {
      accountId: account.id,
      number: `INV-${run}`,
      date: new Date().toISOString().slice(0, 10),
      amount: '120.50',
      currency: 'EUR',
    }).catch(() => undefined);
    contact = await api<Contact>('POST', `/api/accounts/${account.id}/contacts`, {
      email: `axe.${run}@e2e.example`,
      firstName: 'Ada',
      lastName: 'Axe',
      phone: '+1 555 0100',
      roles: [`buyer-${run}`],
      groupRoles: [`purchasing-${run}`],
      customerGroups: [`dealers-${run}`],
      sendEmail: 'accountactivation',
    });
    await api('POST', '/api/employees', {
      email: `axe.employee.${run}@e2e.example`,
      name: 'Axel Employee',
      roles: ['customerView'],
      password: 'an-employee-password-1',
    }).catch(() => undefined);
    // A template edit, so the audit log shows a text diff (a scrollable region) whatever ran before.
    const template = await api<EmailTemplate>('GET', '/api/email-templates/password-reset/en');
    await api('PUT', '/api/email-templates/password-reset/en', {
      subject: template.subject,
      html: template.html,
      text: `${template.text}\n${Array.from({ length: 40 }, (_, i) => `Line ${i} of ${run}`).join('\n')}`,
    });
    // The storefront pages show their forms only when sign-up is on.
    await api('PATCH', '/api/settings', {
      registration: { newAccount: { enabled: true }, newContact: { enabled: true } },
    });
  });

  afterAll(async () => {
    await api?.('DELETE', '/api/email-templates/password-reset/en').catch(() => undefined);
    await api?.('PATCH', '/api/settings', {
      registration: {
        newAccount: { enabled: settingsBefore.registration.newAccount.enabled },
        newContact: { enabled: settingsBefore.registration.newContact.enabled },
      },
    });
  });

  async function check(page: Page, stop: Stop, problems: string[]): Promise<void> {
    await page.goto(`${baseUrl()}${stop.url}`);
    await stop.ready(page);
    await settle(page);
    problems.push(...(await seriousViolations(page, stop.url)));
    for (const name of stop.dialogs ?? []) {
      await page.getByRole('button', { name, exact: true }).first().click();
      const dialog = page.getByRole('dialog').last();
      await dialog.waitFor({ state: 'visible' });
      await settle(page);
      problems.push(...(await seriousViolations(page, `${stop.url} › dialog “${name}”`)));
      // Closed by its close button, found by its accessible name.
      await dialog.getByRole('button', { name: 'Close', exact: true }).first().click();
      await dialog.waitFor({ state: 'hidden' });
    }
  }

  it(
    'finds no serious or critical violation on any portal page or dialog',
    { timeout: 300_000 },
    async () => {
      const page = await pageFor(true);
      const stops: Stop[] = [
        { url: '/accounts', ready: heading('Accounts'), dialogs: ['New account'] },
        {
          url: `/accounts/${account.id}`,
          ready: heading(account.name),
          dialogs: ['Add contact', 'Add multiple contacts', 'Add address', 'Add invoice'],
        },
        { url: `/customer-groups/${groupId}`, ready: heading(`Dealers ${run}`) },
        { url: '/contacts', ready: heading('Contacts'), dialogs: ['Add contact', 'Add multiple contacts'] },
        { url: `/contacts/${contact.id}`, ready: heading('Ada Axe') },
        { url: '/employees', ready: heading('Employees'), dialogs: ['New employee'] },
        { url: '/roles', ready: heading('Roles & group roles'), dialogs: ['New role', 'New group role'] },
        { url: '/customer-groups', ready: heading('Customer groups'), dialogs: ['New group'] },
        { url: '/api-keys', ready: heading('API keys'), dialogs: ['New API key'] },
        { url: '/audit', ready: heading(/audit/i) },
        { url: '/emails', ready: heading('Email log') },
        { url: '/email-templates', ready: heading('Email templates') },
        { url: '/email-templates/accountactivation', ready: heading(/welcome|activation/i) },
        { url: '/imports', ready: heading('Imports') },
        { url: '/imports/new', ready: heading(/import/i) },
        { url: '/approvals', ready: heading(/approv/i) },
        { url: '/settings', ready: heading('Settings') },
        { url: '/settings/integrations', ready: heading('Webhooks'), dialogs: ['Add endpoint'] },
      ];
      const problems: string[] = [];
      for (const stop of stops) await check(page, stop, problems);

      // The settings tabs added with the customer record: the lists the seller keeps, the attribute editor.
      await page.goto(`${baseUrl()}/settings`);
      await heading('Settings')(page);
      for (const tab of ['Customer data', 'Custom attributes']) {
        await page.getByRole('tab', { name: tab, exact: true }).click();
        await settle(page);
        problems.push(...(await seriousViolations(page, `/settings › ${tab}`)));
      }

      // The email log's detail dialog, opened from its first row.
      await page.goto(`${baseUrl()}/emails`);
      await page.locator('tbody tr').first().click();
      const emailDialog = page.getByRole('dialog').last();
      await emailDialog.waitFor({ state: 'visible' });
      await settle(page);
      problems.push(...(await seriousViolations(page, '/emails › email dialog')));

      expect(problems, `\n${problems.join('\n\n')}\n`).toEqual([]);
    },
  );

  it(
    'finds no serious or critical violation on the sign-in and storefront pages',
    { timeout: 90_000 },
    async () => {
      const page = await pageFor(false);
      const form = async (p: Page) => {
        await p.locator('form, [role="alert"], h1, h2').first().waitFor({ state: 'visible' });
      };
      const stops: Stop[] = [
        { url: '/sign-in', ready: form },
        { url: '/forgot-password', ready: form },
        { url: '/reset-password?token=not-a-token', ready: form },
        { url: '/store/sign-in', ready: form },
        { url: '/store/register', ready: form },
        { url: '/store/join', ready: form },
        { url: '/store/activate?token=not-a-token', ready: form },
        { url: '/store/reset', ready: form },
        { url: '/store/account', ready: form },
      ];
      const problems: string[] = [];
      for (const stop of stops) await check(page, stop, problems);
      expect(problems, `\n${problems.join('\n\n')}\n`).toEqual([]);
    },
  );
});
