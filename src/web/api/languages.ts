import { useQuery } from '@tanstack/react-query';
import type { ContactLanguagesResult } from '../../contracts/languages.ts';
import { api } from './client.ts';

/** The languages the seller enables for contacts; the first is the default of new contacts. */
export function useContactLanguages(enabled = true) {
  return useQuery({
    queryKey: ['settings', 'languages'],
    queryFn: ({ signal }) => api<ContactLanguagesResult>('/settings/languages', { signal }),
    select: (data) => data.languages,
    staleTime: 60_000,
    enabled,
  });
}

const names = (() => {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' });
  } catch {
    return null;
  }
})();

/** "Finnish (fi)" for fi. */
export function languageLabel(code: string): string {
  try {
    const name = names?.of(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code;
  }
}
