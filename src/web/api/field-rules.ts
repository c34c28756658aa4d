import { useQuery } from '@tanstack/react-query';
import {
  requiredMessage,
  type AccountRequirableField,
  type ContactRequirableField,
  type FieldRules,
} from '../../contracts/required-fields.ts';
import { api } from './client.ts';

export const fieldRulesKey = ['field-rules'] as const;

/** Which built-in fields are mandatory and which languages are enabled (any employee may read it). */
export function useFieldRules(enabled = true) {
  return useQuery({
    queryKey: fieldRulesKey,
    queryFn: ({ signal }) => api<FieldRules>('/settings/field-rules', { signal }),
    staleTime: 60_000,
    enabled,
  });
}

type Requirable = { account: AccountRequirableField; contact: ContactRequirableField };

/** Whether a form marks a built-in field with an asterisk; false until the rules are known. */
export function isRequired<E extends keyof Requirable>(
  rules: FieldRules | undefined,
  entity: E,
  field: Requirable[E],
): boolean {
  return (rules?.requiredFields[entity] as readonly string[] | undefined)?.includes(field) ?? false;
}

/**
 * The messages the server gives for mandatory fields left empty, by field, so a form refuses before
 * sending with the same words.
 */
export function missingRequired<E extends keyof Requirable>(
  rules: FieldRules | undefined,
  entity: E,
  values: Partial<Record<Requirable[E], unknown>>,
): Partial<Record<Requirable[E], string>> {
  const out: Partial<Record<Requirable[E], string>> = {};
  for (const field of (rules?.requiredFields[entity] ?? []) as Requirable[E][]) {
    const v = values[field];
    if (v === null || v === undefined || (typeof v === 'string' && v.trim() === ''))
      out[field] = requiredMessage(field);
  }
  return out;
}
