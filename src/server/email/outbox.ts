import { randomUUID } from 'node:crypto';
import type { Executor } from '../db/client.ts';
import { DEFAULT_BRANDING, findTemplate, renderTemplate, type Branding } from './render.ts';

export type OutgoingEmail = {
  scopeId: string;
  templateKey: string;
  language: string;
  to: string;
  contactId?: string | null;
  variables: Record<string, unknown>;
};

export type Outbox = {
  /** Renders a system email and writes it in the caller's transaction; it exists only if that commits. */
  enqueue(db: Executor, email: OutgoingEmail): Promise<string>;
};

async function brandingOf(db: Executor, scopeId: string): Promise<Branding> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('scope_id', '=', scopeId)
    .where('key', '=', 'branding')
    .executeTakeFirst();
  return { ...DEFAULT_BRANDING, ...(row?.value as Partial<Branding> | undefined) };
}

export function createOutbox(options: { publicUrl: string; deliver: boolean }): Outbox {
  const domain = new URL(options.publicUrl).hostname || 'clientele.local';
  return {
    async enqueue(db, email) {
      const [template, branding, settings] = await Promise.all([
        findTemplate(db, email.templateKey, email.language),
        brandingOf(db, email.scopeId),
        db.selectFrom('email_settings').selectAll().where('key', '=', email.templateKey).executeTakeFirst(),
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
          subject: rendered.subject,
          html: rendered.html,
          text: rendered.text,
          // Without SMTP configured, emails are kept and readable in the portal's email log.
          status: options.deliver ? 'queued' : 'captured',
          message_id: `<${id}@${domain}>`,
          contact_id: email.contactId ?? null,
          last_error: null,
          next_attempt_at: options.deliver ? new Date() : null,
          sent_at: null,
        })
        .execute();
      return id;
    },
  };
}
