import { sql, type RawBuilder } from 'kysely';
import { isCommercialImport } from '../../../contracts/import-fields.ts';
import type { ImportType, LoginMode } from '../../../contracts/imports.ts';
import type { Executor } from '../../db/client.ts';
import {
  resolveAccounts,
  resolvePersonalAccounts,
  auditRows,
  type Cte,
  differs,
  diffJson,
  withCtes,
  type AuditActor,
  type Compared,
} from './apply-sql.ts';
import { applyCommercialChunk } from './apply-commercial.ts';
import { importEventsMark, recordImportEvents } from '../events/index.ts';
import { applyInvoiceChunk } from './apply-invoices.ts';
import { stageTable } from './stage.ts';

export type ApplyEnv = {
  importId: string;
  scopeId: string;
  type: ImportType;
  actor: AuditActor;
  accountNumberPrefix: string;
  /** Groups everyone in the file joins (lower-case keys). */
  groupKeys: string[];
  /** Whether the file has a customer-groups column. */
  groupsMapped: boolean;
  /** Whether the mapping fills custom attributes of accounts, of contacts. */
  attributesMapped: { account: boolean; contact: boolean };
  login: {
    mode: LoginMode;
    passwordHash: string | null;
    validFrom: string | null;
    validUntil: string | null;
  };
  dryRun: boolean;
  /** The language of new contacts whose row names none: the first one the seller enables. */
  defaultLanguage: string;
};

export type LineOutcome = 'created' | 'updated';
export type ChunkResult = {
  outcomes: Map<number, LineOutcome>;
  createdContacts: { id: string; email: string }[];
};

type Range = { lo: number; hi: number };

const compared = (pairs: [key: string, column: string][]): Compared[] =>
  pairs.map(([key, column]) => ({ key, old: `o_${column}`, new: `n_${column}` }));

const ACCOUNT_FIELDS: [string, string, string][] = [
  // [json key, accounts column, stage column]
  ['name', 'name', 'account_name'],
  ['code', 'code', 'account_code'],
  ['kind', 'kind', 'account_kind'],
  ['paymentTerms', 'payment_terms', 'payment_terms'],
  ['priceGroup', 'price_group', 'price_group'],
  ['salesRepCode', 'sales_rep_code', 'sales_rep_code'],
];
const PERSONAL_ACCOUNT_FIELDS = ACCOUNT_FIELDS.filter(([key]) =>
  ['paymentTerms', 'priceGroup', 'salesRepCode'].includes(key),
);
const ADDRESS_FIELDS: [string, string, string][] = [
  ['line1', 'line1', 'billing_line1'],
  ['line2', 'line2', 'billing_line2'],
  ['city', 'city', 'billing_city'],
  ['postalCode', 'postal_code', 'billing_postal_code'],
  ['region', 'region', 'billing_region'],
  ['country', 'country', 'billing_country'],
];
const CONTACT_FIELDS: [string, string, string][] = [
  ['firstName', 'first_name', 'first_name'],
  ['lastName', 'last_name', 'last_name'],
  ['phone', 'phone', 'phone'],
  ['workPhone', 'work_phone', 'work_phone'],
  ['language', 'language', 'language'],
];

/** Old value, the row's value, and the new value (an empty cell keeps what is stored). */
function pick(fields: [string, string, string][], alias: string) {
  return sql.raw(
    fields
      .map(
        ([, target, stage]) =>
          `${alias}.${target} AS o_${target}, coalesce(s.${stage}, ${alias}.${target}) AS n_${target}`,
      )
      .join(', '),
  );
}

/**
 * Custom attributes of a row (stage column `account_attributes` or `contact_attributes`): the stored values
 * of the keys the row brings (`o_attributes`) and the row's values (`n_attributes`); both null without any.
 * Stored values of other keys are kept and not compared.
 */
