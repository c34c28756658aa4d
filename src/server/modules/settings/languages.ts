import {
  ContactLanguages,
  DEFAULT_CONTACT_LANGUAGES,
  ContactLanguagesResult,
} from '../../../contracts/languages.ts';
import type { Executor } from '../../db/client.ts';
import type { App, AppDeps } from '../../deps.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import type { FieldError } from '../../lib/errors.ts';

/** The languages the seller enables for contacts (Settings); the first is the default of new contacts. */
export async function enabledLanguages(db: Executor, scopeId: string): Promise<string[]> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('scope_id', '=', scopeId)
    .where('key', '=', 'languages')
    .executeTakeFirst();
  const parsed = ContactLanguages.safeParse(row?.value);
  return parsed.success ? parsed.data : DEFAULT_CONTACT_LANGUAGES;
}

/**
 * The language a new or changed contact gets: the one asked for when the seller enables it (else a
 * problem naming `path`), the default language when none is asked for.
 */
export async function checkedLanguage(
  db: Executor,
  scopeId: string,
  language: string | undefined,
  problems: FieldError[],
  path = 'language',
): Promise<string> {
  const enabled = await enabledLanguages(db, scopeId);
  if (language === undefined) return enabled[0]!;
  if (!enabled.includes(language))
    problems.push({
      path,
      message: `The language “${language}” is not enabled; choose one of ${enabled.join(', ')}`,
    });
  return language;
}

export async function languagesRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  app.get('/api/settings/languages', {
    config: { access: 'contacts.read' },
    schema: {
      tags: ['Settings'],
      summary: 'The languages contacts may prefer (changed with PATCH /api/settings {languages})',
      response: { 200: ContactLanguagesResult },
    },
    handler: async (request) => {
      const ctx: RequestContext = request.ctx;
      assertCan(ctx, 'contacts.read');
      return { languages: await enabledLanguages(db, ctx.scopeId) };
    },
  });
}
