import { ContactLanguages, DEFAULT_CONTACT_LANGUAGES } from '../../../contracts/languages.ts';
import {
  ACCOUNT_REQUIRABLE_FIELDS,
  CONTACT_REQUIRABLE_FIELDS,
  DEFAULT_REQUIRED_FIELDS,
  type FieldRules,
  RequiredFields,
  requiredMessage,
  type AccountRequirableField,
  type ContactRequirableField,
} from '../../../contracts/required-fields.ts';
import type { Executor } from '../../db/client.ts';
import { validatedAttributeValues, type CheckedValues } from '../attributes/validate.ts';
import { unprocessable, type FieldError } from '../../lib/errors.ts';

/**
 * The one place mandatory built-in fields are checked: the API, bulk add, imports and the storefront
 * sign-up all take their messages from here ("Payment terms is required", naming the field).
 */
export async function requiredFields(db: Executor, scopeId: string): Promise<RequiredFields> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('scope_id', '=', scopeId)
    .where('key', '=', 'requiredFields')
    .executeTakeFirst();
  const parsed = RequiredFields.safeParse(row?.value);
  return parsed.success ? parsed.data : DEFAULT_REQUIRED_FIELDS;
}

/** Mandatory fields and enabled languages in one statement: what every form needs. */
export async function fieldRules(db: Executor, scopeId: string): Promise<FieldRules> {
  const rows = await db
    .selectFrom('settings')
    .select(['key', 'value'])
    .where('scope_id', '=', scopeId)
    .where('key', 'in', ['requiredFields', 'languages'])
    .execute();
  return fieldRulesOf(Object.fromEntries(rows.map((r) => [r.key, r.value])));
}

/** The field rules in the stored settings `requiredFields` and `languages` (defaults where unset or unreadable). */
export function fieldRulesOf(stored: { requiredFields?: unknown; languages?: unknown }): FieldRules {
  const required = RequiredFields.safeParse(stored.requiredFields);
  const languages = ContactLanguages.safeParse(stored.languages);
  return {
    requiredFields: required.success ? required.data : DEFAULT_REQUIRED_FIELDS,
    languages: languages.success ? languages.data : DEFAULT_CONTACT_LANGUAGES,
  };
}

const blank = (v: unknown) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

/**
 * The problems of a write: creating, every required field must have a value; changing, a required field
 * that is sent must not be empty (what is left out keeps its stored value).
 */
export function missingRequiredFields<F extends AccountRequirableField | ContactRequirableField>(
  required: readonly F[],
  values: Partial<Record<F, unknown>>,
  options: { creating: boolean; prefix?: string },
): FieldError[] {
  const problems: FieldError[] = [];
  for (const field of required) {
    const sent = field in values && values[field] !== undefined;
    if (options.creating ? blank(values[field]) : sent && blank(values[field]))
      problems.push({ path: `${options.prefix ?? ''}${field}`, message: requiredMessage(field) });
  }
  return problems;
}

/** Throws the 422 for missing required fields, naming the first in the message. */
export function assertRequiredFields(problems: FieldError[]): void {
  if (problems.length) throw unprocessable(problems[0]!.message, problems);
}

const REQUIRABLE = { account: ACCOUNT_REQUIRABLE_FIELDS, contact: CONTACT_REQUIRABLE_FIELDS } as const;

/**
 * A new account or contact: the mandatory built-in fields left empty. Returned, not thrown, so the caller
 * reports them in one 422 with the custom attributes' problems.
 */
async function missingOnCreate(
  db: Executor,
  scopeId: string,
  entity: 'account' | 'contact',
  values: Record<string, unknown>,
  prefix = '',
): Promise<FieldError[]> {
  const required = (await requiredFields(db, scopeId))[entity];
  return missingRequiredFields(required, values, { creating: true, prefix });
}

/** A change: the mandatory fields it empties; the settings are read only when it empties any. */
async function clearedOnChange(
  db: Executor,
  scopeId: string,
  entity: 'account' | 'contact',
  values: Record<string, unknown>,
): Promise<FieldError[]> {
  const cleared = missingRequiredFields(REQUIRABLE[entity], values, { creating: false });
  if (!cleared.length) return [];
  const required: readonly string[] = (await requiredFields(db, scopeId))[entity];
  return cleared.filter((p) => required.includes(p.path));
}

/**
 * The custom attribute values of a write, checked together with the mandatory built-in fields it leaves
 * empty (on create) or empties (on change): one 422 names them all.
 */
export async function checkedRecordValues(
  db: Executor,
  scopeId: string,
  entity: 'account' | 'contact',
  body: Record<string, unknown> & { attributes?: Record<string, unknown> | null },
  options: { creating: boolean },
): Promise<CheckedValues> {
  const missing = options.creating
    ? await missingOnCreate(db, scopeId, entity, body)
    : await clearedOnChange(db, scopeId, entity, body);
  return validatedAttributeValues(db, scopeId, entity, body.attributes, options, missing);
}
