import { sql, type RawBuilder } from 'kysely';
import { z } from 'zod';
import type {
  AttributeEntity,
  AttributeOption,
  AttributeType,
  AttributeValue,
} from '../../../contracts/attributes.ts';
import type { Executor } from '../../db/client.ts';
import { unprocessable, type FieldError } from '../../lib/errors.ts';

/**
 * The one place custom attribute values are checked: the API, imports, bulk add and the storefront sign-up
 * all call `checkAttributeValues`, so a value is refused with the same message wherever it comes from.
 */
export type ActiveAttribute = {
  key: string;
  label: string;
  type: AttributeType;
  options: AttributeOption[];
  mandatory: boolean;
  showAtSignUp: boolean;
  filterable: boolean;
};

/** The active (not archived) definitions of an entity, in position order. */
export async function activeAttributes(
  db: Executor,
  scopeId: string,
  entity: AttributeEntity,
): Promise<ActiveAttribute[]> {
  const rows = await db
    .selectFrom('custom_attributes')
    .select(['key', 'label', 'type', 'options', 'mandatory', 'show_at_sign_up', 'filterable'])
    .where('scope_id', '=', scopeId)
    .where('entity', '=', entity)
    .where('archived_at', 'is', null)
    .orderBy('position')
    .orderBy('key')
    .execute();
  return rows.map(toActiveAttribute);
}

/** A definition's row (or the same columns read as json) as the checks use it. */
export const toActiveAttribute = (r: {
  key: string;
  label: string;
  type: AttributeType;
  options: unknown;
  mandatory: boolean;
  show_at_sign_up: boolean;
  filterable: boolean;
}): ActiveAttribute => ({
  key: r.key,
  label: r.label,
  type: r.type,
  options: r.options as AttributeOption[],
  mandatory: r.mandatory,
  showAtSignUp: r.show_at_sign_up,
  filterable: r.filterable,
});

/**
 * The values of the active attributes in a `custom` jsonb column, as one SQL expression (no extra
 * statement on reads): archived attributes' values stay stored but are not shown.
 */
export function attributesOf(
  entity: AttributeEntity,
  table: 'accounts' | 'contacts',
): RawBuilder<Record<string, AttributeValue>> {
  return sql<
    Record<string, AttributeValue>
  >`(select coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb) from jsonb_each(${sql.ref(`${table}.custom`)}) e where exists (select 1 from custom_attributes d where d.scope_id = ${sql.ref(`${table}.scope_id`)} and d.entity = ${entity} and d.key = e.key and d.archived_at is null))`;
}

const EmailValue = z.email();
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const PHONE = /^\+?[0-9][0-9 ()./-]{2,39}$/;
const MAX_TEXT = 2000;

function validDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

function validUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Checks one value against a type (and options); returns the value to store, or why it does not fit.
 * `fromText` (imports, bulk add): values arrive as text and are converted (numbers, yes/no, lists split on , or ;).
 */