function pickAttributes(alias: string, stageColumn: 'account_attributes' | 'contact_attributes') {
  return sql.raw(`CASE WHEN s.${stageColumn} IS NULL THEN NULL ELSE (
      SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb) FROM jsonb_each(${alias}.custom) e
      WHERE e.key IN (SELECT jsonb_object_keys(s.${stageColumn}))) END AS o_attributes,
    s.${stageColumn} AS n_attributes`);
}
const ATTRIBUTES: Compared = { key: 'attributes', old: 'o_attributes', new: 'n_attributes' };

const chunk = ({ lo, hi }: Range) => sql`s.line > ${lo} AND s.line <= ${hi}`;
const setNew = (fields: [string, string, string][]) =>
  sql.raw(fields.map(([, target]) => `${target} = c.n_${target}`).join(', '));
const afterJson = (fields: [string, string, string][], from: (f: [string, string, string]) => string) =>
  sql`jsonb_strip_nulls(jsonb_build_object(${sql.join(fields.map((f) => sql`${f[0]}::text, ${sql.raw(from(f))}`))}))`;

async function lines(
  db: Executor,
  query: RawBuilder<unknown>,
): Promise<{ line: number; outcome: LineOutcome }[]> {
  const { rows } = await query.execute(db);
  return rows as { line: number; outcome: LineOutcome }[];
}

type FieldSpec = [key: string, target: string, stage: string];

/**
 * The three steps every upsert shares: the rows whose fields differ, their update, and their audit
 * rows with only the changed fields. A dry run keeps only the first.
 */
function updateChanged(
  env: ApplyEnv,
  o: {
    table: string;
    alias: string;
    specs: FieldSpec[];
    key: string;
    matched: string;
    action: string;
    entity: string;
    touch: boolean;
    /** The entity the audit rows name, when not the updated row itself. */
    auditId?: string;
    /** `src` has `o_attributes`/`n_attributes`: compared too, merged into `custom`. */
    attributes?: boolean;
  },
): Cte[] {
  const fields = [...compared(o.specs.map(([k, c]) => [k, c])), ...(o.attributes ? [ATTRIBUTES] : [])];
  const write = !env.dryRun;
  const merge = o.attributes
    ? sql`, custom = ${sql.raw(o.alias)}.custom || coalesce(c.n_attributes, '{}'::jsonb)`
    : sql``;
  const touch = o.touch ? sql`${merge}, updated_at = now()` : merge;
  return [
    ['changed', sql`SELECT * FROM src WHERE ${sql.raw(o.matched)} AND ${differs(fields)}`],
    [
      'upd',
      write
        ? sql`UPDATE ${sql.table(o.table)} ${sql.raw(o.alias)} SET ${setNew(o.specs)}${touch}
            FROM changed c WHERE ${sql.raw(o.alias)}.id = c.${sql.raw(o.key)}`
        : null,
    ],
    [
      'aud_u',
      write
        ? auditRows(
            env.importId,
            env.actor,
            o.action,
            o.entity,
            'changed',
            o.auditId ?? o.key,
            diffJson(fields, 'old'),
            diffJson(fields, 'new'),
          )
        : null,
    ],
  ];
}

// Every lookup is a LATERAL … LIMIT 1: always an index probe per row. The tables grow during an import
// faster than their statistics, and plain joins were planned as hash joins over the whole table for
// every range of lines (quadratic over the file).

