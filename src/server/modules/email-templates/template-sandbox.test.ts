import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { DEFAULT_TEMPLATES } from '../../email/default-templates.ts';

const shipped = DEFAULT_TEMPLATES.accountactivation!.en!;
/** 600 turns of 1,000 characters: quick to run, too long to send. */
const HUGE = `{% for i in (1..600) %}${'0123456789'.repeat(100)}{% endfor %}`;

describe('email templates run in a sandbox', () => {
  let t: TestApp;
  let admin: Client;
  let accountId: string;
  let n = 0;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    accountId = (await admin.post('/api/accounts', { kind: 'business', name: 'Sandbox Ltd' })).json().id;
  });
  afterAll(() => t.close());

  const save = (html: string) => admin.put('/api/email-templates/accountactivation/en', { ...shipped, html });
  const preview = (html: string) => admin.post('/api/email-templates/accountactivation/en/preview', { html });

  /** Save and preview both answer 422 naming the html field and the reason, and nothing is saved. */
  async function refused(html: string, reason: RegExp) {
    for (const res of [await save(html), await preview(html)]) {
      expect(res.statusCode, res.body).toBe(422);
      const { error } = res.json<{
        error: { message: string; details: { path: string; message: string }[] };
      }>();
      expect(error.details[0]).toMatchObject({ path: 'html', message: expect.stringMatching(reason) });
      expect(res.body).not.toContain('"name": "clientele"');
      expect(res.body).not.toContain('DATABASE_URL');
    }
    expect((await admin.get('/api/email-templates/accountactivation/en')).json().customised).toBe(false);
  }

  it('reads no file with include, render or layout', async () => {
    await refused('{% include "package.json" %}', /include.*not available/);
    await refused("{% render 'src/server/config.ts' %}", /render.*not available/);
    await refused('{% layout "../../package.json" %}', /layout.*not available/);
    await refused('{% include "/etc/passwd" %}', /include.*not available/);
  });

  it('stops a loop over a huge range instead of stalling the server', async () => {
    await refused('{% for i in (1..100000000) %}x{% endfor %}', /too much memory|longer than/);
    // The server still answers.
    expect((await admin.get('/api/email-templates')).statusCode).toBe(200);
  });

  it('stops a loop that runs too long and memory that doubles each turn', async () => {
    await refused(
      '{% for i in (1..5000) %}{% for j in (1..5000) %}{{ j }}{% endfor %}{% endfor %}',
      /longer than/,
    );
    await refused(
      '{% assign a = "1,2,3" | split: "," %}{% for i in (1..40) %}{% assign a = a | concat: a %}{% endfor %}{{ a | size }}',
      /too much memory|longer than/,
    );
  });

  it('refuses a template whose output is huge', async () => {
    await refused(HUGE, /longer than 500,000 characters/);
  });

  it('fails the one email, readably, when a stored template exceeds a limit at send time', async () => {
    // As if saved before the limits existed: straight into the table.
    await t.deps.database.db
      .insertInto('email_templates')
      .values({
        key: 'accountactivation',
        language: 'en',
        subject: shipped.subject,
        html: HUGE,
        text: shipped.text,
        updated_by: null,
      })
      .execute();
    try {
      const email = `sandbox${++n}@example.com`;
      const res = await admin.post(`/api/accounts/${accountId}/contacts`, {
        email,
        firstName: 'San',
        lastName: 'Dbox',
        sendEmail: 'accountactivation',
      });
      expect(res.statusCode, res.body).toBe(201);
      const [logged] = (await admin.get(`/api/emails?to=${email}`)).json<{
        items: { status: string; lastError: string; html: string }[];
      }>().items;
      expect(logged).toMatchObject({ status: 'failed', html: '' });
      expect(logged!.lastError).toMatch(/html of the template could not be rendered: .*500,000 characters/);
    } finally {
      await t.deps.database.db.deleteFrom('email_templates').where('key', '=', 'accountactivation').execute();
    }
  });

  it('still renders ordinary templates with loops and filters', async () => {
    const res = await preview('{% for i in (1..3) %}{{ i }}{% endfor %} {{ contact.firstName | upcase }}');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().html).toMatch(/123 [A-Z]+/);
  });
});
