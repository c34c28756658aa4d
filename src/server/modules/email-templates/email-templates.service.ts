import type {
  EmailSettingsBody,
  EmailTemplate,
  EmailTemplateBody,
  SystemEmailSummary,
} from '../../../contracts/email-templates.ts';
import type { Db, Executor } from '../../db/client.ts';
import { SYSTEM_EMAILS } from '../../email/default-templates.ts';
import { brandingOf } from '../../email/outbox.ts';
import { TemplateRenderError, findTemplate, renderTemplate, validateTemplate } from '../../email/render.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { notFound, unprocessable } from '../../lib/errors.ts';
import { diff, recordAudit } from '../audit/audit.service.ts';
import { getContact } from '../contacts/contacts.service.ts';

function systemEmail(key: string) {
  // Own keys only: a path such as `constructor` must not find Object's prototype.
  const found = Object.hasOwn(SYSTEM_EMAILS, key) ? SYSTEM_EMAILS[key] : undefined;
  if (!found) throw notFound(`The system email ${key}`);
  return found;
}

/** Variable paths a template may use, from the sample (`contact.firstName`, `activationUrl`, `seller.name`). */
function variablesOf(sample: Record<string, unknown>): string[] {
  const paths: string[] = [];
  const walk = (value: unknown, prefix: string) => {
    if (value && typeof value === 'object' && !(value instanceof Date) && !Array.isArray(value))
      for (const [k, v] of Object.entries(value)) walk(v, prefix ? `${prefix}.${k}` : k);
    else paths.push(prefix);
  };
  walk({ ...sample, seller: { name: '', logoUrl: '', color: '' } }, '');
  return paths.sort();
}

export async function listSystemEmails(db: Executor, ctx: RequestContext): Promise<SystemEmailSummary[]> {
  assertCan(ctx, 'emailTemplates.read');
  const [settings, customised] = await Promise.all([
    db.selectFrom('email_settings').selectAll().execute(),
    db.selectFrom('email_templates').select(['key', 'language']).orderBy('language').execute(),
  ]);
  return Object.entries(SYSTEM_EMAILS).map(([key, e]) => {
    const s = settings.find((x) => x.key === key);
    return {
      key,
      name: e.name,
      description: e.description,
      enabled: s?.enabled ?? true,
      cc: s?.cc ?? [],
      bcc: s?.bcc ?? [],
      fromName: s?.from_name ?? null,
      fromAddress: s?.from_address ?? null,
      customisedLanguages: customised.filter((c) => c.key === key).map((c) => c.language),
    };
  });
}

export async function getEmailTemplate(
  db: Executor,
  ctx: RequestContext,
  key: string,
  language: string,
): Promise<EmailTemplate> {
  assertCan(ctx, 'emailTemplates.read');
  const e = systemEmail(key);
  const t = await findTemplate(db, key, language);
  return {
    key,
    language: t.language,
    subject: t.subject,
    html: t.html,
    text: t.text,
    customised: t.customised,
    variables: variablesOf(e.sample),
  };
}

async function assertValid(key: string, body: EmailTemplateBody) {
  const errors = await validateTemplate(key, body);
  if (errors.length)
    throw unprocessable(
      `The template has ${errors.length === 1 ? 'an error' : `${errors.length} errors`}: ${errors[0]!.message}`,
      errors,
    );
}

export async function saveEmailTemplate(
  db: Db,
  ctx: RequestContext,
  key: string,
  language: string,
  body: EmailTemplateBody,
): Promise<EmailTemplate> {
  assertCan(ctx, 'emailTemplates.write');
  systemEmail(key);
  await assertValid(key, body);
  return db.transaction().execute(async (tx) => {
    const before = await findTemplate(tx, key, language);
    const values = { subject: body.subject, html: body.html, text: body.text, updated_at: new Date() };
    await tx
      .insertInto('email_templates')
      .values({ key, language, ...values, updated_by: ctx.actor.type === 'employee' ? ctx.actor.id : null })
      .onConflict((oc) => oc.columns(['key', 'language']).doUpdateSet(values))
      .execute();
    const changes = diff(
      { subject: before.subject, html: before.html, text: before.text },
      { subject: body.subject, html: body.html, text: body.text },
    );
    if (changes)
      await recordAudit(tx, ctx, {
        action: 'email_template.saved',
        entityType: 'email_template',
        entityId: `${key}/${language}`,
        ...changes,
      });
    return getEmailTemplate(tx, ctx, key, language);
  });
}

