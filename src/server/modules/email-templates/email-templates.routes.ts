import { z } from 'zod';
import { ErrorBody } from '../../../contracts/common.ts';
import {
  EmailSettingsBody,
  EmailTemplate,
  EmailTemplateBody,
  PreviewBody,
  RenderedPreview,
  SystemEmailSummary,
  TemplateKeyParams,
  TemplateParams,
} from '../../../contracts/email-templates.ts';
import type { App, AppDeps } from '../../deps.ts';
import {
  getEmailTemplate,
  listSystemEmails,
  previewEmailTemplate,
  restoreDefaultTemplate,
  saveEmailTemplate,
  updateEmailSettings,
} from './email-templates.service.ts';

export async function emailTemplatesRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const tags = ['Email templates'];

  app.get('/api/email-templates', {
    config: { access: 'emailTemplates.read' },
    schema: {
      tags,
      summary: 'The system emails with their settings',
      response: { 200: z.array(SystemEmailSummary) },
    },
    handler: (request) => listSystemEmails(db, request.ctx),
  });
  app.patch('/api/email-templates/:key', {
    config: { access: 'emailTemplates.write' },
    schema: {
      tags,
      summary: 'Switch a system email on or off; set its cc, bcc and sender',
      params: TemplateKeyParams,
      body: EmailSettingsBody,
      response: { 200: SystemEmailSummary },
    },
    handler: (request) => updateEmailSettings(db, request.ctx, request.params.key, request.body),
  });
  app.get('/api/email-templates/:key/:language', {
    config: { access: 'emailTemplates.read' },
    schema: {
      tags,
      summary: 'A template in one language',
      params: TemplateParams,
      response: { 200: EmailTemplate },
    },
    handler: (request) => getEmailTemplate(db, request.ctx, request.params.key, request.params.language),
  });
  app.put('/api/email-templates/:key/:language', {
    config: { access: 'emailTemplates.write' },
    schema: {
      tags,
      summary: 'Save a template (Liquid); invalid syntax or unknown variables are refused with their line',
      params: TemplateParams,
      body: EmailTemplateBody,
      response: { 200: EmailTemplate, 422: ErrorBody },
    },
    handler: (request) =>
      saveEmailTemplate(db, request.ctx, request.params.key, request.params.language, request.body),
  });
  app.delete('/api/email-templates/:key/:language', {
    config: { access: 'emailTemplates.write' },
    schema: {
      tags,
      summary: 'Restore the template that ships with Clientele',
      params: TemplateParams,
      response: { 200: EmailTemplate },
    },
    handler: (request) =>
      restoreDefaultTemplate(db, request.ctx, request.params.key, request.params.language),
  });
  app.post('/api/email-templates/:key/:language/preview', {
    config: { access: 'emailTemplates.read' },
    schema: {
      tags,
      summary: 'Render a template, saved or as edited, with sample data or a real contact',
      params: TemplateParams,
      body: PreviewBody,
      response: { 200: RenderedPreview, 422: ErrorBody },
    },
    handler: (request) =>
      previewEmailTemplate(db, request.ctx, request.params.key, request.params.language, request.body),
  });
}