/** Creates or updates the accounts the rows name (each account once: rows marked `owner`). */
function accountsStatement(env: ApplyEnv, range: Range) {
  const stage = stageTable(env.importId);
  const attrs = env.attributesMapped.account;
  const src = sql`SELECT s.line, s.account_number, a.id AS existing_id, ${pick(ACCOUNT_FIELDS, 'a')}
      ${attrs ? sql`, ${pickAttributes('a', 'account_attributes')}` : sql``}
    FROM ${stage} s LEFT JOIN LATERAL (SELECT * FROM accounts a WHERE a.id = s.account_id LIMIT 1) a ON true
    WHERE ${chunk(range)} AND s.owner`;
  const write = !env.dryRun;
  return withCtes(
    [
      ['src', src, 'materialized'],
      ...updateChanged(env, {
        table: 'accounts',
        alias: 'a',
        specs: ACCOUNT_FIELDS,
        key: 'existing_id',
        matched: 'existing_id IS NOT NULL',
        action: 'account.updated',
        entity: 'account',
        touch: true,
        attributes: attrs,
      }),
      [
        'fresh',
        write
          ? sql`SELECT src.*, gen_random_uuid() AS new_id,
              coalesce(account_number, ${env.accountNumberPrefix} || nextval('account_number_seq')::text) AS new_number
            FROM src WHERE existing_id IS NULL`
          : sql`SELECT src.* FROM src WHERE existing_id IS NULL`,
        'materialized',
      ],
      [
        'ins',
        write
          ? sql`INSERT INTO accounts (id, scope_id, kind, name, code, number, payment_terms, price_group, sales_rep_code,
                custom)
              SELECT new_id, ${env.scopeId}, coalesce(n_kind, 'business'), n_name, n_code, new_number,
                n_payment_terms, n_price_group, n_sales_rep_code,
                ${attrs ? sql`coalesce(n_attributes, '{}'::jsonb)` : sql`'{}'::jsonb`} FROM fresh`
          : null,
      ],
      [
        'aud_i',
        write
          ? auditRows(
              env.importId,
              env.actor,
              'account.created',
              'account',
              'fresh',
              'new_id',
              null,
              sql`jsonb_strip_nulls(jsonb_build_object('number', new_number, 'name', n_name, 'code', n_code,
                'kind', coalesce(n_kind, 'business'), 'paymentTerms', n_payment_terms, 'priceGroup', n_price_group,
                'salesRepCode', n_sales_rep_code, 'attributes', ${attrs ? sql`n_attributes` : sql`NULL::jsonb`}))`,
            )
          : null,
      ],
    ],
    sql`SELECT line, 'created' AS outcome FROM fresh UNION ALL SELECT line, 'updated' AS outcome FROM changed`,
  );
}

/** Payment terms, price group and sales rep of the personal accounts of existing individuals. */
function personalAccountsStatement(env: ApplyEnv, range: Range) {
  const stage = stageTable(env.importId);
  const attrs = env.attributesMapped.account;
  const src = sql`SELECT s.line, a.id AS existing_id, ${pick(PERSONAL_ACCOUNT_FIELDS, 'a')}
      ${attrs ? sql`, ${pickAttributes('a', 'account_attributes')}` : sql``}
    FROM ${stage} s
    JOIN contacts c ON c.scope_id = ${env.scopeId} AND lower(c.email) = lower(s.email)
    JOIN contact_accounts ca ON ca.contact_id = c.id AND ca.is_primary
    JOIN accounts a ON a.id = ca.account_id
    WHERE ${chunk(range)}`;
  return withCtes(
    [
      ['src', src, 'materialized'],
      ...updateChanged(env, {
        table: 'accounts',
        alias: 'a',
        specs: PERSONAL_ACCOUNT_FIELDS,
        key: 'existing_id',
        matched: 'true',
        action: 'account.updated',
        entity: 'account',
        touch: true,
        attributes: attrs,
      }),
    ],
    sql`SELECT line, 'updated' AS outcome FROM changed`,
  );
}

/** The default billing address of each row's account: created, or updated where it differs. */
function addressesStatement(env: ApplyEnv, range: Range) {
  const stage = stageTable(env.importId);
  const src = sql`SELECT s.line, s.account_id, ad.id AS addr_id, ${pick(ADDRESS_FIELDS, 'ad')}
    FROM ${stage} s
    LEFT JOIN LATERAL (SELECT * FROM addresses ad WHERE ad.account_id = s.account_id AND ad.type = 'billing'
      AND ad.is_default LIMIT 1) ad ON true
    WHERE ${chunk(range)} AND s.owner AND s.billing_line1 IS NOT NULL AND s.account_id IS NOT NULL`;
  const write = !env.dryRun;
  return withCtes(
    [
      ['src', src, 'materialized'],
      ...updateChanged(env, {
        table: 'addresses',
        alias: 'ad',
        specs: ADDRESS_FIELDS,
        key: 'addr_id',
        matched: 'addr_id IS NOT NULL',
        action: 'account.billingAddress.updated',
        entity: 'account',
        auditId: 'account_id',
        touch: false,
      }),
      ['fresh', sql`SELECT * FROM src WHERE addr_id IS NULL`],
      [
        'ins',
        write
          ? sql`INSERT INTO addresses (account_id, type, is_default, line1, line2, city, postal_code, region, country)
              SELECT account_id, 'billing', true, n_line1, n_line2, n_city, n_postal_code, n_region, n_country
              FROM fresh`
          : null,
      ],
      [
        'aud_i',
        write
          ? auditRows(
              env.importId,
              env.actor,
              'account.billingAddress.created',
              'account',
              'fresh',
              'account_id',
              null,
              afterJson(ADDRESS_FIELDS, (f) => `n_${f[1]}`),
            )
          : null,
      ],
    ],
    sql`SELECT line, 'updated' AS outcome FROM changed UNION ALL SELECT line, 'updated' AS outcome FROM fresh`,
  );
}

