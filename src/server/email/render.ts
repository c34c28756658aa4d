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

/** Bounds on one template's rendering: employees write templates, and a loop must not stall the server. */
export const TEMPLATE_LIMITS = {
  /** Characters parsed per render: the largest template (100,000) plus the layout. */
  parseLimit: 200_000,
  /** Milliseconds per render. */
  renderLimit: 500,
  /** LiquidJS's count of memory-sensitive allocations (ranges, split, concat…). */
  memoryLimit: 10_000_000,
  /** Characters of one rendered part. */
  outputLimit: 500_000,
};

/**
 * A Liquid engine with no file system: include, render and layout are refused when the template is
 * parsed, and the in-memory template store is empty, so nothing on disk can be read.
 */
function sandboxed(options: { outputEscape?: 'escape'; strict?: boolean; cache?: number }): Liquid {
  const engine = new Liquid({
    ...(options.outputEscape && { outputEscape: options.outputEscape }),
    ...(options.strict && { strictVariables: true, strictFilters: true }),
    ...(options.cache && { cache: options.cache }),
    templates: {},
    relativeReference: false,
    parseLimit: TEMPLATE_LIMITS.parseLimit,
    renderLimit: TEMPLATE_LIMITS.renderLimit,
    memoryLimit: TEMPLATE_LIMITS.memoryLimit,
  });
  for (const tag of ['include', 'render', 'layout'])
    engine.registerTag(tag, {
      parse() {
        throw new Error(`the {% ${tag} %} tag is not available in email templates`);
      },
      *render() {},
    });
  return engine;
}

// Liquid runs no arbitrary code; HTML bodies escape every value, text bodies and subjects keep them as typed.
const htmlEngine = sandboxed({ outputEscape: 'escape', cache: 200 });
const textEngine = sandboxed({ cache: 200 });
// Validation renders against sample data and fails on anything the sample does not define.
const strictHtml = sandboxed({ outputEscape: 'escape', strict: true });
const strictText = sandboxed({ strict: true });

// LiquidJS types its output as any; this is the one place that says it is a string.
async function renderWith(engine: Liquid, source: string, scope: object): Promise<string> {
  const out = String(await engine.parseAndRender(source, scope));
  if (out.length > TEMPLATE_LIMITS.outputLimit)
    throw new Error(
      `the rendered text is longer than ${TEMPLATE_LIMITS.outputLimit.toLocaleString('en')} characters`,
    );
  return out;
}

export type Branding = { name: string; logoUrl: string | null; color: string };
export const DEFAULT_BRANDING: Branding = { name: 'Clientele', logoUrl: null, color: '#1c7ed6' };

