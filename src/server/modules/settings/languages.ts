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
  return languageAmong(await enabledLanguages(db, scopeId), language, problems, path);
}

/** `checkedLanguage` for a caller that has read the enabled languages already (with `fieldRules`). */
export function languageAmong(
  enabled: readonly string[],
  language: string | undefined,
  problems: FieldError[],
  path = 'language',
): string {
  if (language === undefined) return enabled[0]!;
  const problem = languageProblem(language, enabled, path);
  if (problem) problems.push(problem);
  return language;
}

/** The message for a language the seller does not enable, around the language (imports build it in SQL). */
export const languageMessageParts = (enabled: readonly string[]) =>
  ['The language “', `” is not enabled; choose one of ${enabled.join(', ')}`] as const;

/** The problem of a language the seller does not enable (the same message for every writer). */
export function languageProblem(language: string, enabled: readonly string[], path = 'language') {
  if (enabled.includes(language)) return null;
  const [before, after] = languageMessageParts(enabled);
  return { path, message: `${before}${language}${after}` };
}

/**
 * A visitor's language when they chose none: the browser's when it is enabled (or its base, fr-CA → fr),
 * else the default (first) enabled language.
 */
export function browserLanguageOf(browser: string | undefined, enabled: readonly string[]): string {
  if (browser && enabled.includes(browser)) return browser;
  const base = browser?.split('-')[0];
  if (base && enabled.includes(base)) return base;
  return enabled[0]!;
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
