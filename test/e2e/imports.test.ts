import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/contracts/accounts.ts';
import type { ContactSummary } from '../../src/contracts/contacts.ts';
import {
  adminApi,
  baseUrl,
  signedInContext,
  unique,
  useBrowser,
  UUID_PATH,
  visible,
  type Api,
} from './browser.ts';

const IMPORT_URL = new RegExp(`/imports/(${UUID_PATH})$`);

const { browser } = useBrowser();
let api: Api;
let context: BrowserContext | undefined;
const run = unique();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-e2e-imports-'));

beforeAll(async () => {
  api = await adminApi();
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function newPage(): Promise<Page> {
  context = await signedInContext(browser());
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

async function downloadText(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const file = await download.path();
  return { name: download.suggestedFilename(), text: fs.readFileSync(file, 'utf8') };
}

describe('the import wizard', () => {
  it('imports contacts from a semicolon CSV: suggested mapping, preview error, dry run, run, reports', async () => {
    const number = `E2E-ACC-${run}`;
    const account = await api<Account>('POST', '/api/accounts', {
      kind: 'business',
      name: `Imports Test Co ${run}`,
      number,
    });
    const anna = `anna.${run}@e2e.example`;
    const carl = `carl.${run}@e2e.example`;
    const csvPath = path.join(dir, `contacts-${run}.csv`);
    fs.writeFileSync(
      csvPath,
      [
        'E-mail;First Name;Last Name;Customer No.',
        `${anna};Anna;Berg;${number}`,
        `not-an-email;Bob;Stone;${number}`,
        `${carl};Carl;Dahl;${number}`,
      ].join('\r\n'),
    );
    const sourceName = `E2E contacts ${run}`;

    const page = await newPage();
    await page.goto(`${baseUrl()}/imports`);
    await visible(page.getByRole('heading', { name: 'Imports', level: 2 }));
    await page.getByRole('link', { name: 'New import' }).click();
    await page.waitForURL(`${baseUrl()}/imports/new`);

    // Step 1: what the file holds, the file and where it comes from.
    const main = page.getByRole('main');
    await main.getByText('Contacts', { exact: true }).click();
    expect(await page.getByTestId('type-hint').textContent()).toContain('by account number or account code');
    await page.getByLabel('File to import').setInputFiles(csvPath);
    await visible(page.getByTestId('chosen-file'));
    await page.getByLabel('Source name (optional)').fill(sourceName);
    await page.screenshot({ path: '/tmp/imports-source.png', fullPage: true });
    await page.getByRole('button', { name: 'Continue: map columns' }).click();
    await page.waitForURL(IMPORT_URL);
    const importId = IMPORT_URL.exec(page.url())![1]!;

    // Step 2: the suggested mapping picked the file's columns.
    await visible(page.getByTestId('mapping-table'));
    expect(await page.getByLabel('Email', { exact: true }).inputValue()).toBe('E-mail');
    expect(await page.getByLabel('First name', { exact: true }).inputValue()).toBe('First Name');
    expect(await page.getByLabel('Last name', { exact: true }).inputValue()).toBe('Last Name');
    expect(await page.getByLabel('Account number', { exact: true }).inputValue()).toBe('Customer No.');
    expect(await page.getByTestId('file-details').textContent()).toContain('separated by semicolons');
    // The preview marks the bad email of line 3 and lists it under the table.
    const preview = await visible(page.getByTestId('import-preview'));
    const badRow = preview.locator('tbody tr', { hasText: 'not-an-email' });
    expect(await badRow.locator('[data-invalid]').allInnerTexts()).toEqual(['not-an-email']);
    expect(await preview.locator('[data-invalid]').count()).toBe(1);
    const errors = await visible(page.getByTestId('preview-errors'));
    expect(await errors.textContent()).toMatch(/Line 3 · E-mail · .*email/i);
    await page.screenshot({ path: '/tmp/imports-mapping.png', fullPage: true });

    // Step 3: generated passwords instead of activation emails.
    await page.getByRole('button', { name: 'Next: options' }).click();
    await visible(page.getByRole('heading', { name: 'Logins for new contacts' }));
    await page.getByLabel('Generate passwords').check();
    await page.screenshot({ path: '/tmp/imports-options.png', fullPage: true });
    await page.getByRole('button', { name: 'Next: check and run' }).click();

    // Step 4: the dry run counts, then the run.
    await page.getByRole('button', { name: 'Dry run', exact: true }).click();
    const dry = await visible(page.getByTestId('dry-run-counts'), 30_000);
    expect(await dry.getByTestId('dry-run-counts-created').textContent()).toContain('2');
    expect(await dry.getByTestId('dry-run-counts-rejected').textContent()).toContain('1');
    expect(await dry.getByTestId('dry-run-counts-updated').textContent()).toContain('0');
    await page.screenshot({ path: '/tmp/imports-dry-run.png', fullPage: true });
    // Nothing is stored by the dry run.
    const before = await api<{ items: ContactSummary[] }>('GET', `/api/accounts/${account.id}/contacts`);
    expect(before.items).toHaveLength(0);

    await page.getByRole('button', { name: 'Run import' }).click();
    const counts = await visible(page.getByTestId('import-counts'), 30_000);
    await visible(page.getByRole('heading', { name: 'Import completed' }));
    expect(await counts.getByTestId('import-counts-created').textContent()).toContain('2');
    expect(await counts.getByTestId('import-counts-rejected').textContent()).toContain('1');
    await page.screenshot({ path: '/tmp/imports-completed.png', fullPage: true });

    const stored = await api<{ items: ContactSummary[] }>('GET', `/api/accounts/${account.id}/contacts`);
    expect(stored.items.map((c) => c.email).sort()).toEqual([anna, carl]);

    // The report of rejected rows names the line and the reason.
    const report = await downloadText(page, () =>
      page.getByTestId('report-links').getByRole('link', { name: 'CSV' }).click(),
    );
    expect(report.name).toMatch(/\.csv$/);
    const lines = report.text
      .replace(/^\ufeff/, '')
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).toMatch(/^Line,Column,Reason/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^3,E-mail,.*email/i);
    expect(lines[1]).toContain('not-an-email');

    // The generated passwords: once.
    const passwords = await downloadText(page, () =>
      page.getByRole('link', { name: 'Download passwords' }).click(),
    );
    expect(passwords.text).toContain(anna);
    expect(passwords.text).toContain(carl);
    await page.getByRole('link', { name: 'Download passwords' }).waitFor({ state: 'detached' });
    const again = await fetch(`${baseUrl()}/api/imports/${importId}/credentials`, {
      headers: { cookie: (await context!.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') },
    });
    expect(again.status).toBe(404);

    // The history lists it with its counts.
    await page.getByRole('link', { name: 'All imports' }).click();
    await page.waitForURL(`${baseUrl()}/imports`);
    const row = await visible(page.getByTestId('imports-table').locator('tbody tr', { hasText: sourceName }));
    const cells = await row.locator('td').allInnerTexts();
    expect(cells.slice(1, 7)).toEqual(['Contacts', 'Completed', '2', '0', '0', '1']);
    await page.screenshot({ path: '/tmp/imports-history.png', fullPage: true });
  });

  it('maps a column to a custom attribute and the contact page shows the value', async () => {
    const number = `E2E-ATTR-${run}`;
    await api<Account>('POST', '/api/accounts', { kind: 'business', name: `Attr Imports ${run}`, number });
    const label = `Jersey size ${run}`;
    const definition = await api<{ id: string; key: string }>('POST', '/api/attributes', {
      entity: 'contact',
      key: `jersey_${run}`.toLowerCase().replace(/[^a-z0-9_]/g, ''),
      type: 'select',
      label,
      options: [
        { value: 's', label: 'Small' },
        { value: 'l', label: 'Large' },
      ],
    });
    const email = `jo.${run}@e2e.example`;
    try {
      const page = await newPage();
      await page.goto(`${baseUrl()}/imports/new`);
      await page.getByRole('main').getByText('Contacts', { exact: true }).click();
      await page.getByRole('tab', { name: 'Paste rows' }).click();
      await page
        .getByLabel('Rows', { exact: true })
        .fill(
          ['Email\tFirst name\tLast name\tAccount number\tShirt', `${email}\tJo\tKim\t${number}\tlarge`].join(
            '\n',
          ),
        );
      await page.getByRole('button', { name: 'Continue: map columns' }).click();
      await page.waitForURL(IMPORT_URL);

      // The attribute is offered under the contact attributes; the column is chosen for it.
      const table = await visible(page.getByTestId('mapping-table'));
      expect(await table.textContent()).toContain('Contact attributes');
      await page.getByLabel(label, { exact: true }).click();
      await (await visible(page.getByRole('option', { name: 'Shirt', exact: true }))).click();
      expect(await page.getByLabel(label, { exact: true }).inputValue()).toBe('Shirt');
      await page.getByRole('button', { name: 'Next: options' }).click();
      await visible(page.getByRole('heading', { name: 'Logins for new contacts' }));
      await page.getByRole('button', { name: 'Next: check and run' }).click();
      await page.getByRole('button', { name: 'Run import' }).click();
      await visible(page.getByRole('heading', { name: 'Import completed' }), 30_000);

      const found = await api<{ items: ContactSummary[] }>(
        'GET',
        `/api/contacts?q=${encodeURIComponent(email)}`,
      );
      const contactId = found.items[0]!.id;
      await page.goto(`${baseUrl()}/contacts/${contactId}`);
      const card = await visible(page.getByTestId('attributes-card'));
      expect(await card.getByLabel(label, { exact: true }).inputValue()).toBe('Large');
      await page.screenshot({ path: '/tmp/imports-attribute.png', fullPage: true });
    } finally {
      await api('DELETE', `/api/attributes/${definition.id}`).catch(() => undefined);
    }
  });

  it('pasted rows: a missing required column holds the wizard on the mapping step', async () => {
    const page = await newPage();
    await page.goto(`${baseUrl()}/imports/new`);
    await page.getByRole('main').getByText('Contacts', { exact: true }).click();
    await page.getByRole('tab', { name: 'Paste rows' }).click();
    await page
      .getByLabel('Rows', { exact: true })
      .fill(['Email\tFirst name\tLast name', `pat.${run}@e2e.example\tPat\tLee`].join('\n'));
    await page.getByRole('button', { name: 'Continue: map columns' }).click();
    await page.waitForURL(IMPORT_URL);

    expect(await page.getByLabel('Email', { exact: true }).inputValue()).toBe('Email');
    const missing = await visible(page.getByTestId('missing-fields'));
    expect(await missing.textContent()).toContain('Account number or Account code');
    expect(await page.getByRole('button', { name: 'Next: options' }).isDisabled()).toBe(true);

    // A fixed value fills the account number for every row.
    await page.getByLabel('Account number', { exact: true }).click();
    await (await visible(page.getByRole('option', { name: 'Fixed value…' }))).click();
    await page.getByLabel('Account number: the value for every row').fill('E2E-NOWHERE');
    await page.getByTestId('mapping-table').click({ position: { x: 5, y: 5 } });
    expect(await page.getByTestId('missing-fields').count()).toBe(0);
    await page.getByRole('button', { name: 'Next: options' }).click();
    await visible(page.getByRole('heading', { name: 'Logins for new contacts' }));

    const id = IMPORT_URL.exec(page.url())![1]!;
    const saved = await api<{ mapping: Record<string, unknown>; format: string }>(
      'GET',
      `/api/imports/${id}`,
    );
    expect(saved.format).toBe('text');
    expect(saved.mapping.accountNumber).toEqual({ value: 'E2E-NOWHERE' });
  });
});
