import { randomUUID } from 'node:crypto';
import type { Executor } from '../db/client.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import { deliverEmailQueue } from './delivery.ts';
import { compileTemplate, DEFAULT_BRANDING, findTemplate, renderTemplate, type Branding } from './render.ts';

export type OutgoingEmail = {
  scopeId: string;
  templateKey: string;
  language: string;
  to: string;
  contactId?: string | null;
  variables: Record<string, unknown>;
};

export type Outbox = {
  /**
   * Renders a system email and writes it in the caller's transaction, with its delivery job:
   * both exist only if that transaction commits. Null when the system email is switched off.
   */
  enqueue(db: Executor, email: OutgoingEmail): Promise<string | null>;
  /**
   * `enqueue` for many emails at once (an import's activation emails): settings, templates and branding
   * are read once, the emails written in a few statements. Ids in the order given, null where switched off.
   */
  enqueueMany(db: Executor, emails: OutgoingEmail[]): Promise<(string | null)[]>;
  /** Writes a new copy of a logged email, to be delivered again. */
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
  return { ...DEFAULT_BRANDING, ...(row?.value as Partial<Branding> | undefined) };
}

/** With a job runner, emails are queued for SMTP delivery; without one they are captured for the email log. */
export function createOutbox(options: { publicUrl: string; jobs: JobRunner | null }): Outbox {
  const domain = new URL(options.publicUrl).hostname || 'clientele.local';
  const { jobs } = options;
  const status = jobs ? ('queued' as const) : ('captured' as const);

  async function schedule(db: Executor, id: string) {
    if (jobs) await jobs.send(deliverEmailQueue, { emailId: id }, { db });
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
      const settings = await db
        .selectFrom('email_settings')
        .selectAll()
        .where('key', '=', email.templateKey)
        .executeTakeFirst();
      if (settings && !settings.enabled) return null;
      const [template, branding] = await Promise.all([
        findTemplate(db, email.templateKey, email.language),
        brandingOf(db, email.scopeId),
      ]);
      const rendered = await renderTemplate(template, email.variables, branding);
      const id = randomUUID();
      await db
        .insertInto('emails')
        .values({
          id,
          scope_id: email.scopeId,
          template_key: email.templateKey,
          language: rendered.language,
          to_address: email.to,
          cc: settings?.cc ?? [],
          bcc: settings?.bcc ?? [],
          from_address: settings?.from_address ?? null,
          from_name: settings?.from_name ?? null,
          subject: rendered.subject,
          html: rendered.html,
          text: rendered.text,
          status,
          message_id: `<${id}@${domain}>`,
          contact_id: email.contactId ?? null,
          last_error: null,
          next_attempt_at: jobs ? new Date() : null,
          sent_at: null,
        })
        .execute();
      await schedule(db, id);
      return id;
    },
    async enqueueMany(db, emails) {
      const keys = [...new Set(emails.map((e) => e.templateKey))];
      const scopes = [...new Set(emails.map((e) => e.scopeId))];
      const settingsRows = keys.length
        ? await db.selectFrom('email_settings').selectAll().where('key', 'in', keys).execute()
        : [];
      const settingsOf = new Map(settingsRows.map((r) => [r.key, r]));
      const brandings = new Map(
        await Promise.all(scopes.map(async (id) => [id, await brandingOf(db, id)] as const)),
      );
      const renderers = new Map<string, ReturnType<typeof compileTemplate>>();
      const ids: (string | null)[] = [];
      const rows = [];
      for (const email of emails) {
        const settings = settingsOf.get(email.templateKey);
        if (settings && !settings.enabled) {
          ids.push(null);
          continue;
        }
        const rendererId = `${email.templateKey}\n${email.language}\n${email.scopeId}`;
        let render = renderers.get(rendererId);
        if (!render) {
          const template = await findTemplate(db, email.templateKey, email.language);
          render = compileTemplate(template, brandings.get(email.scopeId)!);
          renderers.set(rendererId, render);
        }
        const rendered = render(email.variables);
        const id = randomUUID();
        ids.push(id);
        rows.push({
          id,
          scope_id: email.scopeId,
          template_key: email.templateKey,
          language: rendered.language,
          to_address: email.to,
          cc: settings?.cc ?? [],
          bcc: settings?.bcc ?? [],
          from_address: settings?.from_address ?? null,
          from_name: settings?.from_name ?? null,
          subject: rendered.subject,
          html: rendered.html,
          text: rendered.text,
          status,
          message_id: `<${id}@${domain}>`,
          contact_id: email.contactId ?? null,
          last_error: null,
          next_attempt_at: jobs ? new Date() : null,
          sent_at: null,
        });
      }
      // A statement's parameters are limited (65,535): a few hundred emails a statement stay well below.
      for (let i = 0; i < rows.length; i += 500)
        await db
          .insertInto('emails')
          .values(rows.slice(i, i + 500))
          .execute();
      for (const row of rows) await schedule(db, row.id);
      return ids;
    },
    async resend(db, emailId) {
      const original = await db
        .selectFrom('emails')
        .selectAll()
        .where('id', '=', emailId)
        .executeTakeFirstOrThrow();
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
