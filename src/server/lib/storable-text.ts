// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * What PostgreSQL cannot store or compare in a text, if anything: NUL characters, and lone UTF-16
 * surrogates (JSON can carry them, UTF-8 cannot).
 */
export function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'NUL characters';
  if (LONE_SURROGATE.test(text)) return 'lone UTF-16 surrogates';
  return undefined;
}
