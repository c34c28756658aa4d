import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type RawBuilder, type Selectable } from 'kysely';
import type { EmailSettingsTable, EmailsTable } from '../db/schema.ts';
import type { Executor } from '../db/client.ts';
import { unprocessable } from '../lib/errors.ts';
import { carriesSecrets, newPlaceholder } from './secrets.ts';
import {
  compileTemplate,
  DEFAULT_BRANDING,
  TemplateRenderError,
  pickTemplate,
  templateLanguages,
  safeBranding,
  type Branding,
  type RenderedEmail,
} from './render.ts';

export type OutgoingEmail = {
  scopeId: string;
  templateKey: string;
  language: string;
  to: string;
  contactId?: string | null;
  variables: Record<string, unknown>;
  /**
   * One-time tokens that appear in `variables` (inside links). They are rendered as placeholders, the
   * log keeps only those, and the raw tokens wait in `emails.secrets` until delivery ends.
   */
  secrets?: string[];
};

/** The raw tokens by placeholder, as `emails.secrets` keeps them until delivery ends. */
const secretsColumn = (swaps: [string, string][]) =>
  JSON.stringify(Object.fromEntries(swaps.map(([token, placeholder]) => [placeholder, token])));

const placeholdersFor = (email: OutgoingEmail) =>
  (email.secrets ?? []).map((token) => [token, newPlaceholder()] as [string, string]);

/** A copy of `value` with every token inside its strings replaced by that token's placeholder. */
function swapTokens(value: unknown, swaps: [string, string][]): unknown {
  if (typeof value === 'string') return swaps.reduce((s, [token, ph]) => s.split(token).join(ph), value);
  if (Array.isArray(value)) return value.map((v) => swapTokens(v, swaps));
  if (value && typeof value === 'object' && !(value instanceof Date))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swapTokens(v, swaps)]));
  return value;
}

export type Outbox = {
  /**
   * Renders a system email and writes it in the caller's transaction (queued for delivery, the
   * table being the queue): it exists only if that transaction commits. Null when the system email is switched off.
   */
  enqueue(db: Executor, email: OutgoingEmail): Promise<string | null>;
  /**
   * `enqueue` for many emails at once (an import's activation emails): settings, templates and branding
   * are read once (or come with the caller's `context`), the emails written in a few statements. Ids in
   * the order given, null where switched off.
   */
  enqueueMany(db: Executor, emails: OutgoingEmail[], context?: EmailContext): Promise<(string | null)[]>;
  /**
   * Renders emails with a context that holds all they need (`emailContextOf`, `seedEmailContext`), for the
   * caller to insert in its own statement; nothing is read or written.
   */
  render(context: EmailContext, emails: OutgoingEmail[]): RenderedEmails;
  /** Writes a new copy of a logged email, to be delivered again; 422 for an email that carried a one-time link. */
  resend(db: Executor, emailId: string): Promise<string>;
  /** Whether a system email is switched on (its settings may switch it off). */
  isEnabled(db: Executor, templateKey: string): Promise<boolean>;
  /** True when emails are delivered over SMTP; false when they are only captured in the log. */
  delivers: boolean;
};

/** Emails rendered and ready to write: the caller inserts `rows` itself (in a chain of writes). */
export type RenderedEmails = {
  /** In the order given; null where the system email is switched off. */
  ids: (string | null)[];
  rows: (Insertable<EmailsTable> & { id: string })[];
  /** Tells the delivery to look, once the rows are written (nothing when emails are only captured). */
  written(): void;
};

export async function brandingOf(db: Executor, scopeId: string): Promise<Branding> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('scope_id', '=', scopeId)
    .where('key', '=', 'branding')
    .executeTakeFirst();
  return safeBranding({ ...DEFAULT_BRANDING, ...(row?.value as Partial<Branding> | undefined) });
}

type EmailSettingsRow = Selectable<EmailSettingsTable>;

type StoredTemplate = { key: string; language: string; subject: string; html: string; text: string };
type Renderer = ReturnType<typeof compileTemplate> | TemplateRenderError;

/**
 * What rendering emails needs, as far as it was read: the settings of their system emails (null: none
 * stored), the branding of their scopes, the stored templates by key and language (null: none), and
 * the templates compiled so far.
 */
export type EmailContext = {
  settingsOf: Map<string, EmailSettingsRow | null>;
  brandings: Map<string, Branding>;
  templates: Map<string, StoredTemplate | null>;
  renderers: Map<string, Renderer>;
};
const templateId = (key: string, language: string) => `${key}\n${language}`;
const newContext = (): EmailContext => ({
  settingsOf: new Map(),
  brandings: new Map(),
  templates: new Map(),
  renderers: new Map(),
});

/**
 * The context of a transaction, kept for its life: a transaction that writes one email at a time (a
 * hundred in one commit) reads settings, templates and branding once. Nothing that edits them sends
 * an email in the same transaction.
 */
const contexts = new WeakMap<Executor, EmailContext>();

/** The transaction's context (a new one outside a transaction). */
function contextOf(db: Executor): EmailContext {
  let context = db.isTransaction ? contexts.get(db) : undefined;
  if (!context) {
    context = newContext();
    if (db.isTransaction) contexts.set(db, context);
  }
  return context;
}