/** Creates or updates contacts by email; new individuals get their personal account in the same statement. */
function contactsStatement(env: ApplyEnv, range: Range) {
  const stage = stageTable(env.importId);
  const individuals = env.type === 'individuals';
  const accountJoin = individuals
    ? sql``
    : sql`LEFT JOIN LATERAL (SELECT an.id FROM accounts an WHERE an.scope_id = ${env.scopeId}
            AND s.account_number IS NOT NULL AND lower(an.number) = lower(s.account_number) LIMIT 1) an ON true
        LEFT JOIN LATERAL (SELECT ac.id FROM accounts ac WHERE ac.scope_id = ${env.scopeId}
            AND s.account_number IS NULL AND lower(ac.code) = lower(s.account_code) LIMIT 1) ac ON true`;
  const accountId = individuals ? sql`NULL::uuid` : sql`coalesce(s.account_id, an.id, ac.id)`;
  const write = !env.dryRun;
  // Ids (and numbers) for new rows are drawn here, once per row: `fresh` is then a filter, not a copy.
  const fresh = (value: RawBuilder<unknown>) =>
    write ? sql`CASE WHEN c.id IS NULL THEN ${value} END` : sql`NULL`;
  const created = individuals
    ? sql`${fresh(sql`gen_random_uuid()`)}::uuid AS new_account_id,
        ${fresh(sql`${env.accountNumberPrefix} || nextval('account_number_seq')::text`)}::text AS new_number`
    : sql`${accountId} AS new_account_id, NULL::text AS new_number`;
  const attrs = env.attributesMapped.contact;
  const accountAttrs = individuals && env.attributesMapped.account;
  const src = sql`SELECT s.line, s.email, s.payment_terms, s.price_group, s.sales_rep_code, ${accountId} AS account_id,
      c.id AS existing_id, ${fresh(sql`gen_random_uuid()`)}::uuid AS new_id, ${created}, ${pick(CONTACT_FIELDS, 'c')}
      ${attrs ? sql`, ${pickAttributes('c', 'contact_attributes')}` : sql``}
      ${accountAttrs ? sql`, s.account_attributes` : sql``}
    FROM ${stage} s
    LEFT JOIN LATERAL (SELECT * FROM contacts c WHERE c.scope_id = ${env.scopeId}
      AND lower(c.email) = lower(s.email) LIMIT 1) c ON true
    ${accountJoin}
    WHERE ${chunk(range)} AND s.email IS NOT NULL`;
  const { login } = env;
  const withLogin = login.mode !== 'none' && login.mode !== 'activation';
  const relinkWhere = sql`existing_id IS NOT NULL AND account_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM contact_accounts x WHERE x.contact_id = src.existing_id AND x.account_id = src.account_id)`;
  return withCtes(
    [
      ['src', src, 'materialized'],
      ...updateChanged(env, {
        table: 'contacts',
        alias: 't',
        specs: CONTACT_FIELDS,
        key: 'existing_id',
        matched: 'existing_id IS NOT NULL',
        action: 'contact.updated',
        entity: 'contact',
        touch: true,
        attributes: attrs,
      }),
      ['fresh', sql`SELECT * FROM src WHERE existing_id IS NULL`, 'not materialized'],
      [
        'acc',
        write && individuals
          ? sql`INSERT INTO accounts (id, scope_id, kind, name, number, payment_terms, price_group, sales_rep_code, custom)
              SELECT new_account_id, ${env.scopeId}, 'personal', left(n_first_name || ' ' || n_last_name, 200), new_number,
                payment_terms, price_group, sales_rep_code,
                ${accountAttrs ? sql`coalesce(account_attributes, '{}'::jsonb)` : sql`'{}'::jsonb`} FROM fresh`
          : null,
      ],
      [
        'aud_a',
        write && individuals
          ? auditRows(
              env.importId,
              env.actor,
              'account.created',
              'account',
              'fresh',
              'new_account_id',
              null,
              sql`jsonb_strip_nulls(jsonb_build_object('number', new_number, 'kind', 'personal',
                'name', left(n_first_name || ' ' || n_last_name, 200), 'paymentTerms', payment_terms,
                'priceGroup', price_group, 'salesRepCode', sales_rep_code,
                'attributes', ${accountAttrs ? sql`account_attributes` : sql`NULL::jsonb`}))`,
            )
          : null,
      ],
      [
        'ins',
        write
          ? sql`INSERT INTO contacts (id, scope_id, email, first_name, last_name, phone, work_phone, language, status,
                password_hash, login_valid_from, login_valid_until, activated_at, custom)
              SELECT new_id, ${env.scopeId}, email, n_first_name, n_last_name, n_phone, n_work_phone,
                coalesce(n_language, ${env.defaultLanguage}), 'active', ${withLogin ? login.passwordHash : null},
                ${login.mode === 'none' ? null : login.validFrom}::timestamptz,
                ${login.mode === 'none' ? null : login.validUntil}::timestamptz,
                ${withLogin ? sql`now()` : sql`NULL::timestamptz`},
                ${attrs ? sql`coalesce(n_attributes, '{}'::jsonb)` : sql`'{}'::jsonb`}
              FROM fresh`
          : null,
      ],
      [
        'lnk',
        write
          ? sql`INSERT INTO contact_accounts (contact_id, account_id, is_primary)
              SELECT new_id, new_account_id, true FROM fresh WHERE new_account_id IS NOT NULL`
          : null,
      ],
      [
        'aud_i',
        write
          ? auditRows(
              env.importId,
              env.actor,
              'contact.created',
              'contact',
              'fresh',
              'new_id',
              null,
              sql`jsonb_strip_nulls(jsonb_build_object('email', email, 'firstName', n_first_name, 'lastName', n_last_name,
                'phone', n_phone, 'workPhone', n_work_phone, 'language', coalesce(n_language, ${env.defaultLanguage}),
                'accountId', new_account_id, 'attributes', ${attrs ? sql`n_attributes` : sql`NULL::jsonb`}))`,
            )
          : null,
      ],
      [
        'relink',
        write
          ? sql`INSERT INTO contact_accounts (contact_id, account_id, is_primary)
              SELECT existing_id, account_id,
                NOT EXISTS (SELECT 1 FROM contact_accounts p WHERE p.contact_id = src.existing_id AND p.is_primary)
              FROM src WHERE ${relinkWhere} RETURNING contact_id`
          : sql`SELECT existing_id AS contact_id FROM src WHERE ${relinkWhere}`,
      ],
    ],
    sql`SELECT line, 'created' AS outcome, new_id AS id, email FROM fresh
      UNION ALL SELECT line, 'updated' AS outcome, existing_id AS id, email FROM changed
      UNION ALL SELECT line, 'updated' AS outcome, existing_id AS id, email FROM src
        WHERE existing_id IN (SELECT contact_id FROM relink)`,
  );
}

