// Readers of URL search params for the routes' validateSearch.
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
export const isoDate = (v: unknown): string | undefined =>
  typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : undefined;
export const oneOf = <T extends string>(v: unknown, options: readonly T[]): T | undefined =>
  options.find((o) => o === v);
