import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/contracts/accounts.ts';
import type { ContactAccountList } from '../../src/contracts/contact-accounts.ts';
import type { Contact } from '../../src/contracts/contacts.ts';
import type { ErpAccountResult } from '../../src/contracts/erp.ts';
import { startReceiver } from '../helpers/webhook-receiver.ts';
import { adminApi, baseUrl, unique, useBrowser, visible, type Api } from './browser.ts';

const { signedInPage } = useBrowser();
let api: Api;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let endpointId: string;

beforeAll(async () => {
  api = await adminApi();
  // A push with no endpoint taking account.sync-requested fails at once: this one receives them.
  receiver = await startReceiver();
  endpointId = (
    await api<{ id: string }>('POST', '/api/webhooks', {
      url: `${receiver.url}/erp`,
      eventTypes: ['account.sync-requested'],
    })
  ).id;
});

afterAll(async () => {
  await api('DELETE', `/api/webhooks/${endpointId}`);
  await receiver?.close();
});

describe('the ERP in the portal', () => {
  it('pushes an account from its page and shows the state change', async () => {
    const run = unique();
    const account = await api<Account>('POST', '/api/accounts', { kind: 'business', name: `Push Me ${run}` });
    const page = await signedInPage();
    await page.goto(`${baseUrl()}/accounts/${account.id}`);
    const badge = await visible(page.getByTestId('erp-sync-state'));
    expect(await badge.textContent()).toBe('Not in the ERP');
    await page.getByRole('button', { name: 'Push to ERP' }).click();
    await expect.poll(() => badge.textContent()).toBe('Push queued');
    await page.getByTestId('erp-sync-state').scrollIntoViewIfNeeded();
    await page.screenshot({ path: '/tmp/erp-pushed.png', fullPage: true });
    const after = await api<Account>('GET', `/api/accounts/${account.id}`);
    expect(after.erpSync).toMatchObject({ state: 'queued', attempts: 1 });
  });

  it('re-maps a contact onto an account the ERP created through the API', async () => {
    const run = unique();
    const key = await api<{ key: string }>('POST', '/api/api-keys', {
      name: `ERP ${run}`,
      roles: ['erpIntegration'],
    });
    const res = await fetch(`${baseUrl()}/api/erp/accounts/CUST-${run}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Erp Created ${run}` }),
    });
    expect(res.status).toBe(201);
    const erpAccount = ((await res.json()) as ErpAccountResult).account;
    const web = await api<Account>('POST', '/api/accounts', { kind: 'business', name: `Web Signup ${run}` });
    const contact = await api<Contact>('POST', `/api/accounts/${web.id}/contacts`, {
      email: `remap.${run}@e2e.example`,
      firstName: 'Remy',
      lastName: 'Mapped',
    });

    const page = await signedInPage();
    await page.goto(`${baseUrl()}/contacts/${contact.id}`);
    const card = await visible(page.getByTestId('contact-accounts'));
    await card.getByLabel('Add to account').fill(`Erp Created ${run}`);
    await page.getByRole('option', { name: new RegExp(`Erp Created ${run}`) }).click();
    await card.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => card.getByTestId('contact-account-row').count()).toBe(2);
    await card.getByRole('button', { name: `Make Erp Created ${run} the primary account` }).click();
    await page.getByRole('button', { name: 'Make primary' }).click();
    await expect
      .poll(async () => {
        const linked = await api<ContactAccountList>('GET', `/api/contacts/${contact.id}/accounts`);
        return linked.accounts.filter((a) => a.primary).map((a) => a.id);
      })
      .toEqual([erpAccount.id]);
    await page.screenshot({ path: '/tmp/erp-remapped.png', fullPage: true });
    await page.goto(`${baseUrl()}/accounts/${erpAccount.id}`);
    const badge = await visible(page.getByTestId('erp-sync-state'));
    expect(await badge.textContent()).toBe('In the ERP');
    await visible(page.getByText(`CUST-${run}`).first());
    await page.screenshot({ path: '/tmp/erp-account.png', fullPage: true });
  });
});
