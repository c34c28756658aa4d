import { Settings, SettingsUpdateBody } from '../../../contracts/email-templates.ts';
import type { App, AppDeps } from '../../deps.ts';
import { getSettings, updateSettings } from './settings.service.ts';

export async function settingsRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const tags = ['Settings'];

  app.get('/api/settings', {
    config: { access: 'settings.read' },
    schema: {
      tags,
      summary: 'The store’s settings (branding of emails and storefront pages)',
      response: { 200: Settings },
    },
    handler: (request) => getSettings(db, request.ctx),
  });
  app.patch('/api/settings', {
    config: { access: 'settings.write' },
    schema: { tags, summary: 'Change settings', body: SettingsUpdateBody, response: { 200: Settings } },
    handler: (request) => updateSettings(db, request.ctx, request.body),
  });
}
