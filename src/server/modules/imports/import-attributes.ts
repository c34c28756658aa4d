import type { AttributeEntity, AttributeOption } from '../../../contracts/attributes.ts';
import type { ImportAttributeTarget, ImportType } from '../../../contracts/imports.ts';
import type { Executor } from '../../db/client.ts';

/** The entities whose custom attributes an import type fills. */
export const ATTRIBUTE_ENTITIES: Record<ImportType, readonly AttributeEntity[]> = {
  accounts: ['account'],
  contacts: ['contact'],
  individuals: ['contact', 'account'],
  mixed: ['account', 'contact'],
  invoices: [],
  'payment-terms': [],
  'price-groups': [],
  'sales-reps': [],
};

/**
 * The active custom attributes an import type can fill, as mapping targets (one statement): each is
 * `attributes.<key>`, except where a type filling accounts and contacts finds the key on both; then
 * each is named with its entity (`attributes.account.<key>`, `attributes.contact.<key>`).
 */
export async function attributeTargets(
  db: Executor,
  scopeId: string,
  type: ImportType,
): Promise<ImportAttributeTarget[]> {
  const entities = ATTRIBUTE_ENTITIES[type];
  if (!entities.length) return [];
  const rows = await db
    .selectFrom('custom_attributes')
    .select(['entity', 'key', 'label', 'type', 'options', 'mandatory'])
    .where('scope_id', '=', scopeId)
    .where('entity', 'in', [...entities])
    .where('archived_at', 'is', null)
    .orderBy('position')
    .orderBy('key')
    .execute();
  const sorted = entities.flatMap((e) => rows.filter((r) => r.entity === e));
  return sorted.map((r) => {
    const shared = sorted.some((o) => o.key === r.key && o.entity !== r.entity);
    return {
      target: shared ? `attributes.${r.entity}.${r.key}` : `attributes.${r.key}`,
      entity: r.entity,
      key: r.key,
      label: r.label,
      type: r.type,
      mandatory: r.mandatory,
      options: r.options as unknown as AttributeOption[],
    };
  });
}

/** The target a mapping key names: as offered, or named with its entity. */
export function findTarget(
  targets: readonly ImportAttributeTarget[],
  name: string,
): ImportAttributeTarget | undefined {
  return targets.find((t) => t.target === name || `attributes.${t.entity}.${t.key}` === name);
}
