import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addContactWithWelcome,
  createTestApp,
  type Client,
  type TestApp,
} from '../../../../test/helpers/app.ts';

describe('sending activation and reset links from the portal', () => {
  let t: TestApp;
  let admin: Client;
  let accountId: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    accountId = (await admin.post('/api/accounts', { kind: 'business', name: 'Links Ltd' })).json().id;
  });
  afterAll(() => t.close());

  const contactWithWelcome = (email: string) => addContactWithWelcome(t, admin, accountId, email);

  it('says the email was captured in the log when no SMTP server is set up', async () => {
    const { id } = await contactWithWelcome('captured@links.test');
    const res = await admin.post(`/api/contacts/${id}/activation`);
    expect(res.statusCode).toBe(202);
    expect(res.json().status).toBe('captured');
  });

  it('keeps the current link working when the system email is switched off', async () => {
    const { id, token } = await contactWithWelcome('switched-off@links.test');
    expect((await admin.patch('/api/email-templates/accountactivation', { enabled: false })).statusCode).toBe(
      200,
    );
    try {
      const res = await admin.post(`/api/contacts/${id}/activation`);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.message).toMatch(/switched off/);
      const bulk = await admin.post('/api/contacts/emails', { contactIds: [id], kind: 'activation' });
      expect(bulk.json().results).toEqual([{ contactId: id, status: 'switched_off', emailId: null }]);
    } finally {
      await admin.patch('/api/email-templates/accountactivation', { enabled: true });
    }
    const activated = await t.anonymous.post('/api/store/activate', {
      token,
      password: 'a-fine-new-password',
    });
    expect(activated.statusCode).toBe(200);
  });

  it('refuses to send a link to a contact waiting for approval, and names why', async () => {
    const { id } = await contactWithWelcome('pending@links.test');
    await t.deps.database.db
      .updateTable('contacts')
      .set({ status: 'pending' })
      .where('id', '=', id)
      .execute();
    const res = await admin.post(`/api/contacts/${id}/password-reset`);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toMatch(/waiting for approval/);
    const bulk = await admin.post('/api/contacts/emails', { contactIds: [id], kind: 'password-reset' });
    expect(bulk.json().results[0].status).toBe('pending');
  });
});