export function fitValue(
  def: Pick<ActiveAttribute, 'label' | 'type' | 'options'>,
  raw: unknown,
  fromText = false,
): { value: AttributeValue } | { error: string } {
  const name = def.label;
  const optionValues = def.options.map((o) => o.value);
  const optionOf = (v: string) =>
    optionValues.find((o) => o === v) ??
    (fromText
      ? def.options.find(
          (o) => o.label.toLowerCase() === v.toLowerCase() || o.value.toLowerCase() === v.toLowerCase(),
        )?.value
      : undefined);
  switch (def.type) {
    case 'number': {
      let n = raw;
      if (fromText && typeof raw === 'string' && raw.trim() !== '') n = Number(raw.trim().replace(',', '.'));
      if (typeof n !== 'number' || !Number.isFinite(n)) return { error: `${name} must be a number` };
      return { value: n };
    }
    case 'boolean': {
      let b = raw;
      if (fromText && typeof raw === 'string') {
        const t = raw.trim().toLowerCase();
        if (['true', 'yes', 'y', '1', 'ja', 'oui'].includes(t)) b = true;
        else if (['false', 'no', 'n', '0', 'nein', 'non'].includes(t)) b = false;
      }
      if (typeof b !== 'boolean') return { error: `${name} must be true or false` };
      return { value: b };
    }
    case 'multiselect': {
      let list = raw;
      if (fromText && typeof raw === 'string')
        list = raw
          .split(/[;,]/)
          .map((s) => s.trim())
          .filter(Boolean);
      if (!Array.isArray(list) || list.some((v) => typeof v !== 'string'))
        return { error: `${name} must be a list of options` };
      const values: string[] = [];
      for (const v of list as string[]) {
        const option = optionOf(v);
        if (option === undefined) return { error: `${name}: "${v}" is not one of the options` };
        if (!values.includes(option)) values.push(option);
      }
      return { value: values };
    }
    case 'text':
    case 'date':
    case 'email':
    case 'phone':
    case 'url':
    case 'select':
      break;
  }
  if (typeof raw !== 'string') return { error: `${name} must be text` };
  const value = raw.trim();
  if (value.length > MAX_TEXT) return { error: `${name}: use at most ${MAX_TEXT} characters` };
  switch (def.type) {
    case 'select': {
      const option = optionOf(value);
      if (option === undefined) return { error: `${name}: "${value}" is not one of the options` };
      return { value: option };
    }
    case 'date':
      if (!validDate(value)) return { error: `${name} must be a date such as 2026-12-31` };
      return { value };
    case 'email':
      if (!EmailValue.safeParse(value).success) return { error: `${name} must be a valid email address` };
      return { value };
    case 'phone':
      if (!PHONE.test(value)) return { error: `${name} must be a phone number` };
      return { value };
    case 'url':
      if (!validUrl(value))
        return { error: `${name} must be a web address starting with http:// or https://` };
      return { value };
    case 'text':
      return { value };
  }
}

const isEmpty = (v: unknown) =>
  v === null ||
  v === undefined ||
  (typeof v === 'string' && v.trim() === '') ||
  (Array.isArray(v) && !v.length);

export type CheckOptions = {
  /** A new record: mandatory attributes must have a value. On an update only clearing one is refused. */
  creating: boolean;
  /** Values arrive as text (imports, bulk add): converted where the type allows. */
  fromText?: boolean;
  /** The storefront sign-up: only attributes shown there are accepted (and their mandatory ones enforced). */
  signUp?: boolean;
  /** The field path prefix of the errors (default `attributes`). */
  path?: string;
};

export type CheckedValues = {
  /** Values to merge into `custom`. */
  set: Record<string, AttributeValue>;
  /** Keys to remove from `custom` (null or empty in the input). */
  clear: string[];
  errors: FieldError[];
};

/** Checks `attributes` of a write against the active definitions; collects every error. */
export function checkAttributeValues(
  defs: readonly ActiveAttribute[],
  input: Record<string, unknown> | null | undefined,
  options: CheckOptions,
): CheckedValues {
  const prefix = options.path ?? 'attributes';
  const usable = options.signUp ? defs.filter((d) => d.showAtSignUp) : defs;
  const byKey = new Map(usable.map((d) => [d.key, d]));
  const out: CheckedValues = { set: {}, clear: [], errors: [] };
  const values = input ?? {};
  for (const [key, raw] of Object.entries(values)) {
    const def = byKey.get(key);
    if (!def) {
      out.errors.push({ path: `${prefix}.${key}`, message: `Unknown attribute "${key}"` });
      continue;
    }
    if (isEmpty(raw)) {
      if (def.mandatory) out.errors.push({ path: `${prefix}.${key}`, message: `${def.label} is required` });
      else out.clear.push(key);
      continue;
    }
    const fit = fitValue(def, raw, options.fromText);
    if ('error' in fit) out.errors.push({ path: `${prefix}.${key}`, message: fit.error });
    else out.set[key] = fit.value;
  }
  if (options.creating)
    for (const def of usable)
      if (def.mandatory && !(def.key in values))
        out.errors.push({ path: `${prefix}.${def.key}`, message: `${def.label} is required` });
  return out;
}