/** An email about to be written, as far as its context goes. */
type KnownEmail = Pick<OutgoingEmail, 'templateKey' | 'scopeId' | 'language'>;

/** An email about to be written: its system email, scope, and language (null while not yet known: any). */
export type EmailWanted = { templateKey: string; scopeId: string; language: string | null };

/** What `emailContextSql` returns, for a caller that reads it inside its own statement. */
export type EmailContextRead = {
  settings: EmailSettingsRow[];
  brandings: { scope_id: string; value: Partial<Branding> | null }[];
  templates: StoredTemplate[];
  keys: string[];
  scopes: string[];
};

/**
 * What rendering `wanted` needs as one SQL expression (a json value): the settings of their system
 * emails, the branding of their scopes, the stored templates of their keys in the languages they may use
 * (all languages where one is not yet known). A caller may read it inside its own statement and give it
 * to `seedEmailContext`.
 */
export function emailContextSql(wanted: EmailWanted[]): RawBuilder<EmailContextRead> {
  const keys = [...new Set(wanted.map((e) => e.templateKey))];
  const scopes = [...new Set(wanted.map((e) => e.scopeId))];
  const anyLanguage = wanted.some((e) => e.language === null);
  const languages = [...new Set(wanted.flatMap((e) => (e.language ? templateLanguages(e.language) : [])))];
  return sql<EmailContextRead>`json_build_object(
    'settings', (SELECT coalesce(json_agg(s), '[]'::json) FROM email_settings s WHERE s.key = ANY(${keys}::text[])),
    'brandings', (SELECT coalesce(json_agg(json_build_object('scope_id', c.scope_id, 'value', c.value)), '[]'::json)
      FROM settings c WHERE c.key = 'branding' AND c.scope_id = ANY(${scopes}::uuid[])),
    'templates', (SELECT coalesce(json_agg(json_build_object('key', t.key, 'language', t.language,
        'subject', t.subject, 'html', t.html, 'text', t.text)), '[]'::json)
      FROM email_templates t WHERE t.key = ANY(${keys}::text[])
        AND (${anyLanguage} OR t.language = ANY(${languages}::text[]))),
    'keys', ${keys}::text[],
    'scopes', ${scopes}::uuid[])`;
}

/**
 * Adds what was read for `wanted` (now with their languages known) to `context`: absent settings and
 * templates as null, so nothing is read again.
 */
function absorb(context: EmailContext, read: EmailContextRead, wanted: KnownEmail[]) {
  const languages = [...new Set(wanted.flatMap((e) => templateLanguages(e.language)))];
  for (const key of read.keys) context.settingsOf.set(key, read.settings.find((r) => r.key === key) ?? null);
  const stored = new Map(read.brandings.map((b) => [b.scope_id, b.value ?? undefined]));
  for (const id of read.scopes)
    context.brandings.set(id, safeBranding({ ...DEFAULT_BRANDING, ...stored.get(id) }));
  for (const key of read.keys)
    for (const language of languages)
      context.templates.set(
        templateId(key, language),
        read.templates.find((t) => t.key === key && t.language === language) ?? null,
      );
}

const covers = (context: EmailContext, e: KnownEmail) =>
  context.settingsOf.has(e.templateKey) &&
  context.brandings.has(e.scopeId) &&
  templateLanguages(e.language).every((l) => context.templates.has(templateId(e.templateKey, l)));

/** Adds to `context` what rendering `emails` needs and it lacks, in one statement; nothing when it has it all. */
async function readContext(db: Executor, context: EmailContext, emails: KnownEmail[]) {
  const missing = emails.filter((e) => !covers(context, e));
  if (!missing.length) return;
  const { rows } = await sql<{
    context: EmailContextRead;
  }>`SELECT ${emailContextSql(missing)} AS context`.execute(db);
  absorb(context, rows[0]!.context, missing);
}

/** The transaction's email context, with what `wanted` needs read (in one statement) if it lacked it. */
export async function emailContextOf(db: Executor, wanted: KnownEmail[]): Promise<EmailContext> {
  const context = contextOf(db);
  await readContext(db, context, wanted);
  return context;
}

/**
 * The transaction's email context, seeded with what the caller read (`emailContextSql`) for `wanted`,
 * their languages now known: later emails of the transaction read nothing that is already there.
 */
export function seedEmailContext(db: Executor, read: EmailContextRead, wanted: KnownEmail[]): EmailContext {
  const context = contextOf(db);
  absorb(context, read, wanted);
  return context;
}

/** Whether a system email is switched on in a context read beforehand (its settings may switch it off). */
export const emailEnabled = (context: EmailContext, templateKey: string): boolean =>
  context.settingsOf.get(templateKey)?.enabled ?? true;

