import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type RawBuilder, type Selectable } from 'kysely';
import type { EmailSettingsTable, EmailsTable } from '../db/schema.ts';
import type { Executor } from '../db/client.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import { unprocessable } from '../lib/errors.ts';
import { carriesSecrets, newPlaceholder } from './secrets.ts';
import { deliverEmailQueue } from './delivery.ts';
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
   * Renders a system email and writes it in the caller's transaction, with its delivery job:
   * both exist only if that transaction commits. Null when the system email is switched off.
   */
  enqueue(db: Executor, email: OutgoingEmail): Promise<string | null>;
  /**
   * `enqueue` for many emails at once (an import's activation emails): settings, templates and branding
   * are read once (or given, read by the caller), the emails written in a few statements. Ids in the order
   * given, null where switched off.
   */
  enqueueMany(db: Executor, emails: OutgoingEmail[], context?: EmailContext): Promise<(string | null)[]>;
  /**
   * Renders emails with a context the caller read (`emailContextSql` inside its own statement), for the
   * caller to insert; nothing is written.
   */
  render(context: EmailContext, emails: OutgoingEmail[]): RenderedEmails;
  /** Writes a new copy of a logged email, to be delivered again; 422 for an email that carried a one-time link. */
  resend(db: Executor, emailId: string): Promise<string>;
  /** Whether a system email is switched on (its settings may switch it off). */
  isEnabled(db: Executor, templateKey: string): Promise<boolean>;
  /** True when emails are delivered over SMTP; false when they are only captured in the log. */
  delivers: boolean;
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

/** An email about to be written: its system email, scope, and language (null while not yet known: any). */
export type EmailWanted = { templateKey: string; scopeId: string; language: string | null };

/** What rendering emails needs: their system emails' settings, their scopes' branding, the stored templates. */
export type EmailContext = {
  settingsOf: Map<string, EmailSettingsRow>;
  brandings: Map<string, Branding>;
  templates: { key: string; language: string; subject: string; html: string; text: string }[];
};

type EmailContextJson = {
  settings: EmailSettingsRow[];
  brandings: { scope_id: string; value: Partial<Branding> | null }[];
  templates: EmailContext['templates'];
  scopes: string[];
};

/**
 * The email context of `wanted` as one SQL expression (a json value), so a caller can read it inside its
 * own statement; `toEmailContext` turns what it returns into an `EmailContext`.
 */
export function emailContextSql(wanted: EmailWanted[]): RawBuilder<EmailContextJson> {
  const keys = [...new Set(wanted.map((e) => e.templateKey))];
  const scopes = [...new Set(wanted.map((e) => e.scopeId))];
  const anyLanguage = wanted.some((e) => e.language === null);
  const languages = [...new Set(wanted.flatMap((e) => (e.language ? templateLanguages(e.language) : [])))];
  return sql<EmailContextJson>`json_build_object(
    'settings', (SELECT coalesce(json_agg(s), '[]'::json) FROM email_settings s WHERE s.key = ANY(${keys}::text[])),
    'brandings', (SELECT coalesce(json_agg(json_build_object('scope_id', c.scope_id, 'value', c.value)), '[]'::json)
      FROM settings c WHERE c.key = 'branding' AND c.scope_id = ANY(${scopes}::uuid[])),
    'templates', (SELECT coalesce(json_agg(json_build_object('key', t.key, 'language', t.language,
        'subject', t.subject, 'html', t.html, 'text', t.text)), '[]'::json)
      FROM email_templates t WHERE t.key = ANY(${keys}::text[])
        AND (${anyLanguage} OR t.language = ANY(${languages}::text[]))),
    'scopes', ${scopes}::uuid[])`;
}

export function toEmailContext(row: EmailContextJson): EmailContext {
  const stored = new Map(row.brandings.map((b) => [b.scope_id, b.value ?? undefined]));
  return {
    settingsOf: new Map(row.settings.map((r) => [r.key, r])),
    brandings: new Map(
      row.scopes.map((id) => [id, safeBranding({ ...DEFAULT_BRANDING, ...stored.get(id) })] as const),
    ),
    templates: row.templates,
  };
}