/** Whether a logo address is a web address (`https:` or `http:`), the only kind emails and pages may show. */
export function isWebUrl(value: string): boolean {
  try {
    return ['https:', 'http:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** Branding as it may be rendered: a stored logo that is not a web address, or a colour that is not hex, is dropped. */
export function safeBranding(branding: Branding): Branding {
  return {
    name: branding.name,
    logoUrl: branding.logoUrl && isWebUrl(branding.logoUrl) ? branding.logoUrl : null,
    color: /^#[0-9a-fA-F]{6}$/.test(branding.color) ? branding.color : DEFAULT_BRANDING.color,
  };
}

export type RenderedEmail = { subject: string; html: string; text: string; language: string };

type StoredTemplate = TemplateSource & { language: string };

/** The languages a template is looked for in, in order: the one asked for, its base language, the default. */
export const templateLanguages = (language: string): string[] => [
  ...new Set([language, language.split('-')[0]!, DEFAULT_LANGUAGE]),
];

/** The template an email uses among the stored ones of its key: the first language that has one, stored or shipped. */
export function pickTemplate(
  stored: StoredTemplate[],
  key: string,
  language: string,
): TemplateSource & { language: string; customised: boolean } {
  for (const lang of templateLanguages(language)) {
    const own = stored.find((s) => s.language === lang);
    if (own) return { ...own, language: lang, customised: true };
    const shipped = Object.hasOwn(DEFAULT_TEMPLATES, key) ? DEFAULT_TEMPLATES[key]?.[lang] : undefined;
    if (shipped) return { ...shipped, language: lang, customised: false };
  }
  throw new Error(`No template for system email ${key}`);
}

export async function findTemplate(
  db: Executor,
  key: string,
  language: string,
): Promise<TemplateSource & { language: string; customised: boolean }> {
  const stored = await db
    .selectFrom('email_templates')
    .select(['language', 'subject', 'html', 'text'])
    .where('key', '=', key)
    .where('language', 'in', templateLanguages(language))
    .execute();
  return pickTemplate(stored, key, language);
}

export async function renderTemplate(
  template: TemplateSource & { language: string },
  variables: Record<string, unknown>,
  branding: Branding,
): Promise<RenderedEmail> {
  const scope = { ...variables, seller: branding, language: template.language };
  const part = async (field: 'subject' | 'html' | 'text', engine: Liquid, source: string, data: object) => {
    try {
      return await renderWith(engine, source, data);
    } catch (err) {
      throw new TemplateRenderError(field, describeLiquidError(err));
    }
  };
  const subject = (await part('subject', textEngine, template.subject, scope)).replace(/\s+/g, ' ').trim();
  const body = await part('html', htmlEngine, template.html, scope);
  // The layout's own values are escaped, the already-rendered body is inserted as it is.
  const layout = await part('html', htmlEngine, LAYOUT_HTML.replace('{{ body }}', '{{ body | raw }}'), {
    ...scope,
    subject,
    body,
  });
  const text = await part('text', textEngine, template.text, scope);
  return { subject, html: layout, text, language: template.language };
}

type ParsedTemplate = Record<'subject' | 'html' | 'layout' | 'text', ReturnType<Liquid['parse']>>;
const parsed = new Map<string, ParsedTemplate>();

/** One part rendered synchronously, within the same output bound as `renderWith`, failures naming the part. */
function renderPartSync(
  field: 'subject' | 'html' | 'text',
  engine: Liquid,
  part: ReturnType<Liquid['parse']>,
  scope: object,
): string {
  try {
    const out = String(engine.renderSync(part, scope));
    if (out.length > TEMPLATE_LIMITS.outputLimit)
      throw new Error(
        `the rendered text is longer than ${TEMPLATE_LIMITS.outputLimit.toLocaleString('en')} characters`,
      );
    return out;
  } catch (err) {
    throw new TemplateRenderError(field, describeLiquidError(err));
  }
}

/**
 * `renderTemplate` for many emails of one template: parsed once, then rendered without a parse-cache
 * lookup or a promise per part — what an import's thousands of activation emails need. Same output,
 * same sandbox and limits; a part that fails throws `TemplateRenderError`.
 */
export function compileTemplate(
  template: TemplateSource & { language: string },
  branding: Branding,
): (variables: Record<string, unknown>) => RenderedEmail {
  const source = JSON.stringify([template.subject, template.html, template.text]);
  let parts = parsed.get(source);
  if (!parts) {
    const parse = (field: 'subject' | 'html' | 'text', engine: Liquid, text: string) => {
      try {
        return engine.parse(text);
      } catch (err) {
        throw new TemplateRenderError(field, describeLiquidError(err));
      }
    };
    parts = {
      subject: parse('subject', textEngine, template.subject),
      html: parse('html', htmlEngine, template.html),
      layout: parse('html', htmlEngine, LAYOUT_HTML.replace('{{ body }}', '{{ body | raw }}')),
      text: parse('text', textEngine, template.text),
    };
    // A handful of system emails and languages: when edits pile up, start afresh rather than track use.
    if (parsed.size >= 100) parsed.clear();
    parsed.set(source, parts);
  }
  const { subject: subjectPart, html: htmlPart, layout: layoutPart, text: textPart } = parts;
  return (variables) => {
    const scope = { ...variables, seller: branding, language: template.language };
    const subject = renderPartSync('subject', textEngine, subjectPart, scope).replace(/\s+/g, ' ').trim();
    const body = renderPartSync('html', htmlEngine, htmlPart, scope);
    const html = renderPartSync('html', htmlEngine, layoutPart, { ...scope, subject, body });
    const text = renderPartSync('text', textEngine, textPart, scope);
    return { subject, html, text, language: template.language };
  };
}

// LiquidJS's words for its limits, in the editor's words.
const LIMIT_MESSAGES: [RegExp, string][] = [
  [/parse length limit exceeded/, 'the template is too long to render'],
  [
    /render limit exceeded/,
    `rendering takes longer than ${TEMPLATE_LIMITS.renderLimit} ms (a loop too long?)`,
  ],
  [/memory alloc limit exceeded/, 'rendering needs too much memory (a range or loop too large?)'],
];

export function describeLiquidError(err: unknown): { line?: number; message: string } {
  const e = err as LiquidError & { token?: { getPosition?: () => [number, number] } };
  const position = e.token?.getPosition?.();
  // LiquidJS appends ", line:3, col:5" and the source excerpt; keep the sentence.
  let message = (e.message ?? String(err)).split('\n')[0]!.replace(/, line:\d+, col:\d+$/, '');
  message = LIMIT_MESSAGES.find(([pattern]) => pattern.test(message))?.[1] ?? message;
  return position ? { line: position[0], message: `line ${position[0]}: ${message}` } : { message };
}

/** Renders every part of a template, naming the part that failed (`subject`, `html`, `text`). */
export class TemplateRenderError extends Error {
  constructor(
    readonly field: 'subject' | 'html' | 'text',
    readonly detail: { line?: number; message: string },
  ) {
    super(`The ${field} of the template could not be rendered: ${detail.message}`);
  }
}

/**
 * Checks a template before it is saved: Liquid syntax, and every variable and filter it uses
 * must exist for this system email. Returns one error per field, with its line.
 */
export async function validateTemplate(key: string, source: TemplateSource): Promise<FieldError[]> {
  const sample = {
    ...((Object.hasOwn(SYSTEM_EMAILS, key) && SYSTEM_EMAILS[key]?.sample) || {}),
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
