/**
 * The language a browser asks for first (`Accept-Language: fr-CA,fr;q=0.9,en;q=0.5` → `fr-CA`), as a
 * contact language (`xx` or `xx-YY`), or undefined. A few lines of parsing: no library in the tree does
 * only this.
 */
export function preferredLanguage(header: string | undefined): string | undefined {
  if (!header || header.length > 1000) return undefined;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((l) => l.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    const m = /^([a-z]{2})(?:-([a-z]{2}))?$/i.exec(tag);
    if (m) return m[2] ? `${m[1]!.toLowerCase()}-${m[2].toUpperCase()}` : m[1]!.toLowerCase();
  }
  return undefined;
}
