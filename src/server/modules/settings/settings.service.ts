import type { z } from 'zod';
import type { Settings, SettingsUpdateBody } from '../../../contracts/email-templates.ts';
import type { Db, Executor } from '../../db/client.ts';
import { brandingOf } from '../../email/outbox.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { diff, recordAudit } from '../audit/audit.service.ts';

type SettingsDto = z.infer<typeof Settings>;

export async function getSettings(db: Executor, ctx: RequestContext): Promise<SettingsDto> {
  assertCan(ctx, 'settings.read');
  return { branding: await brandingOf(db, ctx.scopeId) };
}

export async function updateSettings(
  db: Db,
  ctx: RequestContext,
  body: z.infer<typeof SettingsUpdateBody>,
): Promise<SettingsDto> {
  assertCan(ctx, 'settings.write');
  return db.transaction().execute(async (tx) => {
    const before = await brandingOf(tx, ctx.scopeId);
    if (body.branding) {
      const branding = { ...before, ...body.branding };
      await tx
        .insertInto('settings')
        .values({
          scope_id: ctx.scopeId,
          key: 'branding',
          value: JSON.stringify(branding),
          updated_at: new Date(),
        })
        .onConflict((oc) =>
          oc
            .columns(['scope_id', 'key'])
            .doUpdateSet({ value: JSON.stringify(branding), updated_at: new Date() }),
        )
        .execute();
      const changes = diff(before, branding);
      if (changes)
        await recordAudit(tx, ctx, {
          action: 'settings.updated',
          entityType: 'settings',
          entityId: 'branding',
          ...changes,
        });
    }
    return { branding: await brandingOf(tx, ctx.scopeId) };
  });
}
