import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/contracts/accounts.ts';
import type { Contact } from '../../src/contracts/contacts.ts';
import { seriousViolations } from './axe.ts';
import { adminApi, baseUrl, fieldError, unique, useBrowser, visible, type Api } from './browser.ts';

type WithAttributes<T> = T & { attributes: Record<string, unknown> };

/** Whether the input is marked mandatory: the required attribute, or Mantine's asterisk on its label. */
const hasAsterisk = async (input: Locator) => {
  if ((await input.getAttribute('required')) !== null) return true;
  const id = await input.getAttribute('id');
  const label = input.page().locator(`label[for="${id}"]`);
  return (await label.locator('.mantine-InputWrapper-required, [class*="required"]').count()) > 0;
};

describe('Attributes in the Add multiple contacts dialog', () => {
  const { signedInPage } = useBrowser();
  let api: Api;
  const run = unique();
  const defined: string[] = [];
  const badge = {
    entity: 'contact',
    key: `badge_${run}`,
    type: 'text',
    label: `Badge name ${run}`,
    mandatory: true,
  };
  const fair = {
    entity: 'account',
    key: `fair_${run}`,
    type: 'text',
    label: `Trade fair ${run}`,
    mandatory: false,
  };

  beforeAll(async () => {
    api = await adminApi();
    for (const body of [badge, fair])
      defined.push((await api<{ id: string }>('POST', '/api/attributes', body)).id);
  });
  // A mandatory contact attribute would refuse other files' contacts: archive what this file defined.
  afterAll(async () => {
    for (const id of defined) await api('DELETE', `/api/attributes/${id}`).catch(() => undefined);
  });

  const contactByEmail = async (email: string) => {
    const found = await api<{ items: { id: string }[] }>(
      'GET',
      `/api/contacts?q=${encodeURIComponent(email)}`,
    );
    const id = found.items[0]?.id;
    return id ? api<WithAttributes<Contact>>('GET', `/api/contacts/${id}`) : null;
  };

  it('marks the mandatory attribute, refuses to add without it, then stores both attributes', async () => {
    // bypassCSP lets axe's script in (the page's policy allows only its own scripts).
    const page = await signedInPage({ bypassCSP: true });
    await page.goto(`${baseUrl()}/contacts`);
    await page.getByRole('button', { name: 'Add multiple contacts' }).click();
    const dialog = await visible(page.getByRole('dialog', { name: 'Add multiple contacts' }));
    const badgeInput = await visible(dialog.getByLabel(badge.label, { exact: false }).first());
    expect(await hasAsterisk(badgeInput)).toBe(true);
    // Account attributes are for the personal accounts the dialog can make: shown once that is chosen.
    expect(await dialog.getByLabel(fair.label, { exact: false }).count()).toBe(0);
    await dialog.getByRole('radio', { name: 'Create a personal account for each contact' }).check();
    const fairInput = await visible(dialog.getByLabel(fair.label, { exact: false }).first());
    expect(await hasAsterisk(fairInput)).toBe(false);

    const emails = [`ria.${run}@e2e.example`, `tom.${run}@e2e.example`];
    await dialog
      .getByLabel('Contacts', { exact: true })
      .fill(`${emails[0]}, Ria, Stand\n${emails[1]}, Tom, Booth`);
    await fairInput.fill('Spring fair');
    await page.waitForTimeout(300); // the modal's fade-in, so axe sees final colours
    expect(await seriousViolations(page, 'Add multiple contacts dialog')).toEqual([]);

    await dialog.getByRole('button', { name: 'Add 2 contacts' }).click();
    await expect.poll(() => fieldError(badgeInput)).toBe(`${badge.label} is required`);
    await page.screenshot({ path: '/tmp/e2e-bulk-add-attribute-required.png' });
    for (const email of emails) expect(await contactByEmail(email)).toBeNull();

    await badgeInput.fill('Visitor');
    await expect.poll(() => fieldError(badgeInput)).toBeNull();
    await dialog.getByRole('button', { name: 'Add 2 contacts' }).click();
    const results = await visible(page.getByTestId('bulk-add-results'));
    expect(await results.locator('tbody tr').allInnerTexts()).toEqual([
      expect.stringContaining('Created'),
      expect.stringContaining('Created'),
    ]);
    await page.screenshot({ path: '/tmp/e2e-bulk-add-attribute-created.png' });

    for (const email of emails) {
      const contact = await contactByEmail(email);
      expect(contact?.attributes, email).toEqual({ [badge.key]: 'Visitor' });
      const accountId = (contact as unknown as { accounts: { id: string }[] }).accounts[0]!.id;
      const account = await api<WithAttributes<Account>>('GET', `/api/accounts/${accountId}`);
      expect(account).toMatchObject({ kind: 'personal', attributes: { [fair.key]: 'Spring fair' } });
    }
  });
});