/** Adds rows to their customer groups and to the import's groups; a new membership counts as an update. */
function groupsStatement(env: ApplyEnv, range: Range, target: 'contacts' | 'accounts') {
  const stage = stageTable(env.importId);
  const entity =
    target === 'contacts'
      ? sql`(SELECT c.id FROM contacts c WHERE c.scope_id = ${env.scopeId} AND lower(c.email) = lower(s.email))`
      : sql`s.account_id`;
  const table = target === 'contacts' ? 'contact_customer_groups' : 'account_customer_groups';
  const idColumn = target === 'contacts' ? 'contact_id' : 'account_id';
  const filter =
    target === 'contacts'
      ? sql`s.email IS NOT NULL`
      : env.type === 'mixed'
        ? sql`s.email IS NULL`
        : sql`true`;
  const missing = sql`NOT EXISTS (SELECT 1 FROM ${sql.table(table)} x
    WHERE x.${sql.ref(idColumn)} = m.entity_id AND x.customer_group_id = m.group_id)`;
  return withCtes(
    [
      [
        'm',
        sql`SELECT s.line, x.entity_id, g.id AS group_id
          FROM ${stage} s CROSS JOIN LATERAL (SELECT ${entity} AS entity_id) x
          JOIN customer_groups g ON g.scope_id = ${env.scopeId}
            AND lower(g.key) = ANY (string_to_array(coalesce(s.customer_groups, ''), ';') || ${env.groupKeys}::text[])
          WHERE ${chunk(range)} AND ${filter} AND x.entity_id IS NOT NULL`,
        'materialized',
      ],
      ['todo', sql`SELECT DISTINCT * FROM m WHERE ${missing}`],
      [
        'ins',
        env.dryRun
          ? null
          : sql`INSERT INTO ${sql.table(table)} (${sql.ref(idColumn)}, customer_group_id)
              SELECT DISTINCT entity_id, group_id FROM todo ON CONFLICT DO NOTHING`,
      ],
    ],
    sql`SELECT DISTINCT line, 'updated' AS outcome FROM todo`,
  );
}

