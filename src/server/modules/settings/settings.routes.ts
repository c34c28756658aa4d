import { ErrorBody } from '../../../contracts/common.ts';
import { FieldRules } from '../../../contracts/required-fields.ts';
import { Settings, SettingsChoices, SettingsUpdateBody } from '../../../contracts/settings.ts';
import type { App, AppDeps } from '../../deps.ts';
import { getFieldRules, getSettings, getSettingsChoices, updateSettings } from './settings.service.ts';

export async function settingsRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const tags = ['Settings'];

  app.get('/api/settings', {
    config: { access: 'settings.read' },
    schema: {
      tags,
      summary: 'The store’s settings: branding, sign-up (Customer data), account numbers, ERP sync',
      response: { 200: Settings },
    },
    handler: (request) => getSettings(db, request.ctx),
  });
  app.patch('/api/settings', {
    config: { access: 'settings.write' },
    schema: {
      tags,
      summary: 'Change settings',
      description:
        'Any part may be sent; `registration` is merged field by field with what is stored. The defaults of ' +
        'new accounts must exist: active codes of /api/payment-terms, /api/price-groups and /api/sales-reps, keys ' +
        'of existing customer groups — otherwise 422 with `details` naming the field.',
      body: SettingsUpdateBody,
      response: { 200: Settings, 422: ErrorBody },
    },
    handler: (request) => updateSettings(db, request.ctx, request.body),
  });
  app.get('/api/settings/choices', {
    config: { access: 'settings.read' },
    schema: {
      tags,
      summary: 'What the defaults of new accounts can be: active codes of the lists, customer groups',
      response: { 200: SettingsChoices },
    },
    handler: (request) => getSettingsChoices(db, request.ctx),
  });
  app.get('/api/settings/field-rules', {
    config: { access: 'employee' },
    schema: {
      tags,
      summary:
        'Which built-in fields are mandatory and which languages are enabled: what forms mark and offer',
      description:
        'Readable by every employee (no settings permission needed); changed with PATCH /api/settings.',
      response: { 200: FieldRules },
    },
    handler: (request) => getFieldRules(db, request.ctx),
  });
}
