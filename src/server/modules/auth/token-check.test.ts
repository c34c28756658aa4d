import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/helpers/app.ts';
import { consumeToken, issueToken } from '../../lib/one-time-tokens.ts';

describe('POST /api/tokens/check: an emailed link, before its form is filled in', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const check = async (purpose: string, token: string) => {
    const res = await t.anonymous.post('/api/tokens/check', { purpose, token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ status: string; message: string | null }>();
  };

  it('answers valid without using the token up, then used once it is', async () => {
    const { db } = t.deps.database;
    const { token } = await issueToken(db, 'activation', null, 60_000);
    expect(await check('activation', token)).toEqual({ status: 'valid', message: null });
    expect(await check('activation', token)).toEqual({ status: 'valid', message: null });
    await consumeToken(db, 'activation', token);
    expect(await check('activation', token)).toEqual({
      status: 'used',
      message: expect.stringMatching(/^This link was already used/),
    });
  });

  it('answers expired for a link past its time, and invalid for another purpose or a made-up token', async () => {
    const { db } = t.deps.database;
    const { token } = await issueToken(db, 'password-reset', null, -1000);
    expect((await check('password-reset', token)).status).toBe('expired');
    const reset = await issueToken(db, 'password-reset', null, 60_000);
    expect(await check('employee-reset', reset.token)).toEqual({
      status: 'invalid',
      message: expect.stringMatching(/^This link is not valid/),
    });
    expect((await check('employee-setup', 'made-up')).status).toBe('invalid');
  });

  it('refuses an unknown purpose, join tokens among them, with 400 on purpose', async () => {
    for (const purpose of ['join', 'anything']) {
      const res = await t.anonymous.post('/api/tokens/check', { purpose, token: 'x'.repeat(20) });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ path: 'purpose' }));
    }
  });
});
