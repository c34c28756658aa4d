import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Account } from '../../contracts/accounts.ts';
import type { Contact } from '../../contracts/contacts.ts';
import { api, isApiError } from './client.ts';

/** Custom attribute definitions (R9) as `GET /api/attributes` returns them. */
export type AttributeEntity = 'account' | 'contact';
export type AttributeType =
  'text' | 'number' | 'date' | 'boolean' | 'select' | 'multiselect' | 'email' | 'phone' | 'url';

export interface AttributeDefinition {
  id?: string;
  entity: AttributeEntity;
  key: string;
  type: AttributeType;
  label: string;
  labels?: Record<string, string>;
  helpText?: string | null;
  options?: { value: string; label: string }[] | null;
  mandatory: boolean;
  showInList?: boolean;
  filterable?: boolean;
  showAtSignUp?: boolean;
  position?: number;
  archived?: boolean;
  archivedAt?: string | null;
}

/** One stored value: a string (text, date `YYYY-MM-DD`, select…), a number, a boolean or a list of options. */
export type AttributeValue = string | number | boolean | string[] | null;
export type AttributeValues = Record<string, AttributeValue>;

/** The values of a record (account, contact, list row), empty when the server sends none. */
export const attributesOf = (record: unknown): AttributeValues => {
  const v = (record as { attributes?: unknown } | null | undefined)?.attributes;
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as AttributeValues) : {};
};

const isArchived = (d: AttributeDefinition) => d.archived === true || !!d.archivedAt;

/** Live definitions of one entity, in their position order. */
export function sortDefinitions(
  defs: AttributeDefinition[],
  entity?: AttributeEntity,
): AttributeDefinition[] {
  return defs
    .filter((d) => !isArchived(d) && (!entity || d.entity === entity))
    .sort((a, b) => (a.position ?? 0) - (b.position ?? 0) || a.label.localeCompare(b.label));
}

export const attributeDefinitionKeys = { all: ['attributes'] as const };

/** The seller's attribute definitions for `entity`, live ones in position order. */
export function useAttributeDefinitions(entity: AttributeEntity, enabled = true) {
  const q = useQuery({
    queryKey: attributeDefinitionKeys.all,
    queryFn: async ({ signal }) => {
      try {
        const r = await api<AttributeDefinition[] | { items: AttributeDefinition[] }>('/attributes', {
          signal,
        });
        return Array.isArray(r) ? r : r.items;
      } catch (e) {
        // No definitions API (404) or no right to read it (403): forms and lists go on without attributes.
        if (isApiError(e) && (e.status === 404 || e.status === 403)) return [];
        throw e;
      }
    },
    staleTime: 60_000,
    enabled,
  });
  return { ...q, definitions: sortDefinitions(q.data ?? [], entity) };
}

/** The label in the reader's language (`fr-CA`, then `fr`), else the default label. */
export function attributeLabel(
  def: Pick<AttributeDefinition, 'label' | 'labels'>,
  language?: string,
): string {
  const lang = language ?? (typeof navigator === 'undefined' ? 'en' : navigator.language);
  const labels = def.labels ?? {};
  return labels[lang] || labels[lang.split('-')[0] ?? ''] || def.label;
}

/** What a mandatory attribute without a value says: the server's words, in the portal and the storefront alike. */
export const mandatoryMessage = (def: Pick<AttributeDefinition, 'label' | 'labels'>, language?: string) =>
  `${attributeLabel(def, language)} is required`;

export const isEmptyValue = (v: AttributeValue | undefined) =>
  v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/** Mandatory definitions without a value: `{key: message}`. A checkbox always answers (unticked is No). */
export function missingMandatory(
  defs: AttributeDefinition[],
  values: AttributeValues,
  language?: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of defs) {
    if (d.mandatory && d.type !== 'boolean' && isEmptyValue(values[d.key]))
      out[d.key] = mandatoryMessage(d, language);
  }
  return out;
}

/**
 * The server's messages on `attributes.<key>` (a 400 from the schema or a 422 from the definitions), or on
 * `<path>.<key>` for a body that carries values under another name (bulk add's `accountAttributes`).
 */
export function attributeErrorsOf(e: unknown, prefix = 'attributes'): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isApiError(e) || !Array.isArray(e.details)) return out;
  for (const issue of e.details as { path?: unknown; message?: unknown }[]) {
    const path = Array.isArray(issue?.path) ? issue.path.join('.') : issue?.path;
    if (typeof path !== 'string' || typeof issue.message !== 'string') continue;
    if (path.startsWith(`${prefix}.`)) out[path.slice(prefix.length + 1)] ??= issue.message;
  }
  return out;
}

