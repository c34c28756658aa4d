import { sql } from 'kysely';
import type { FieldRules } from '../../../contracts/required-fields.ts';
import type { Executor } from '../../db/client.ts';
import { prepared } from '../../db/statements.ts';
import { emailContextSql, type EmailContextRead, type EmailWanted } from '../../email/outbox.ts';
import type { RequestContext } from '../../http/context.ts';
import { accountVisibleTo } from '../accounts/accounts.repository.ts';
import { toActiveAttribute, type ActiveAttribute } from '../attributes/validate.ts';
import type { CustomerGroupRow } from '../customer-groups/customer-groups.repository.ts';
import { fieldRulesOf } from '../settings/required-fields.ts';

/** Everything creating a contact checks or copies, read in one statement inside its transaction. */
export type CreationFacts = {
  /** The transaction's time: the new row's `created_at` and `updated_at` (their default). */
  now: Date;
  /** The account, if it exists in the scope and the actor reaches it. */
  account: { id: string; name: string; number: string; code: string | null } | null;
  rules: FieldRules;
  attributes: ActiveAttribute[];
  /** The customer groups found by the keys asked for (any case), by key; locked until commit. */
  groups: CustomerGroupRow[];
  roles: { id: string; key: string }[];
  /** The group roles found, by key, with the keys of the roles each brings. */
  groupRoles: { id: string; key: string; roles: string[] }[];
  /** What the activation email needs (settings, branding, templates), when it is asked for. */
  email: EmailContextRead | null;
};

type Json<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};

type FactsRow = {
  now: Date;
  account: CreationFacts['account'];
  settings: { requiredFields?: unknown; languages?: unknown } | null;
  attributes: Parameters<typeof toActiveAttribute>[0][];
  groups: Json<CustomerGroupRow>[];
  roles: CreationFacts['roles'];
  group_roles: CreationFacts['groupRoles'];
  email: EmailContextRead | null;
};

const date = (v: string | null) => (v === null ? null : new Date(v));

/**
 * The account (as the actor may see it), the mandatory fields and languages, the contact attributes'
 * definitions, the customer groups (locked: no delete or password change before commit), roles and group
 * roles by key, and the activation email's settings, branding and templates: one round trip instead of seven.
 */
export async function readCreationFacts(
  db: Executor,
  ctx: RequestContext,
  wanted: {
    accountId: string;
    customerGroups: readonly string[];
    roles: readonly string[];
    groupRoles: readonly string[];
    email: EmailWanted | null;
  },
): Promise<CreationFacts> {
  const groupKeys = [...new Set(wanted.customerGroups.map((k) => k.toLowerCase()))];
  const roleKeys = [...new Set(wanted.roles)];
  const groupRoleKeys = [...new Set(wanted.groupRoles)];
  const none = sql`'[]'::json`;
  const query = sql<FactsRow>`SELECT now() AS now,
    (SELECT json_build_object('id', a.id, 'name', a.name, 'number', a.number, 'code', a.code)
      FROM accounts a WHERE a.id = ${wanted.accountId} AND a.scope_id = ${ctx.scopeId}
        AND ${accountVisibleTo(ctx, 'a.id')}) AS account,
    (SELECT json_object_agg(s.key, s.value) FROM settings s
      WHERE s.scope_id = ${ctx.scopeId} AND s.key IN ('requiredFields', 'languages')) AS settings,
    (SELECT coalesce(json_agg(json_build_object('key', d.key, 'label', d.label, 'type', d.type,
        'options', d.options, 'mandatory', d.mandatory, 'show_at_sign_up', d.show_at_sign_up,
        'filterable', d.filterable) ORDER BY d.position, d.key), '[]'::json)
      FROM custom_attributes d
      WHERE d.scope_id = ${ctx.scopeId} AND d.entity = 'contact' AND d.archived_at IS NULL) AS attributes,
    ${
      groupKeys.length
        ? sql`(SELECT coalesce(json_agg(g ORDER BY g.key), '[]'::json) FROM (SELECT * FROM customer_groups
            WHERE scope_id = ${ctx.scopeId} AND lower(key) = ANY(${groupKeys}::text[]) FOR SHARE) g)`
        : none
    } AS groups,
    ${
      roleKeys.length
        ? sql`(SELECT coalesce(json_agg(json_build_object('id', r.id, 'key', r.key) ORDER BY r.key), '[]'::json)
            FROM roles r WHERE r.key = ANY(${roleKeys}::text[]))`
        : none
    } AS roles,
    ${
      groupRoleKeys.length
        ? sql`(SELECT coalesce(json_agg(json_build_object('id', g.id, 'key', g.key, 'roles',
              array(SELECT r.key FROM group_role_roles gr JOIN roles r ON r.id = gr.role_id
                WHERE gr.group_role_id = g.id)) ORDER BY g.key), '[]'::json)
            FROM group_roles g WHERE g.key = ANY(${groupRoleKeys}::text[]))`
        : none
    } AS group_roles,
    ${wanted.email ? emailContextSql([wanted.email]) : sql`NULL::json`} AS email`;
  // Its text varies only with which parts a request has: prepared, every create runs it.
  const row = (await db.executeQuery(prepared(query.compile(db)))).rows[0]!;
  return {
    now: row.now,
    account: row.account,
    rules: fieldRulesOf(row.settings ?? {}),
    attributes: row.attributes.map(toActiveAttribute),
    groups: row.groups.map((g) => ({
      ...g,
      login_valid_from: date(g.login_valid_from),
      login_valid_until: date(g.login_valid_until),
      created_at: new Date(g.created_at),
      updated_at: new Date(g.updated_at),
    })),
    roles: row.roles,
    groupRoles: row.group_roles,
    email: row.email,
  };
}
