import {
  DEFAULT_REGISTRATION,
  ErpSyncPolicy,
  RegistrationSettings,
  type ErpSyncPolicy as ErpSyncPolicyValue,
} from '../../../contracts/registration.ts';
import type { Executor } from '../../db/client.ts';

async function settingValue(db: Executor, scopeId: string, key: string): Promise<unknown> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('scope_id', '=', scopeId)
    .where('key', '=', key)
    .executeTakeFirst();
  return row?.value;
}

/** The scope's sign-up settings; anything missing or unreadable falls back to the defaults (sign-up off). */
export async function registrationSettings(db: Executor, scopeId: string): Promise<RegistrationSettings> {
  const stored = (await settingValue(db, scopeId, 'registration')) as
    Partial<RegistrationSettings> | undefined;
  const merged = {
    ...DEFAULT_REGISTRATION,
    ...stored,
    newAccount: {
      ...DEFAULT_REGISTRATION.newAccount,
      ...stored?.newAccount,
      defaults: { ...DEFAULT_REGISTRATION.newAccount.defaults, ...stored?.newAccount?.defaults },
    },
    newContact: { ...DEFAULT_REGISTRATION.newContact, ...stored?.newContact },
  };
  const parsed = RegistrationSettings.safeParse(merged);
  return parsed.success ? parsed.data : DEFAULT_REGISTRATION;
}

export async function erpSyncPolicy(db: Executor, scopeId: string): Promise<ErpSyncPolicyValue> {
  const parsed = ErpSyncPolicy.safeParse(await settingValue(db, scopeId, 'erpSyncPolicy'));
  return parsed.success ? parsed.data : 'first-order';
}
