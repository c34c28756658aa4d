import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/contracts/accounts.ts';
import type { ContactSummary } from '../../src/contracts/contacts.ts';
import type { CustomerGroup } from '../../src/contracts/customer-groups.ts';
import { adminApi, baseUrl, unique, useBrowser, visible, type Api } from './browser.ts';

let api: Api;
const run = unique();

beforeAll(async () => {
  api = await adminApi();
});

const { signedInPage: newPage } = useBrowser();

describe('Customer groups and adding multiple contacts', () => {
  it('creates a group, then adds pasted contacts to an account and the group, with generated passwords', async () => {
    const account = await api<Account>('POST', '/api/accounts', {
      kind: 'business',
      name: `Messe Nord ${run}`,
    });
    const groupName = `Spring fair ${run}`;
    const page = await newPage();

    // The group first: "the customer group needs to be created before adding the customer in it".
    await page.goto(`${baseUrl()}/customer-groups`);
    await visible(page.getByRole('heading', { name: 'Customer groups', level: 2 }));
    await page.getByRole('button', { name: 'New group' }).click();
    const create = await visible(page.getByRole('dialog', { name: 'New customer group' }));
    await create.getByLabel('Name', { exact: true }).fill(groupName);
    // The key follows the name until edited.
    expect(await create.getByLabel('Key', { exact: true }).inputValue()).toBe(`spring-fair-${run}`);
    await create.getByRole('button', { name: 'Create group' }).click();
    const row = await visible(page.getByRole('row', { name: new RegExp(groupName) }));
    expect(await row.textContent()).toContain('0 contacts');

    // A shared password with a validity window.
    await page.getByRole('button', { name: `Edit group spring-fair-${run}` }).click();
    const edit = await visible(page.getByRole('dialog', { name: `Edit customer group spring-fair-${run}` }));
    await edit.getByLabel('Shared password', { exact: true }).fill('spring-fair-password');
    await edit.getByLabel('Valid until', { exact: true }).fill('2030-06-30T18:00');
    await edit.getByRole('button', { name: 'Save' }).click();
    await visible(row.getByText('Set', { exact: true }));
    await page.screenshot({ path: '/tmp/e2e-customer-groups.png' });
    const group = (await api<{ items: CustomerGroup[] }>('GET', '/api/customer-groups')).items.find(
      (g) => g.name === groupName,
    )!;
    expect(group).toMatchObject({
      hasPassword: true,
      loginValidUntil: expect.stringMatching(/^2030-06-30T/),
    });

    // Paste three lines, one of them invalid, on the account's page.
    await page.goto(`${baseUrl()}/accounts/${account.id}`);
    await visible(page.getByRole('heading', { name: account.name }));
    await page.getByRole('button', { name: 'Add multiple contacts' }).click();
    const dialog = await visible(page.getByRole('dialog', { name: 'Add multiple contacts' }));
    // The account of the page is chosen already.
    expect(await dialog.getByRole('combobox', { name: 'Account', exact: true }).inputValue()).toContain(
      account.name,
    );
    await dialog
      .getByLabel('Contacts', { exact: true })
      .fill(
        [
          `lena.meyer.${run}@e2e.example, Lena, Meyer, +49 40 1234`,
          `not-an-email; Otto; Kaputt`,
          `jonas.wolf.${run}@e2e.example;Jonas;Wolf`,
        ].join('\n'),
      );
    await dialog.getByRole('combobox', { name: 'Customer groups' }).click();
    await (
      await visible(page.getByRole('option', { name: `${groupName} (${group.key}) · shared password` }))
    ).click();
    // Close the dropdown by focusing elsewhere in the dialog (Escape would close the dialog).
    await dialog.getByLabel('Contacts', { exact: true }).click();
    await dialog.getByRole('radio', { name: 'Generate a password for each' }).check();
    await page.screenshot({ path: '/tmp/e2e-bulk-add-form.png' });
    await dialog.getByRole('button', { name: 'Add 3 contacts' }).click();

    const results = await visible(page.getByTestId('bulk-add-results'));
    const rows = await results.locator('tbody tr').allInnerTexts();
    expect(rows).toEqual([
      expect.stringMatching(new RegExp(`^1\\s+lena\\.meyer\\.${run}@e2e\\.example\\s+Created`)),
      expect.stringMatching(/^2\s+not-an-email\s+Invalid\s+email: Enter a valid email address/),
      expect.stringMatching(new RegExp(`^3\\s+jonas\\.wolf\\.${run}@e2e\\.example\\s+Created`)),
    ]);
    const summary = await page.getByRole('dialog', { name: 'Contacts added' }).textContent();
    expect(summary).toContain('2 created');
    expect(summary).toContain('1 invalid');
    expect(summary).toContain('shown only this once');
    await page.screenshot({ path: '/tmp/e2e-bulk-add-results.png' });

    // The generated passwords, once, as a CSV built in the browser.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download passwords (CSV)' }).click(),
    ]);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    const lines = csv.trim().split(/\r\n/);
    expect(lines[0]).toBe('email,password');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^"lena\\.meyer\\.${run}@e2e\\.example","[\\w-]{19}"$`)),
      expect.stringMatching(new RegExp(`^"jonas\\.wolf\\.${run}@e2e\\.example","[\\w-]{19}"$`)),
    ]);
    await page.getByRole('button', { name: 'Done' }).click();

    // The new contacts are on the account's list, with their login, and in the group.
    const contactRows = page.locator('tbody tr');
    await expect
      .poll(() => contactRows.allInnerTexts(), { timeout: 10_000 })
      .toEqual(
        expect.arrayContaining([
          expect.stringContaining(`lena.meyer.${run}@e2e.example`),
          expect.stringContaining(`jonas.wolf.${run}@e2e.example`),
        ]),
      );
    expect(await contactRows.count()).toBe(2);
    const listed = await api<{ items: ContactSummary[] }>('GET', `/api/accounts/${account.id}/contacts`);
    expect(listed.items.map((c) => [c.firstName, c.hasLogin]).sort()).toEqual([
      ['Jonas', true],
      ['Lena', true],
    ]);
    const refreshed = (await api<{ items: CustomerGroup[] }>('GET', '/api/customer-groups')).items.find(
      (g) => g.id === group.id,
    );
    expect(refreshed?.contactCount).toBe(2);
  });

  it('deletes a group in use only by moving its members to another group', async () => {
    const account = await api<Account>('POST', '/api/accounts', { kind: 'business', name: `Umzug ${run}` });
    const contact = await api<{ id: string }>('POST', `/api/accounts/${account.id}/contacts`, {
      email: `mo.ver.${run}@e2e.example`,
      firstName: 'Mo',
      lastName: 'Ver',
    });
    const from = await api<CustomerGroup>('POST', '/api/customer-groups', {
      key: `old-${run}`,
      name: `Old fair ${run}`,
    });
    const to = await api<CustomerGroup>('POST', '/api/customer-groups', {
      key: `new-${run}`,
      name: `New fair ${run}`,
    });
    await api('POST', `/api/customer-groups/${from.id}/members`, {
      contactIds: [contact.id],
      accountIds: [account.id],
    });
    const page = await newPage();
    await page.goto(`${baseUrl()}/customer-groups`);
    await page.getByRole('button', { name: `Delete group old-${run}` }).click();
    const dialog = await visible(
      page.getByRole('dialog', { name: `Delete customer group Old fair ${run}?` }),
    );
    expect(await dialog.textContent()).toContain('This group has 1 contact and 1 account');
    const confirm = dialog.getByRole('button', { name: 'Move members and delete' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByRole('combobox', { name: 'Move members to' }).click();
    await (await visible(page.getByRole('option', { name: `New fair ${run} (new-${run})` }))).click();
    await page.screenshot({ path: '/tmp/e2e-customer-group-delete.png' });
    await confirm.click();

    await visible(page.getByText(`its members moved to New fair ${run}`));
    expect(await page.getByRole('row', { name: new RegExp(`Old fair ${run}`) }).count()).toBe(0);
    expect(await page.getByRole('row', { name: new RegExp(`New fair ${run}`) }).textContent()).toContain(
      '1 contact',
    );
    const moved = await api<{ customerGroups: string[] }>('GET', `/api/contacts/${contact.id}`);
    expect(moved.customerGroups).toEqual([to.key]);
  });

  it('stores nothing with "all or nothing" and one invalid line, and says so', async () => {
    const account = await api<Account>('POST', '/api/accounts', { kind: 'business', name: `Strikt ${run}` });
    const page = await newPage();
    await page.goto(`${baseUrl()}/contacts`);
    await page.getByRole('button', { name: 'Add multiple contacts' }).click();
    const dialog = await visible(page.getByRole('dialog', { name: 'Add multiple contacts' }));
    await dialog.getByRole('combobox', { name: 'Account', exact: true }).fill(account.name);
    await (await visible(page.getByRole('option', { name: new RegExp(account.name) }))).click();
    await dialog
      .getByLabel('Contacts', { exact: true })
      .fill(`ok.${run}@e2e.example\tOk\tFine\nbroken\tNo\tGood`);
    await dialog.getByRole('checkbox', { name: 'All or nothing' }).check();
    await dialog.getByRole('button', { name: 'Add 2 contacts' }).click();

    await visible(page.getByRole('dialog', { name: 'Check the lines' }));
    await visible(page.getByText('Nothing was added'));
    const rows = await (
      await visible(page.getByTestId('bulk-add-results'))
    )
      .locator('tbody tr')
      .allInnerTexts();
    expect(rows).toEqual([expect.stringContaining('Valid'), expect.stringContaining('Invalid')]);
    await page.screenshot({ path: '/tmp/e2e-bulk-add-all-or-nothing.png' });
    const listed = await api<{ items: ContactSummary[] }>('GET', `/api/accounts/${account.id}/contacts`);
    expect(listed.items).toEqual([]);

    // Back to the text, which is kept, to fix it.
    await page.getByRole('button', { name: 'Back to the text' }).click();
    expect(await dialog.getByLabel('Contacts', { exact: true }).inputValue()).toContain('broken');
  });
});
