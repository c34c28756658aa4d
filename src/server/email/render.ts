import { Liquid } from 'liquidjs';
import {
  DEFAULT_LANGUAGE,
  DEFAULT_TEMPLATES,
  LAYOUT_HTML,
  type TemplateSource,
} from './default-templates.ts';
import type { Executor } from '../db/client.ts';

// Liquid runs no arbitrary code; HTML bodies escape every value, text bodies and subjects keep them as typed.
const htmlEngine = new Liquid({ outputEscape: 'escape', cache: 200 });
const textEngine = new Liquid({ cache: 200 });

export type Branding = { name: string; logoUrl: string | null; color: string };
export const DEFAULT_BRANDING: Branding = { name: 'Clientele', logoUrl: null, color: '#1c7ed6' };

// LiquidJS types its output as any; this is the one place that says it is a string.
const renderWith = async (engine: Liquid, source: string, scope: object): Promise<string> =>
  String(await engine.parseAndRender(source, scope));

export type RenderedEmail = { subject: string; html: string; text: string; language: string };

export async function findTemplate(
  db: Executor,
  key: string,
  language: string,
): Promise<TemplateSource & { language: string }> {
  const candidates = [...new Set([language, language.split('-')[0]!, DEFAULT_LANGUAGE])];
  const stored = await db
    .selectFrom('email_templates')
    .select(['language', 'subject', 'html', 'text'])
    .where('key', '=', key)
    .where('language', 'in', candidates)
    .execute();
  for (const lang of candidates) {
    const own = stored.find((s) => s.language === lang) ?? DEFAULT_TEMPLATES[key]?.[lang];
    if (own) return { ...own, language: lang };
  }
  throw new Error(`No template for system email ${key}`);
}

export async function renderTemplate(
  template: TemplateSource & { language: string },
  variables: Record<string, unknown>,
  branding: Branding,
): Promise<RenderedEmail> {
  const scope = { ...variables, seller: branding, language: template.language };
  const subject = (await renderWith(textEngine, template.subject, scope)).replace(/\s+/g, ' ').trim();
  const body = await renderWith(htmlEngine, template.html, scope);
  // The layout's own values are escaped, the already-rendered body is inserted as it is.
  const layout = await renderWith(htmlEngine, LAYOUT_HTML.replace('{{ body }}', '{{ body | raw }}'), {
    ...scope,
    subject,
    body,
  });
  const text = await renderWith(textEngine, template.text, scope);
  return { subject, html: layout, text, language: template.language };
}
