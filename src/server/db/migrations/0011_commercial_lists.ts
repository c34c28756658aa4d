import { sql, type Kysely } from 'kysely';

// The lists of payment terms, price groups and sales reps the seller keeps (Settings → Customer data).
// Accounts keep the code in their own column; the lists say which codes exist, their names, and whether a
// code may still be newly given. Filled from the values accounts (and the sign-up defaults) already hold.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE commercial_codes (
      scope_id uuid NOT NULL REFERENCES scopes(id),
      list text NOT NULL CHECK (list IN ('payment-terms', 'price-groups', 'sales-reps')),
      code text NOT NULL,
      name text NOT NULL,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope_id, list, code)
    );
    CREATE INDEX accounts_payment_terms_idx ON accounts (scope_id, payment_terms) WHERE payment_terms IS NOT NULL;
    CREATE INDEX accounts_price_group_idx ON accounts (scope_id, price_group) WHERE price_group IS NOT NULL;
    CREATE INDEX accounts_sales_rep_code_idx ON accounts (scope_id, sales_rep_code) WHERE sales_rep_code IS NOT NULL;

    INSERT INTO commercial_codes (scope_id, list, code, name)
    SELECT DISTINCT scope_id, 'payment-terms', payment_terms, payment_terms FROM accounts
      WHERE payment_terms IS NOT NULL AND payment_terms <> ''
    UNION SELECT DISTINCT scope_id, 'price-groups', price_group, price_group FROM accounts
      WHERE price_group IS NOT NULL AND price_group <> ''
    UNION SELECT DISTINCT scope_id, 'sales-reps', sales_rep_code, sales_rep_code FROM accounts
      WHERE sales_rep_code IS NOT NULL AND sales_rep_code <> ''
    ON CONFLICT DO NOTHING;

    INSERT INTO commercial_codes (scope_id, list, code, name)
    SELECT s.scope_id, d.list, d.code, d.code
    FROM settings s
    CROSS JOIN LATERAL (VALUES
      ('payment-terms', s.value #>> '{newAccount,defaults,paymentTerms}'),
      ('price-groups', s.value #>> '{newAccount,defaults,priceGroup}'),
      ('sales-reps', s.value #>> '{newAccount,defaults,salesRepCode}')
    ) AS d(list, code)
    WHERE s.key = 'registration' AND d.code IS NOT NULL AND d.code <> ''
    ON CONFLICT DO NOTHING;
  `.execute(db);
}