/** The compiled template of an email, or why it cannot be compiled; once per context. */
function rendererOf(context: EmailContext, email: OutgoingEmail): Renderer {
  const id = `${email.templateKey}\n${email.language}\n${email.scopeId}`;
  let render = context.renderers.get(id);
  if (!render) {
    const stored = templateLanguages(email.language).flatMap(
      (l) => context.templates.get(templateId(email.templateKey, l)) ?? [],
    );
    const template = pickTemplate(stored, email.templateKey, email.language);
    try {
      render = compileTemplate(template, context.brandings.get(email.scopeId)!);
    } catch (err) {
      if (!(err instanceof TemplateRenderError)) throw err;
      render = err;
    }
    context.renderers.set(id, render);
  }
  return render;
}

/**
 * With a delivery, emails are queued for SMTP (the delivery's workers find them in the table, and are
 * told to look); without one they are captured for the email log.
 */
export function createOutbox(options: { publicUrl: string; delivery: { wake(): void } | null }): Outbox {
  const domain = new URL(options.publicUrl).hostname || 'clientele.local';
  const { delivery } = options;
  const delivers = delivery !== null;
  const status = delivers ? ('queued' as const) : ('captured' as const);

  function render(context: EmailContext, emails: OutgoingEmail[]): RenderedEmails {
    const ids: (string | null)[] = [];
    const rows: RenderedEmails['rows'] = [];
    for (const email of emails) {
      const settings = context.settingsOf.get(email.templateKey);
      if (settings && !settings.enabled) {
        ids.push(null);
        continue;
      }
      const render = rendererOf(context, email);
      const swaps = placeholdersFor(email);
      let rendered: RenderedEmail | TemplateRenderError;
      try {
        if (render instanceof TemplateRenderError) throw render;
        rendered = render(swapTokens(email.variables, swaps) as Record<string, unknown>);
      } catch (err) {
        // As in `enqueue`: a template that fails fails its email, readably, not the import.
        if (!(err instanceof TemplateRenderError)) throw err;
        rendered = err;
      }
      const failed = rendered instanceof TemplateRenderError ? rendered : null;
      const ok = rendered instanceof TemplateRenderError ? null : rendered;
      const id = randomUUID();
      ids.push(id);
      rows.push({
        id,
        scope_id: email.scopeId,
        template_key: email.templateKey,
        language: ok?.language ?? email.language,
        to_address: email.to,
        cc: settings?.cc ?? [],
        bcc: settings?.bcc ?? [],
        from_address: settings?.from_address ?? null,
        from_name: settings?.from_name ?? null,
        ...(ok
          ? { subject: ok.subject, html: ok.html, text: ok.text, status }
          : { subject: '(not rendered)', html: '', text: '', status: 'failed' as const }),
        message_id: `<${id}@${domain}>`,
        contact_id: email.contactId ?? null,
        last_error: failed?.message ?? null,
        next_attempt_at: delivers && !failed ? new Date() : null,
        sent_at: null,
        // Captured emails are never delivered: their tokens are kept nowhere.
        secrets: delivers && swaps.length && !failed ? secretsColumn(swaps) : null,
      });
    }
    return {
      ids,
      rows,
      written() {
        if (rows.some((row) => row.status === 'queued')) delivery?.wake();
      },
    };
  }

  async function enqueueMany(
    db: Executor,
    emails: OutgoingEmail[],
    context: EmailContext = contextOf(db),
  ): Promise<(string | null)[]> {
    await readContext(db, context, emails);
    const rendered = render(context, emails);
    // A statement's parameters are limited (65,535): a few hundred emails a statement stay well below.
    for (let i = 0; i < rendered.rows.length; i += 500)
      await db
        .insertInto('emails')
        .values(rendered.rows.slice(i, i + 500))
        .execute();
    rendered.written();
    return rendered.ids;
  }

  return {
    delivers,
    async isEnabled(db, templateKey) {
      const row = await db
        .selectFrom('email_settings')
        .select('enabled')
        .where('key', '=', templateKey)
        .executeTakeFirst();
      return row?.enabled ?? true;
    },
    async enqueue(db, email) {
      // One email is a batch of one: the same rendering, placeholders and statements.
      const [id] = await enqueueMany(db, [email]);
      return id ?? null;
    },
    enqueueMany,
    render,
    async resend(db, emailId) {
      const original = await db
        .selectFrom('emails')
        .selectAll()
        .where('id', '=', emailId)
        .executeTakeFirstOrThrow();
      // A copy of a link email would carry a dead link; those are re-issued by their own service.
      if ([original.subject, original.html, original.text].some(carriesSecrets))
        throw unprocessable(
          'This email carried a one-time link, which cannot be sent again; send a new link instead',
        );
      const id = randomUUID();
      await db
        .insertInto('emails')
        .values({
          id,
          scope_id: original.scope_id,
          template_key: original.template_key,
          language: original.language,
          to_address: original.to_address,
          cc: original.cc,
          bcc: original.bcc,
          from_address: original.from_address,
          from_name: original.from_name,
          subject: original.subject,
          html: original.html,
          text: original.text,
          status,
          message_id: `<${id}@${domain}>`,
          contact_id: original.contact_id,
          last_error: null,
          next_attempt_at: delivers ? new Date() : null,
          sent_at: null,
        })
        .execute();
      delivery?.wake();
      return id;
    },
  };
}