/** Applies the staged rows of one line range; the caller owns the transaction. */
export async function applyChunk(db: Executor, env: ApplyEnv, range: Range): Promise<ChunkResult> {
  const outcomes = new Map<number, LineOutcome>();
  const createdContacts: { id: string; email: string }[] = [];
  const merge = (rows: { line: number; outcome: LineOutcome }[]) => {
    for (const { line, outcome } of rows) if (outcomes.get(line) !== 'created') outcomes.set(line, outcome);
  };
  const { type } = env;
  if (type === 'invoices') return applyInvoiceChunk(db, env, range);
  if (isCommercialImport(type)) return applyCommercialChunk(db, env, type, range);
  const stage = stageTable(env.importId);
  const eventsMark = env.dryRun ? '0' : await importEventsMark(db);
  if (type === 'accounts' || type === 'mixed') {
    // Existing accounts before the upsert, the ones it created after it.
    await resolveAccounts(db, stage, env.scopeId, chunk(range));
    merge(await lines(db, accountsStatement(env, range)));
    if (!env.dryRun) await resolveAccounts(db, stage, env.scopeId, chunk(range));
    merge(await lines(db, addressesStatement(env, range)));
  }
  if (type !== 'accounts') {
    const rows = (await contactsStatement(env, range).execute(db)).rows as {
      line: number;
      outcome: LineOutcome;
      id: string | null;
      email: string;
    }[];
    merge(rows);
    for (const r of rows)
      if (r.outcome === 'created' && r.id) createdContacts.push({ id: r.id, email: r.email });
  }
  if (type === 'individuals') {
    await resolvePersonalAccounts(db, stage, env.scopeId, chunk(range));
    merge(await lines(db, personalAccountsStatement(env, range)));
    merge(await lines(db, addressesStatement(env, range)));
  }
  // Without groups in the options or a groups column there is nothing to join: skip the statements.
  if (env.groupKeys.length || env.groupsMapped) {
    if (type === 'accounts' || type === 'mixed')
      merge(await lines(db, groupsStatement(env, range, 'accounts')));
    if (type !== 'accounts') merge(await lines(db, groupsStatement(env, range, 'contacts')));
  }
  if (!env.dryRun && outcomes.size) await recordImportEvents(db, env.importId, env.scopeId, eventsMark);
  return { outcomes, createdContacts };
}
