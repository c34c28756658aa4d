import type { RegistrationSettings } from '../../../contracts/registration.ts';
import type { FieldRules } from '../../../contracts/required-fields.ts';
import type {
  RegistrationSettingsPatch,
  Settings,
  SettingsChoices,
  SettingsUpdateBody,
} from '../../../contracts/settings.ts';
import type { Db, Executor } from '../../db/client.ts';
import { brandingOf } from '../../email/outbox.ts';
import { isWebUrl } from '../../email/render.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { unprocessable, type FieldError } from '../../lib/errors.ts';
import { accountNumberPrefix } from '../accounts/accounts.repository.ts';
import { diff, recordAudit } from '../audit/audit.service.ts';
import { enabledLanguages } from './languages.ts';
import { fieldRules, requiredFields } from './required-fields.ts';
import { erpSyncPolicy, registrationSettings } from './registration.ts';
import { assertCommercialCodes } from '../commercial-terms/commercial-terms.repository.ts';
import { existingGroupKeys, settingsChoices, writeSetting } from './settings.repository.ts';

async function readSettings(db: Executor, scopeId: string): Promise<Settings> {
  return {
    branding: await brandingOf(db, scopeId),
    registration: await registrationSettings(db, scopeId),
    accountNumberPrefix: await accountNumberPrefix(db, scopeId),
    erpSyncPolicy: await erpSyncPolicy(db, scopeId),
    languages: await enabledLanguages(db, scopeId),
    requiredFields: await requiredFields(db, scopeId),
  };
}

export async function getSettings(db: Executor, ctx: RequestContext): Promise<Settings> {
  assertCan(ctx, 'settings.read');
  return readSettings(db, ctx.scopeId);
}

/** What forms need to mark mandatory fields and offer languages; any employee may read it. */
export async function getFieldRules(db: Executor, ctx: RequestContext): Promise<FieldRules> {
  return fieldRules(db, ctx.scopeId);
}

export async function getSettingsChoices(db: Executor, ctx: RequestContext): Promise<SettingsChoices> {
  assertCan(ctx, 'settings.read');
  return settingsChoices(db, ctx.scopeId);
}

function mergeRegistration(
  base: RegistrationSettings,
  patch: RegistrationSettingsPatch,
): RegistrationSettings {
  const { defaults, ...newAccount } = patch.newAccount ?? {};
  const merged: RegistrationSettings = {
    newAccount: {
      ...base.newAccount,
      ...newAccount,
      defaults: { ...base.newAccount.defaults, ...defaults },
    },
    newContact: { ...base.newContact, ...patch.newContact },
    allowPersonalAccounts: patch.allowPersonalAccounts ?? base.allowPersonalAccounts,
  };
  merged.newAccount.defaults.customerGroups = [...new Set(merged.newAccount.defaults.customerGroups)];
  return merged;
}

/**
 * Defaults must be values that exist: active codes of the seller's lists, customer groups of the store. Only
 * what changes is checked, so a value saved earlier stays saved after it is deactivated.
 */
async function checkDefaults(
  db: Executor,
  scopeId: string,
  before: RegistrationSettings['newAccount']['defaults'],
  after: RegistrationSettings['newAccount']['defaults'],
): Promise<void> {
  const problems: FieldError[] = [];
  const path = 'registration.newAccount.defaults';
  await assertCommercialCodes(db, scopeId, after, before, `${path}.`);
  const added = after.customerGroups.filter((k) => !before.customerGroups.includes(k));
  const found = await existingGroupKeys(db, scopeId, added);
  const unknown = added.filter((k) => !found.includes(k));
  if (unknown.length)
    problems.push({
      path: `${path}.customerGroups`,
      message: `Unknown customer group${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
    });
  if (problems.length)
    throw unprocessable(`Check the defaults of new accounts: ${problems[0]!.message}`, problems);
}

/** `{newAccount: {enabled: true}}` → `{'newAccount.enabled': true}`, so an audit entry names what changed. */
function flatten(value: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v && typeof v === 'object' && !Array.isArray(v))
      Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${k}.`));
    else out[`${prefix}${k}`] = v;
  }
  return out;
}

export async function updateSettings(
  db: Db,
  ctx: RequestContext,
  body: SettingsUpdateBody,
): Promise<Settings> {
  assertCan(ctx, 'settings.write');
  return db.transaction().execute(async (tx) => {
    const before = await readSettings(tx, ctx.scopeId);
    const after: Settings = {
      branding: body.branding ? { ...before.branding, ...body.branding } : before.branding,
      registration: body.registration
        ? mergeRegistration(before.registration, body.registration)
        : before.registration,
      accountNumberPrefix: body.accountNumberPrefix ?? before.accountNumberPrefix,
      erpSyncPolicy: body.erpSyncPolicy ?? before.erpSyncPolicy,
      languages: body.languages ?? before.languages,
      requiredFields: body.requiredFields ?? before.requiredFields,
    };
    // The contract takes any URL; only web addresses may become an <img src> in every email.
    if (body.branding?.logoUrl && !isWebUrl(body.branding.logoUrl))
      throw unprocessable('The logo must be an https:// (or http://) address', [
        { path: 'branding.logoUrl', message: 'Use an https:// or http:// address' },
      ]);
    if (body.registration)
      await checkDefaults(
        tx,
        ctx.scopeId,
        before.registration.newAccount.defaults,
        after.registration.newAccount.defaults,
      );
    for (const key of [
      'branding',
      'registration',
      'accountNumberPrefix',
      'erpSyncPolicy',
      'languages',
      'requiredFields',
    ] as const) {
      if (body[key] === undefined) continue;
      const changes =
        key === 'branding' || key === 'registration' || key === 'requiredFields'
          ? diff(flatten(before[key]), flatten(after[key]))
          : diff({ [key]: before[key] }, { [key]: after[key] });
      if (!changes) continue;
      await writeSetting(tx, ctx.scopeId, key, after[key]);
      await recordAudit(tx, ctx, {
        action: 'settings.updated',
        entityType: 'settings',
        entityId: key,
        ...changes,
      });
    }
    return readSettings(tx, ctx.scopeId);
  });
}

/**
 * A deleted customer group leaves the sign-up defaults: new accounts join the group its members moved
 * to instead, or none. Audited as a settings change.
 */
export async function replaceDefaultCustomerGroup(
  tx: Executor,
  ctx: RequestContext,
  deletedKey: string,
  movedTo: string | undefined,
): Promise<void> {
  const before = await registrationSettings(tx, ctx.scopeId);
  const groups = before.newAccount.defaults.customerGroups;
  const same = (k: string) => k.toLowerCase() === deletedKey.toLowerCase();
  if (!groups.some(same)) return;
  const kept = groups.flatMap((k) => (same(k) ? (movedTo ? [movedTo] : []) : [k]));
  const after: RegistrationSettings = {
    ...before,
    newAccount: {
      ...before.newAccount,
      defaults: { ...before.newAccount.defaults, customerGroups: [...new Set(kept)] },
    },
  };
  await writeSetting(tx, ctx.scopeId, 'registration', after);
  await recordAudit(tx, ctx, {
    action: 'settings.updated',
    entityType: 'settings',
    entityId: 'registration',
    before: { 'newAccount.defaults.customerGroups': groups },
    after: { 'newAccount.defaults.customerGroups': after.newAccount.defaults.customerGroups },
  });
}