/** True when an error is about attributes only, so a form can show it on the fields instead of an alert. */
export const onlyAttributeErrors = (e: unknown) =>
  isApiError(e) &&
  Array.isArray(e.details) &&
  e.details.length > 0 &&
  Object.keys(attributeErrorsOf(e)).length > 0 &&
  (e.details as { path?: unknown }[]).every(
    (d) => typeof d?.path === 'string' && d.path.startsWith('attributes.'),
  );

/** A value as sent: numbers typed as text become numbers, blank text becomes null. */
export function normalizeValue(def: AttributeDefinition, v: AttributeValue | undefined): AttributeValue {
  if (v === undefined || v === null) return null;
  if (def.type === 'number') {
    if (typeof v === 'number') return v;
    const s = String(v).trim();
    return s === '' ? null : Number.isFinite(Number(s)) ? Number(s) : s;
  }
  if (def.type === 'multiselect') return Array.isArray(v) && v.length > 0 ? v : null;
  if (def.type === 'boolean')
    return typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : null;
  if (typeof v === 'string') return v.trim() === '' ? null : v.trim();
  return v;
}

/** The `attributes` of a create body: only the values given. */
export function valuesForCreate(defs: AttributeDefinition[], values: AttributeValues): AttributeValues {
  const out: AttributeValues = {};
  for (const d of defs) {
    // An unticked checkbox is an answer (No), which a mandatory yes/no needs.
    const v = normalizeValue(d, values[d.key]) ?? (d.type === 'boolean' && d.mandatory ? false : null);
    if (v !== null) out[d.key] = v;
  }
  return out;
}

/** The `attributes` of a PATCH: the values that changed, null for a cleared one. */
export function changedValues(
  defs: AttributeDefinition[],
  saved: AttributeValues,
  values: AttributeValues,
): AttributeValues {
  const out: AttributeValues = {};
  for (const d of defs) {
    const before = normalizeValue(d, saved[d.key]);
    const after = normalizeValue(d, values[d.key]);
    if (JSON.stringify(before) !== JSON.stringify(after)) out[d.key] = after;
  }
  return out;
}

/** A value for reading: "Yes"/"No", the option labels, a local date. */
export function formatAttributeValue(def: AttributeDefinition, v: AttributeValue | undefined): string {
  if (isEmptyValue(v)) return '—';
  const optionLabel = (value: string) => def.options?.find((o) => o.value === value)?.label ?? value;
  switch (def.type) {
    case 'boolean':
      return v === true ? 'Yes' : v === false ? 'No' : String(v);
    case 'select':
      return optionLabel(String(v));
    case 'multiselect':
      return (Array.isArray(v) ? v : [String(v)]).map(optionLabel).join(', ');
    case 'date': {
      const s = String(v);
      const d = /^\d{4}-\d{2}-\d{2}$/.test(s) ? new Date(`${s}T00:00:00`) : null;
      return d && !Number.isNaN(d.getTime()) ? d.toLocaleDateString() : s;
    }
    case 'text':
    case 'number':
    case 'email':
    case 'phone':
    case 'url':
      return Array.isArray(v) ? v.join(', ') : String(v);
  }
}

/** Saves changed attribute values of an account or a contact (`PATCH … {attributes}`). */
export function useSaveAttributes(entity: AttributeEntity, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (attributes: AttributeValues) =>
      api<Account | Contact>(`/${entity === 'account' ? 'accounts' : 'contacts'}/${id}`, {
        method: 'PATCH',
        body: { attributes },
      }),
    onSuccess: (saved) => {
      qc.setQueryData([entity === 'account' ? 'accounts' : 'contacts', 'one', id], saved);
      void qc.invalidateQueries({ queryKey: [entity === 'account' ? 'accounts' : 'contacts', 'list'] });
      void qc.invalidateQueries({ queryKey: ['audit'] });
    },
  });
}

/** List filters on attributes, as the lists' URL and the API name them: `attr.<key>`. */
export type AttributeFilterParams = { [param: `attr.${string}`]: string | undefined };

/** The `attr.<key>` entries of a URL's search params (numbers and booleans the router parsed back to text). */
export function attributeFilterParams(search: Record<string, unknown>): AttributeFilterParams {
  const out: AttributeFilterParams = {};
  for (const [k, v] of Object.entries(search)) {
    if (!k.startsWith('attr.') || k.length <= 5) continue;
    if (typeof v === 'string' && v !== '') out[k as `attr.${string}`] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k as `attr.${string}`] = String(v);
  }
  return out;
}
