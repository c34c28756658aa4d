import { Liquid, type LiquidError } from 'liquidjs';
import type { Executor } from '../db/client.ts';
import type { FieldError } from '../lib/errors.ts';
import {
  DEFAULT_LANGUAGE,
  DEFAULT_TEMPLATES,
  LAYOUT_HTML,
  SYSTEM_EMAILS,
  type TemplateSource,
} from './default-templates.ts';

// Liquid runs no arbitrary code; HTML bodies escape every value, text bodies and subjects keep them as typed.
const htmlEngine = new Liquid({ outputEscape: 'escape', cache: 200 });
const textEngine = new Liquid({ cache: 200 });
// Validation renders against sample data and fails on anything the sample does not define.
const strictHtml = new Liquid({ outputEscape: 'escape', strictVariables: true, strictFilters: true });
const strictText = new Liquid({ strictVariables: true, strictFilters: true });

// LiquidJS types its output as any; this is the one place that says it is a string.
const renderWith = async (engine: Liquid, source: string, scope: object): Promise<string> =>
  String(await engine.parseAndRender(source, scope));

export type Branding = { name: string; logoUrl: string | null; color: string };
export const DEFAULT_BRANDING: Branding = { name: 'Clientele', logoUrl: null, color: '#1c7ed6' };

export type RenderedEmail = { subject: string; html: string; text: string; language: string };

export async function findTemplate(
  db: Executor,
  key: string,
  language: string,
): Promise<TemplateSource & { language: string; customised: boolean }> {
  const candidates = [...new Set([language, language.split('-')[0]!, DEFAULT_LANGUAGE])];
  const stored = await db
    .selectFrom('email_templates')
    .select(['language', 'subject', 'html', 'text'])
    .where('key', '=', key)
    .where('language', 'in', candidates)
    .execute();
  for (const lang of candidates) {
    const own = stored.find((s) => s.language === lang);
    if (own) return { ...own, language: lang, customised: true };
    const shipped = DEFAULT_TEMPLATES[key]?.[lang];
    if (shipped) return { ...shipped, language: lang, customised: false };
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

type ParsedTemplate = Record<'subject' | 'html' | 'layout' | 'text', ReturnType<Liquid['parse']>>;
const parsed = new Map<string, ParsedTemplate>();

/**
 * `renderTemplate` for many emails of one template: parsed once, then rendered without a parse-cache
 * lookup or a promise per part — what an import's thousands of activation emails need. Same output.
 */
export function compileTemplate(
  template: TemplateSource & { language: string },
  branding: Branding,
): (variables: Record<string, unknown>) => RenderedEmail {
  const source = JSON.stringify([template.subject, template.html, template.text]);
  let parts = parsed.get(source);
  if (!parts) {
    parts = {
      subject: textEngine.parse(template.subject),
      html: htmlEngine.parse(template.html),
      layout: htmlEngine.parse(LAYOUT_HTML.replace('{{ body }}', '{{ body | raw }}')),
      text: textEngine.parse(template.text),
    };
    // A handful of system emails and languages: when edits pile up, start afresh rather than track use.
    if (parsed.size >= 100) parsed.clear();
    parsed.set(source, parts);
  }
  const { subject: subjectPart, html: htmlPart, layout: layoutPart, text: textPart } = parts;
  return (variables) => {
    const scope = { ...variables, seller: branding, language: template.language };
    const subject = String(textEngine.renderSync(subjectPart, scope)).replace(/\s+/g, ' ').trim();
    const body = String(htmlEngine.renderSync(htmlPart, scope));
    const html = String(htmlEngine.renderSync(layoutPart, { ...scope, subject, body }));
    const text = String(textEngine.renderSync(textPart, scope));
    return { subject, html, text, language: template.language };
  };
}

function describeLiquidError(err: unknown): { line?: number; message: string } {
  const e = err as LiquidError & { token?: { getPosition?: () => [number, number] } };
  const position = e.token?.getPosition?.();
  // LiquidJS appends ", line:3, col:5" and the source excerpt; keep the sentence.
  const message = (e.message ?? String(err)).split('\n')[0]!.replace(/, line:\d+, col:\d+$/, '');
  return position ? { line: position[0], message: `line ${position[0]}: ${message}` } : { message };
}

/**
 * Checks a template before it is saved: Liquid syntax, and every variable and filter it uses
 * must exist for this system email. Returns one error per field, with its line.
 */
export async function validateTemplate(key: string, source: TemplateSource): Promise<FieldError[]> {
  const sample = {
    ...(SYSTEM_EMAILS[key]?.sample ?? {}),
    seller: DEFAULT_BRANDING,
    language: DEFAULT_LANGUAGE,
  };
  const errors: FieldError[] = [];
  for (const field of ['subject', 'html', 'text'] as const) {
    try {
      await renderWith(field === 'html' ? strictHtml : strictText, source[field], sample);
    } catch (err) {
      errors.push({ path: field, ...describeLiquidError(err) });
    }
  }
  return errors;
}
