import {
  FIELDS_BY_TYPE,
  type ImportAttributeTarget,
  IMPORT_FIELD_LABELS,
  type ImportField,
  type ImportMapping,
  type ImportType,
} from '../../../../contracts/imports.ts';
import { HEADER_PREFIXES, HEADER_SYNONYMS } from './header-synonyms.ts';

/** A mapping names a column by its header, which the contract caps at 200 characters (suffix included). */
const MAX_HEADER = 190;

/**
 * Column names for a file: its header cells trimmed, a blank one called "Column 3" after its position,
 * and a repeated one suffixed " (2)", " (3)" (ignoring case); "Column 1".."Column n" without a header.
 */
export function normaliseHeaders(raw: string[], hasHeader: boolean): string[] {
  const names = raw.map(
    (cell, i) => (hasHeader ? cell.trim().slice(0, MAX_HEADER) : '') || `Column ${i + 1}`,
  );
  const taken = new Set(names.map((n) => n.toLowerCase()));
  const used = new Set<string>();
  return names.map((name) => {
    let unique = name;
    for (let n = 2; used.has(unique.toLowerCase()); n++) {
      unique = `${name} (${n})`;
      // A generated name must not take a name the file itself uses further on.
      if (taken.has(unique.toLowerCase())) unique = name;
    }
    used.add(unique.toLowerCase());
    return unique;
  });
}

/** Header text reduced for matching: camelCase and snake_case split, lower case, no accents or punctuation. */
export function normaliseHeaderText(header: string): string {
  return header
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * Suggests which column fills which field of an import type, from the synonym table. Each header fills
 * at most one field and each field takes at most one header; the most specific synonym is served first.
 */
export function suggestMapping(
  type: ImportType,
  headers: string[],
  targets: readonly ImportAttributeTarget[] = [],
): ImportMapping {
  const candidates: { field: ImportField; header: string; rank: number; position: number }[] = [];
  const texts = headers.map((header) => ({ header, exact: normaliseHeaderText(header) }));
  for (const field of FIELDS_BY_TYPE[type]) {
    const synonyms = [normaliseHeaderText(field), normaliseHeaderText(IMPORT_FIELD_LABELS[field])];
    synonyms.push(...HEADER_SYNONYMS[field]);
    texts.forEach(({ header, exact }, position) => {
      const rank = synonyms.indexOf(exact);
      if (rank >= 0) return candidates.push({ field, header, rank, position });
      const ranks = withoutPrefixes(exact)
        .map((bare) => synonyms.indexOf(bare))
        .filter((r) => r >= 0);
      if (ranks.length) candidates.push({ field, header, rank: 1000 + Math.min(...ranks), position });
    });
  }
  candidates.sort((a, b) => a.rank - b.rank || a.position - b.position);
  const mapping: ImportMapping = {};
  const usedHeaders = new Set<string>();
  for (const { field, header } of candidates) {
    if (mapping[field] || usedHeaders.has(header)) continue;
    mapping[field] = { column: header };
    usedHeaders.add(header);
  }
  // Custom attributes: a header left over that reads as an attribute's label or key.
  for (const target of targets) {
    const names = [normaliseHeaderText(target.label), normaliseHeaderText(target.key)];
    const header = headers.find((h) => !usedHeaders.has(h) && names.includes(normaliseHeaderText(h)));
    if (!header) continue;
    mapping[target.target] = { column: header };
    usedHeaders.add(header);
  }
  return mapping;
}

function withoutPrefixes(text: string): string[] {
  return HEADER_PREFIXES.filter((p) => text.startsWith(`${p} `)).map((p) => text.slice(p.length + 1));
}
