import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../lib/cursor.ts';
import { createTestApp, type Client, type TestApp } from '../../../test/helpers/app.ts';

const LONE = '\ud800';

describe('text guard', () => {
  let t: TestApp;
  let admin: Client;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    expect((await admin.post('/api/roles', { key: 'buyer', name: 'Buyer' })).statusCode).toBe(201);
  });
  afterAll(() => t.close());

  const expectField = (res: { statusCode: number; body: string; json(): unknown }, path: string) => {
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toEqual({
      error: {
        code: 'invalid_input',
        message: expect.stringContaining('lone UTF-16 surrogates'),
        details: [{ path, message: 'Contains lone UTF-16 surrogates' }],
      },
    });
  };

  it('refuses a lone surrogate in a body with 400 naming the field, for every kind of text', async () => {
    expectField(await admin.post('/api/roles', { key: 'lone', name: `Lone ${LONE}` }), 'name');
    expectField(await admin.patch('/api/roles/buyer', { description: `x\udc00y` }), 'description');
    expectField(
      await admin.patch('/api/settings', { branding: { storeName: `Shop ${LONE}` } }),
      'branding.storeName',
    );
    expectField(await admin.post('/api/contacts/bulk', { text: `a@example.com,Ann${LONE},Lee` }), 'text');
    expectField(
      await admin.put('/api/email-templates/accountactivation/en', {
        subject: `Welcome ${LONE}`,
        html: '<p>Hi</p>',
        text: 'Hi',
      }),
      'subject',
    );
    const role = await t.deps.database.db
      .selectFrom('roles')
      .select('description')
      .where('key', '=', 'buyer')
      .executeTakeFirstOrThrow();
    expect(role.description).toBeNull();
    expect(
      await t.deps.database.db.selectFrom('roles').select('key').where('key', '=', 'lone').execute(),
    ).toEqual([]);
  });

  it('refuses a lone surrogate in a field name, and in the text of a cursor', async () => {
    // UTF-8 cannot carry a lone surrogate in a URL; a cursor's base64 JSON can.
    const cursor = encodeCursor({ name: `a${LONE}`, id: '00000000-0000-4000-8000-000000000000' });
    const page = await admin.get(`/api/accounts?cursor=${cursor}`);
    expect(page.statusCode, page.body).toBe(400);
    expect(page.json().error.details).toEqual([{ path: 'cursor', message: 'Not a cursor from this list' }]);
    const key = await admin.post('/api/imports/text', {
      type: 'accounts',
      text: 'name\nAcme',
      mapping: { [`na${LONE}me`]: 'name' },
    });
    expect(key.statusCode, key.body).toBe(400);
    expect(key.json().error.details).toEqual([
      { path: 'mapping', message: 'Contains lone UTF-16 surrogates in a field name' },
    ]);
  });

  it('keeps refusing NUL characters and lets paired surrogates (emoji) through', async () => {
    const nul = await admin.post('/api/roles', { key: 'nul', name: 'Nul\u0000' });
    expect(nul.statusCode).toBe(400);
    expect(nul.json().error.details).toEqual([{ path: 'name', message: 'Contains NUL characters' }]);
    const emoji = await admin.post('/api/roles', { key: 'emoji', name: 'Smile \ud83d\ude00' });
    expect(emoji.statusCode, emoji.body).toBe(201);
    expect(emoji.json().name).toBe('Smile \ud83d\ude00');
  });
});