/** Whether a system email is switched on in a context read beforehand (its settings may switch it off). */
export const emailEnabled = (context: EmailContext, templateKey: string): boolean =>
  context.settingsOf.get(templateKey)?.enabled ?? true;

/** The email context of a batch of emails in one statement. */
export async function readEmailContext(db: Executor, wanted: EmailWanted[]): Promise<EmailContext> {
  if (!wanted.length) return { settingsOf: new Map(), brandings: new Map(), templates: [] };
  const { rows } = await sql<{
    context: EmailContextJson;
  }>`SELECT ${emailContextSql(wanted)} AS context`.execute(db);
  return toEmailContext(rows[0]!.context);
}

/** Emails rendered and ready to write: the caller may insert `rows` itself (in a chain of writes). */
export type RenderedEmails = {
  /** In the order given; null where the system email is switched off. */
  ids: (string | null)[];
  rows: Insertable<EmailsTable>[];
  /** Sends the delivery jobs of the rows, in the transaction that writes them (nothing when emails are only captured). */
  schedule(db: Executor): Promise<void>;
};

/** With a job runner, emails are queued for SMTP delivery; without one they are captured for the email log. */
export function createOutbox(options: { publicUrl: string; jobs: JobRunner | null }): Outbox {
  const domain = new URL(options.publicUrl).hostname || 'clientele.local';
  const { jobs } = options;
  const status = jobs ? ('queued' as const) : ('captured' as const);

  async function schedule(db: Executor, id: string) {
    if (jobs) await jobs.send(deliverEmailQueue, { emailId: id }, { db });
  }

  function render(context: EmailContext, emails: OutgoingEmail[]): RenderedEmails {
    const { settingsOf, brandings, templates } = context;
    const renderers = new Map<string, ReturnType<typeof compileTemplate> | TemplateRenderError>();
    const ids: (string | null)[] = [];
    const rows: (Insertable<EmailsTable> & { id: string })[] = [];
    for (const email of emails) {
      const settings = settingsOf.get(email.templateKey);
      if (settings && !settings.enabled) {
        ids.push(null);
        continue;
      }
      const rendererId = `${email.templateKey}\n${email.language}\n${email.scopeId}`;
      let render = renderers.get(rendererId);
      if (!render) {
        const template = pickTemplate(
          templates.filter((t) => t.key === email.templateKey),
          email.templateKey,
          email.language,
        );
        try {
          render = compileTemplate(template, brandings.get(email.scopeId)!);
        } catch (err) {
          if (!(err instanceof TemplateRenderError)) throw err;
          render = err;
        }
        renderers.set(rendererId, render);
      }
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
        next_attempt_at: jobs && !failed ? new Date() : null,
        sent_at: null,
        // Captured emails are never delivered: their tokens are kept nowhere.
        secrets: jobs && swaps.length && !failed ? secretsColumn(swaps) : null,
      });
    }
    return {
      ids,
      rows,
      async schedule(db) {
        for (const row of rows) if (row.status !== 'failed') await schedule(db, row.id);
      },
    };
  }

  async function enqueueMany(
    db: Executor,
    emails: OutgoingEmail[],
    context?: EmailContext,
  ): Promise<(string | null)[]> {
    const rendered = render(context ?? (await readEmailContext(db, emails)), emails);
    // A statement's parameters are limited (65,535): a few hundred emails a statement stay well below.
    for (let i = 0; i < rendered.rows.length; i += 500)
      await db
        .insertInto('emails')
        .values(rendered.rows.slice(i, i + 500))
        .execute();
    await rendered.schedule(db);
    return rendered.ids;
  }

  return {
    delivers: jobs !== null,
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
          next_attempt_at: jobs ? new Date() : null,
          sent_at: null,
        })
        .execute();
      await schedule(db, id);
      return id;
    },
  };
}