/** Throws the 422 for the errors of a check, naming the first attribute in the message. */
export function assertAttributeValues(checked: CheckedValues): void {
  if (checked.errors.length) throw unprocessable(checked.errors[0]!.message, checked.errors);
}

/**
 * Loads the definitions and checks: the usual call of a service write. `earlier` are the problems the
 * write already has (mandatory built-in fields): one 422 names them and the attributes' together.
 */
export async function validatedAttributeValues(
  db: Executor,
  scopeId: string,
  entity: AttributeEntity,
  input: Record<string, unknown> | null | undefined,
  options: CheckOptions,
  earlier: readonly FieldError[] = [],
): Promise<CheckedValues> {
  const unchanged = !options.creating && (!input || !Object.keys(input).length);
  const checked = unchanged
    ? { set: {}, clear: [], errors: [] }
    : checkAttributeValues(await activeAttributes(db, scopeId, entity), input, options);
  assertAttributeValues({ ...checked, errors: [...earlier, ...checked.errors] });
  return checked;
}

/** `custom` after a write: merged with the new values, cleared keys removed (archived values kept). */
export function mergedCustom(
  checked: CheckedValues,
  column: 'accounts.custom' | 'contacts.custom' | 'custom' = 'custom',
) {
  return sql<string>`(${sql.ref(column)} || ${JSON.stringify(checked.set)}::jsonb) - ${sql.val(checked.clear)}::text[]`;
}

/** Whether a write changes any attribute value. */
export const changesAttributes = (checked: CheckedValues) =>
  Object.keys(checked.set).length > 0 || checked.clear.length > 0;

/**
 * `attr.<key>=<value>` list filters as one jsonb containment condition per key (GIN-index friendly);
 * an unknown or non-filterable key is 422.
 */
export async function attributeFilterConditions(
  db: Executor,
  scopeId: string,
  entity: AttributeEntity,
  filters: Record<string, string>,
  table: 'accounts' | 'contacts',
): Promise<RawBuilder<boolean>[]> {
  const keys = Object.keys(filters);
  if (!keys.length) return [];
  const defs = await activeAttributes(db, scopeId, entity);
  const errors: FieldError[] = [];
  const conditions: RawBuilder<boolean>[] = [];
  for (const key of keys) {
    const def = defs.find((d) => d.key === key);
    if (!def || !def.filterable) {
      errors.push({
        path: `attr.${key}`,
        message: def ? `${def.label} is not filterable` : `Unknown attribute "${key}"`,
      });
      continue;
    }
    const fit = fitValue(def, filters[key], true);
    if ('error' in fit) {
      errors.push({ path: `attr.${key}`, message: fit.error });
      continue;
    }
    conditions.push(
      sql<boolean>`${sql.ref(`${table}.custom`)} @> ${JSON.stringify({ [key]: fit.value })}::jsonb`,
    );
  }
  if (errors.length) throw unprocessable(errors[0]!.message, errors);
  return conditions;
}

/**
 * The storefront sign-up: values for the new account and its contact, only attributes shown at sign-up,
 * mandatory ones enforced. Errors name `attributes.<entity>.<key>`, after the `earlier` problems of the
 * sign-up in the same 422; returns the values to store.
 */
export async function signUpAttributeValues(
  db: Executor,
  scopeId: string,
  input:
    | { account?: Record<string, unknown> | undefined; contact?: Record<string, unknown> | undefined }
    | undefined,
  earlier: readonly FieldError[] = [],
): Promise<{ account: Record<string, AttributeValue>; contact: Record<string, AttributeValue> }> {
  const [accountDefs, contactDefs] = await Promise.all([
    activeAttributes(db, scopeId, 'account'),
    activeAttributes(db, scopeId, 'contact'),
  ]);
  const account = checkAttributeValues(accountDefs, input?.account, {
    creating: true,
    signUp: true,
    path: 'attributes.account',
  });
  const contact = checkAttributeValues(contactDefs, input?.contact, {
    creating: true,
    signUp: true,
    path: 'attributes.contact',
  });
  assertAttributeValues({ ...account, errors: [...earlier, ...account.errors, ...contact.errors] });
  return { account: account.set, contact: contact.set };
}