/** Restores the template that ships with Clientele by removing the edited one. */
export async function restoreDefaultTemplate(
  db: Db,
  ctx: RequestContext,
  key: string,
  language: string,
): Promise<EmailTemplate> {
  assertCan(ctx, 'emailTemplates.write');
  systemEmail(key);
  return db.transaction().execute(async (tx) => {
    const removed = await tx
      .deleteFrom('email_templates')
      .where('key', '=', key)
      .where('language', '=', language)
      .returning(['subject', 'html', 'text'])
      .executeTakeFirst();
    if (removed)
      await recordAudit(tx, ctx, {
        action: 'email_template.restored',
        entityType: 'email_template',
        entityId: `${key}/${language}`,
        before: removed,
      });
    return getEmailTemplate(tx, ctx, key, language);
  });
}

export async function updateEmailSettings(
  db: Db,
  ctx: RequestContext,
  key: string,
  body: EmailSettingsBody,
): Promise<SystemEmailSummary> {
  assertCan(ctx, 'emailTemplates.write');
  systemEmail(key);
  await db.transaction().execute(async (tx) => {
    const current = await tx
      .selectFrom('email_settings')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst();
    const before = {
      enabled: current?.enabled ?? true,
      cc: current?.cc ?? [],
      bcc: current?.bcc ?? [],
      fromName: current?.from_name ?? null,
      fromAddress: current?.from_address ?? null,
    };
    const after = {
      enabled: body.enabled ?? before.enabled,
      cc: body.cc ?? before.cc,
      bcc: body.bcc ?? before.bcc,
      fromName: body.fromName !== undefined ? body.fromName : before.fromName,
      fromAddress: body.fromAddress !== undefined ? body.fromAddress : before.fromAddress,
    };
    const row = {
      enabled: after.enabled,
      cc: after.cc,
      bcc: after.bcc,
      from_name: after.fromName,
      from_address: after.fromAddress,
    };
    await tx
      .insertInto('email_settings')
      .values({ key, ...row })
      .onConflict((oc) => oc.column('key').doUpdateSet(row))
      .execute();
    const changes = diff(before, after);
    if (changes)
      await recordAudit(tx, ctx, {
        action: 'email_settings.updated',
        entityType: 'email_template',
        entityId: key,
        ...changes,
      });
  });
  return (await listSystemEmails(db, ctx)).find((e) => e.key === key)!;
}

/** Renders saved or unsaved template source with sample data, or with a real contact's. */
export async function previewEmailTemplate(
  db: Db,
  ctx: RequestContext,
  key: string,
  language: string,
  body: { contactId?: string; subject?: string; html?: string; text?: string },
): Promise<{ subject: string; html: string; text: string }> {
  assertCan(ctx, 'emailTemplates.read');
  const e = systemEmail(key);
  const saved = await findTemplate(db, key, language);
  const source = {
    subject: body.subject ?? saved.subject,
    html: body.html ?? saved.html,
    text: body.text ?? saved.text,
  };
  await assertValid(key, source);
  let variables: Record<string, unknown> = e.sample;
  if (body.contactId) {
    const contact = await getContact(db, ctx, body.contactId);
    variables = {
      ...e.sample,
      contact: { firstName: contact.firstName, lastName: contact.lastName, email: contact.email },
      account: contact.account ? { name: contact.account.name, number: contact.account.number } : null,
    };
  }
  const rendered = await renderTemplate(
    { ...source, language: saved.language },
    variables,
    await brandingOf(db, ctx.scopeId),
  ).catch((err: unknown) => {
    if (err instanceof TemplateRenderError)
      throw unprocessable(err.message, [{ path: err.field, ...err.detail }]);
    throw err;
  });
  return { subject: rendered.subject, html: rendered.html, text: rendered.text };
}
