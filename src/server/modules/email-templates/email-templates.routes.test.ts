import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

type Template = {
  key: string;
  language: string;
  subject: string;
  html: string;
  text: string;
  customised: boolean;
  variables: string[];
};
type Logged = { id: string; subject: string; html: string; text: string; language: string; status: string };

const HOSTILE = '<script>alert(1)</script>';
const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';

describe('email templates API', () => {
  let t: TestApp;
  let admin: Client;
  let account: { id: string; name: string; number: string };
  let n = 0;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    account = (await admin.post('/api/accounts', { kind: 'business', name: 'Templates & Co' })).json();
  });
  afterAll(() => t.close());

  const template = async (key = 'accountactivation', language = 'en') => {
    const res = await admin.get(`/api/email-templates/${key}/${language}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Template>();
  };

  /** Adds a contact with the welcome email; returns it and the logged email (null when none was written). */
  async function welcome(fields: Record<string, unknown> = {}) {
    const email = `tpl${++n}@example.com`;
    const res = await admin.post(`/api/accounts/${account.id}/contacts`, {
      email,
      firstName: 'Ada',
      lastName: 'Lovelace',
      sendEmail: 'accountactivation',
      ...fields,
    });
    expect(res.statusCode, res.body).toBe(201);
    const items = (await admin.get(`/api/emails?to=${encodeURIComponent(email)}`)).json<{ items: Logged[] }>()
      .items;
    expect(items.length).toBeLessThanOrEqual(1);
    return { id: res.json<{ id: string }>().id, email, logged: items[0] ?? null };
  }

  const auditOf = (entityId: string) =>
    t.deps.database.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'before', 'after'])
      .where('entity_type', '=', 'email_template')
      .where('entity_id', '=', entityId)
      .orderBy('at')
      .execute();

  it('lists every system email with its settings', async () => {
    const res = await admin.get('/api/email-templates');
    expect(res.statusCode).toBe(200);
    const keys = res.json<Array<{ key: string }>>().map((e) => e.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'accountactivation',
        'password-reset',
        'new-account-request-confirmation',
        'account-approved',
        'account-rejected',
        'new-contact-confirmation',
        'login-created',
        'employee-password-reset',
      ]),
    );
    expect(res.json().find((e: { key: string }) => e.key === 'password-reset')).toEqual({
      key: 'password-reset',
      name: 'Password reset',
      description: expect.any(String),
      enabled: true,
      cc: [],
      bcc: [],
      fromName: null,
      fromAddress: null,
      customisedLanguages: [],
    });
  });

  it('reads the default template with the variables it may use', async () => {
    const tpl = await template();
    expect(tpl).toMatchObject({ key: 'accountactivation', language: 'en', customised: false });
    expect(tpl.subject).toBe('Welcome to {{ seller.name }}: activate your account');
    expect(tpl.html).toContain('{{ activationUrl }}');
    expect(tpl.variables).toEqual(
      expect.arrayContaining([
        'contact.firstName',
        'contact.email',
        'account.name',
        'activationUrl',
        'seller.name',
      ]),
    );
    expect((await admin.get('/api/email-templates/no-such-email/en')).statusCode).toBe(404);
  });

  it('answers 404 for `constructor`, a name of Object.prototype and no system email', async () => {
    for (const key of ['constructor']) {
      expect((await admin.get(`/api/email-templates/${key}/en`)).statusCode, key).toBe(404);
      expect((await admin.delete(`/api/email-templates/${key}/en`)).statusCode, key).toBe(404);
      const preview = await admin.post(`/api/email-templates/${key}/en/preview`, {});
      expect(preview.statusCode, key).toBe(404);
    }
    expect((await admin.get('/api/email-templates/accountactivation/english')).statusCode).toBe(400);
  });

  it('saves a valid template, audits it and uses it for the next email', async () => {
    const body = {
      subject: 'Hello {{ contact.firstName }}, your {{ seller.name }} account',
      html: '<p>Dear {{ contact.firstName }} {{ contact.lastName }},</p>\n<p><a href="{{ activationUrl }}">Activate</a></p>',
      text: 'Dear {{ contact.firstName }},\nactivate here: {{ activationUrl }}',
    };
    const res = await admin.put('/api/email-templates/accountactivation/en', body);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ ...body, language: 'en', customised: true });
    expect(await template()).toMatchObject({ ...body, customised: true });
    const list = (await admin.get('/api/email-templates')).json<
      Array<{ key: string; customisedLanguages: string[] }>
    >();
    expect(list.find((e) => e.key === 'accountactivation')!.customisedLanguages).toEqual(['en']);

    const audit = await auditOf('accountactivation/en');
    expect(audit.map((a) => a.action)).toEqual(['email_template.saved']);
    expect(audit[0]!.after).toMatchObject({ subject: body.subject });
    expect(audit[0]!.before).toMatchObject({
      subject: 'Welcome to {{ seller.name }}: activate your account',
    });

    const { logged } = await welcome();
    expect(logged!.subject).toBe('Hello Ada, your Clientele account');
    expect(logged!.html).toContain('<p>Dear Ada Lovelace,</p>');
    expect(logged!.html).toMatch(
      /<a href="http:\/\/clientele\.test\/store\/activate\?token=\[hidden\]">Activate<\/a>/,
    );
    // Still inside the shared layout.
    expect(logged!.html).toContain('<!doctype html>');
    expect(logged!.text).toMatch(
      /^Dear Ada,\nactivate here: http:\/\/clientele\.test\/store\/activate\?token=\[hidden\]$/,
    );

    // Saving the same content again records nothing new.
    expect((await admin.put('/api/email-templates/accountactivation/en', body)).statusCode).toBe(200);
    expect(await auditOf('accountactivation/en')).toHaveLength(1);
  });

  it('restores the default, audited', async () => {
    const res = await admin.delete('/api/email-templates/accountactivation/en');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      customised: false,
      subject: 'Welcome to {{ seller.name }}: activate your account',
    });
    expect((await template()).customised).toBe(false);
    expect((await auditOf('accountactivation/en')).map((a) => a.action)).toEqual([
      'email_template.saved',
      'email_template.restored',
    ]);
    const { logged } = await welcome();
    expect(logged!.subject).toBe('Welcome to Clientele: activate your account');
    // Restoring a template that was never edited changes nothing.
    expect((await admin.delete('/api/email-templates/password-reset/en')).statusCode).toBe(200);
    expect(await auditOf('password-reset/en')).toEqual([]);
  });

  describe('refuses a template that would not render, saving nothing', () => {
    const valid = {
      subject: 'Welcome',
      html: '<p>Hi {{ contact.firstName }}</p>',
      text: 'Hi {{ contact.firstName }}',
    };

    async function refused(body: Partial<typeof valid>) {
      const before = await template('password-reset');
      const res = await admin.put('/api/email-templates/password-reset/en', { ...valid, ...body });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().error.code).toBe('unprocessable');
      expect(await template('password-reset')).toEqual(before);
      return res.json().error as {
        message: string;
        details: Array<{ path: string; line?: number; message: string }>;
      };
    }

    it('an {% if %} without a condition, with its field and line', async () => {
      const error = await refused({ html: '<p>Hello</p>\n<p>there</p>\n{% if %}yes{% endif %}' });
      expect(error.details).toHaveLength(1);
      expect(error.details[0]).toMatchObject({ path: 'html', line: 3 });
      expect(error.details[0]!.message).toMatch(/^line 3: /);
      expect(error.message).toMatch(/line 3/);
    });

    it('an unclosed {{ output', async () => {
      const error = await refused({ text: 'Hello\n{{ contact.firstName ' });
      expect(error.details).toHaveLength(1);
      expect(error.details[0]).toMatchObject({ path: 'text', line: 2 });
      expect(error.details[0]!.message).toMatch(/line 2/);
    });

    it('an unclosed tag, and errors in several fields at once', async () => {
      const error = await refused({
        subject: '{% if contact %}Hello',
        text: 'Hi\n\n{{ contact.firstName | no_such_filter }}',
      });
      expect(error.details.map((d) => d.path)).toEqual(['subject', 'text']);
      expect(error.details[1]).toMatchObject({ line: 3 });
      expect(error.message).toMatch(/2 errors/);
    });

    it('a variable the email does not have', async () => {
      const error = await refused({ html: '<p>Hi</p>\n<p>{{ contact.nickname }}</p>' });
      expect(error.details).toHaveLength(1);
      expect(error.details[0]).toMatchObject({ path: 'html', line: 2 });
      expect(error.details[0]!.message).toMatch(/nickname/);
      // A variable of another system email is unknown here too.
      const other = await refused({ text: '{{ activationUrl }}' });
      expect(other.details[0]).toMatchObject({ path: 'text', line: 1 });
    });

    it('an empty field, with 400', async () => {
      const res = await admin.put('/api/email-templates/password-reset/en', { ...valid, subject: ' ' });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ path: 'subject' }));
    });
  });

  describe('escaping', () => {
    it('escapes a hostile name in the HTML and keeps it as typed in the text', async () => {
      const { id, logged } = await welcome({ firstName: HOSTILE, lastName: '"Quote" & <b>' });
      expect(logged!.html).toContain(`Welcome, ${ESCAPED}!`);
      expect(logged!.html).not.toContain('<script>');
      expect(logged!.html).not.toContain('<b>');
      expect(logged!.text).toContain(`Welcome, ${HOSTILE}!`);

      const preview = await admin.post('/api/email-templates/accountactivation/en/preview', {
        contactId: id,
      });
      expect(preview.statusCode, preview.body).toBe(200);
      expect(preview.json().html).toContain(ESCAPED);
      expect(preview.json().html).not.toContain('<script>');
      expect(preview.json().text).toContain(HOSTILE);
    });

    it('escapes the seller’s name in the layout as well', async () => {
      const settings = await admin.patch('/api/settings', {
        branding: { name: 'Evil <img src=x onerror=alert(1)>' },
      });
      expect(settings.statusCode, settings.body).toBe(200);
      try {
        const preview = await admin.post('/api/email-templates/accountactivation/en/preview', {});
        expect(preview.statusCode).toBe(200);
        expect(preview.json().html).toContain('Evil &lt;img src=x onerror=alert(1)&gt;');
        expect(preview.json().html).not.toContain('<img src=x');
        expect(preview.json().subject).toBe(
          'Welcome to Evil <img src=x onerror=alert(1)>: activate your account',
        );
      } finally {
        await admin.patch('/api/settings', { branding: { name: 'Clientele' } });
      }
    });
  });

  describe('preview', () => {
    it('renders the sample data', async () => {
      const res = await admin.post('/api/email-templates/accountactivation/en/preview', {});
      expect(res.statusCode).toBe(200);
      expect(res.json().subject).toBe('Welcome to Clientele: activate your account');
      expect(res.json().text).toContain('Welcome, Maria!');
      expect(res.json().html).toContain('Acme Industrial Supply');
    });

    it('renders unsaved edits, refusing invalid ones with 422', async () => {
      const res = await admin.post('/api/email-templates/accountactivation/en/preview', {
        subject: 'Hi {{ contact.firstName }}',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().subject).toBe('Hi Maria');
      expect((await template()).customised).toBe(false);
      const bad = await admin.post('/api/email-templates/accountactivation/en/preview', {
        html: '{{ contact.nickname }}',
      });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().error.details[0]).toMatchObject({ path: 'html', line: 1 });
    });

    it('with a contact, matches the email that contact is sent, but for the link', async () => {
      const { id, logged } = await welcome({ firstName: 'Émile', lastName: 'Zola' });
      const res = await admin.post('/api/email-templates/accountactivation/en/preview', { contactId: id });
      expect(res.statusCode).toBe(200);
      const preview = res.json<{ subject: string; html: string; text: string }>();
      const withoutLink = (s: string) =>
        s.replace(/https?:\/\/[^\s"<]+\/store\/activate\?token=(\[hidden\]|[\w-]+)/g, 'LINK');
      expect(preview.subject).toBe(logged!.subject);
      expect(withoutLink(preview.html)).toBe(withoutLink(logged!.html));
      expect(withoutLink(preview.text)).toBe(withoutLink(logged!.text));
      expect(preview.text).toContain('Welcome, Émile!');
      expect(preview.html).toContain('Templates &amp; Co');
      expect(
        (
          await admin.post('/api/email-templates/accountactivation/en/preview', {
            contactId: '00000000-0000-4000-8000-000000000000',
          })
        ).statusCode,
      ).toBe(404);
    });
  });

  describe('settings', () => {
    it('validates cc and bcc addresses', async () => {
      const res = await admin.patch('/api/email-templates/accountactivation', { cc: ['not-an-address'] });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ path: 'cc.0' }));
      const bcc = await admin.patch('/api/email-templates/accountactivation', {
        bcc: ['ok@example.com', 'bad@'],
      });
      expect(bcc.statusCode).toBe(400);
      expect(bcc.json().error.details).toContainEqual(expect.objectContaining({ path: 'bcc.1' }));
      const from = await admin.patch('/api/email-templates/accountactivation', { fromAddress: 'nobody' });
      expect(from.statusCode).toBe(400);
      const list = (await admin.get('/api/email-templates')).json<Array<{ key: string; cc: string[] }>>();
      expect(list.find((e) => e.key === 'accountactivation')!.cc).toEqual([]);
    });

    it('saves cc, bcc and the sender, audited, and writes them on the next email', async () => {
      const res = await admin.patch('/api/email-templates/password-reset', {
        cc: ['sales@seller.test'],
        bcc: ['audit@seller.test'],
        fromName: 'Seller Support',
        fromAddress: 'support@seller.test',
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        key: 'password-reset',
        enabled: true,
        cc: ['sales@seller.test'],
        bcc: ['audit@seller.test'],
        fromName: 'Seller Support',
        fromAddress: 'support@seller.test',
      });
      const { id } = await welcome({ sendEmail: null });
      expect((await admin.post(`/api/contacts/${id}/password-reset`)).statusCode).toBe(202);
      const row = await t.deps.database.db
        .selectFrom('emails')
        .selectAll()
        .where('contact_id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        template_key: 'password-reset',
        cc: ['sales@seller.test'],
        bcc: ['audit@seller.test'],
        from_name: 'Seller Support',
        from_address: 'support@seller.test',
      });
      expect((await auditOf('password-reset')).map((a) => a.action)).toEqual(['email_settings.updated']);
      await admin.patch('/api/email-templates/password-reset', {
        cc: [],
        bcc: [],
        fromName: null,
        fromAddress: null,
      });
    });

    it('writes no email at all while a system email is switched off', async () => {
      const off = await admin.patch('/api/email-templates/accountactivation', { enabled: false });
      expect(off.statusCode).toBe(200);
      expect(off.json().enabled).toBe(false);
      try {
        const { id, logged } = await welcome();
        expect(logged).toBeNull();
        const rows = await t.deps.database.db
          .selectFrom('emails')
          .select('id')
          .where('contact_id', '=', id)
          .execute();
        expect(rows).toEqual([]);
        const direct = await admin.post(`/api/contacts/${id}/activation`);
        expect(direct.statusCode).toBe(422);
        expect(direct.json().error.message).toMatch(/switched off/);
        const bulk = await admin.post('/api/contacts/emails', { contactIds: [id], kind: 'activation' });
        expect(bulk.json().results).toEqual([{ contactId: id, status: 'switched_off', emailId: null }]);
      } finally {
        await admin.patch('/api/email-templates/accountactivation', { enabled: true });
      }
      expect((await welcome()).logged).not.toBeNull();
    });
  });

  describe('languages', () => {
    const french = {
      subject: 'Bienvenue chez {{ seller.name }}',
      html: '<p>Bonjour {{ contact.firstName }}, <a href="{{ activationUrl }}">activez votre compte</a>.</p>',
      text: 'Bonjour {{ contact.firstName }}, activez votre compte : {{ activationUrl }}',
    };
    // Contacts may prefer only the languages the seller enables.
    beforeAll(async () => {
      const res = await admin.patch('/api/settings', { languages: ['en', 'fr', 'fr-CA', 'de'] });
      expect(res.statusCode, res.body).toBe(200);
    });

    it('falls back from fr-CA to the default language while no French template exists', async () => {
      const { logged } = await welcome({ language: 'fr-CA' });
      expect(logged!.language).toBe('en');
      expect(logged!.subject).toBe('Welcome to Clientele: activate your account');
      const tpl = await template('accountactivation', 'fr-CA');
      expect(tpl).toMatchObject({ language: 'en', customised: false });
    });

    it('picks the French template for fr-CA and fr contacts, English for the others', async () => {
      expect((await admin.put('/api/email-templates/accountactivation/fr', french)).statusCode).toBe(200);
      try {
        const canadian = await welcome({ language: 'fr-CA', firstName: 'Chloé' });
        expect(canadian.logged).toMatchObject({ language: 'fr', subject: 'Bienvenue chez Clientele' });
        expect(canadian.logged!.text).toMatch(
          /^Bonjour Chloé, activez votre compte : http:\/\/clientele\.test\/store\/activate\?token=\[hidden\]/,
        );
        expect(canadian.logged!.html).toContain('<html lang="fr">');
        expect((await welcome({ language: 'fr' })).logged!.language).toBe('fr');
        const german = await welcome({ language: 'de' });
        expect(german.logged).toMatchObject({
          language: 'en',
          subject: 'Welcome to Clientele: activate your account',
        });
        expect(await template('accountactivation', 'fr-CA')).toMatchObject({
          language: 'fr',
          customised: true,
        });

        // A template of its own for fr-CA wins over fr.
        const quebec = { ...french, subject: 'Bienvenue au Québec' };
        expect((await admin.put('/api/email-templates/accountactivation/fr-CA', quebec)).statusCode).toBe(
          200,
        );
        expect((await welcome({ language: 'fr-CA' })).logged).toMatchObject({
          language: 'fr-CA',
          subject: 'Bienvenue au Québec',
        });
        expect((await welcome({ language: 'fr' })).logged!.subject).toBe('Bienvenue chez Clientele');
      } finally {
        await admin.delete('/api/email-templates/accountactivation/fr-CA');
        await admin.delete('/api/email-templates/accountactivation/fr');
      }
    });
  });

  describe('permissions', () => {
    const body = { subject: 'S', html: '<p>H</p>', text: 'T' };

    it('lets only employees who may edit templates change them', async () => {
      const viewer = await t.employee(['customerView']);
      expect((await viewer.put('/api/email-templates/accountactivation/en', body)).statusCode).toBe(403);
      expect(
        (await viewer.patch('/api/email-templates/accountactivation', { enabled: false })).statusCode,
      ).toBe(403);
      expect((await viewer.delete('/api/email-templates/accountactivation/en')).statusCode).toBe(403);
      expect((await viewer.get('/api/email-templates')).statusCode).toBe(403);
      expect((await t.anonymous.get('/api/email-templates')).statusCode).toBe(401);
      expect((await t.anonymous.put('/api/email-templates/accountactivation/en', body)).statusCode).toBe(401);
      expect((await template()).customised).toBe(false);

      const editor = await t.employee(['emailTemplatesEdit']);
      const saved = await editor.put('/api/email-templates/account-approved/en', {
        ...body,
        text: 'Sign in at {{ signInUrl }}',
      });
      expect(saved.statusCode, saved.body).toBe(200);
      expect((await editor.post('/api/email-templates/account-approved/en/preview', {})).json().text).toBe(
        'Sign in at https://shop.example/store/sign-in',
      );
      expect((await editor.delete('/api/email-templates/account-approved/en')).statusCode).toBe(200);
    });
  });
});
