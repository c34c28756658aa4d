import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './client.ts';
import * as m0001 from './migrations/0001_initial.ts';
import * as m0002 from './migrations/0002_email_delivery.ts';
import * as m0003 from './migrations/0003_imports.ts';
import * as m0004 from './migrations/0004_invoices.ts';
import * as m0005 from './migrations/0005_join_tokens.ts';
import * as m0006 from './migrations/0006_audit_without_import_index.ts';
import * as m0007 from './migrations/0007_rate_limits.ts';
import * as m0008 from './migrations/0008_email_secrets.ts';
import * as m0009 from './migrations/0009_sign_in_guard.ts';
import * as m0010 from './migrations/0010_address_defaults.ts';
import * as m0011 from './migrations/0011_commercial_lists.ts';
import * as m0012 from './migrations/0012_custom_attributes.ts';
import * as m0013 from './migrations/0013_session_account.ts';
import * as m0014 from './migrations/0014_invoice_imports.ts';
import * as m0015 from './migrations/0015_events.ts';
import * as m0016 from './migrations/0016_commercial_imports.ts';
import * as m0018 from './migrations/0018_webhooks.ts';
import * as m0019 from './migrations/0019_erp.ts';
import * as m0020 from './migrations/0020_webhook_wake.ts';
import * as m0021 from './migrations/0021_search_covering.ts';

// Listed in code, not read from disk, so the same set ships with every build.
const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_email_delivery': m0002,
  '0003_imports': m0003,
  '0004_invoices': m0004,
  '0005_join_tokens': m0005,
  '0006_audit_without_import_index': m0006,
  '0007_rate_limits': m0007,
  '0008_email_secrets': m0008,
  '0009_sign_in_guard': m0009,
  '0010_address_defaults': m0010,
  '0011_commercial_lists': m0011,
  '0012_custom_attributes': m0012,
  '0013_session_account': m0013,
  '0014_invoice_imports': m0014,
  '0015_events': m0015,
  '0016_commercial_imports': m0016,
  '0018_webhooks': m0018,
  '0019_erp': m0019,
  '0020_webhook_wake': m0020,
  '0021_search_covering': m0021,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    // The cause keeps what went wrong recognisable (an unreachable database is not a broken migration).
    throw new Error(
      `Migration${failed ? ` ${failed.migrationName}` : 's'} failed: ${String((error as Error).message ?? error)}`,
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
