import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { Branding as BrandingSchema } from '../../contracts/email-templates.ts';
import type { Settings, SettingsChoices, SettingsUpdateBody } from '../../contracts/settings.ts';
import { api } from './client.ts';

export type Branding = z.infer<typeof BrandingSchema>;
export type { Settings, SettingsChoices };
export type SettingsUpdateInput = z.input<typeof SettingsUpdateBody>;

/** Settings: the branding of emails and storefront pages, sign-up (Customer data), account numbers. */
export const settingsKey = ['settings'] as const;
export const settingsChoicesKey = ['settings', 'choices'] as const;

export function useSettings() {
  return useQuery({
    queryKey: settingsKey,
    queryFn: ({ signal }) => api<Settings>('/settings', { signal }),
  });
}

/** The values the defaults of new accounts can take (those that exist on accounts, customer groups). */
export function useSettingsChoices(enabled = true) {
  return useQuery({
    queryKey: settingsChoicesKey,
    queryFn: ({ signal }) => api<SettingsChoices>('/settings/choices', { signal }),
    staleTime: 30_000,
    enabled,
  });
}

export function useUpdateSettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: SettingsUpdateInput) => api<Settings>('/settings', { method: 'PATCH', body }),
    onSuccess: (s) => {
      qc.setQueryData(settingsKey, s);
      void qc.invalidateQueries({ queryKey: settingsChoicesKey });
      // Forms mark mandatory fields and offer the enabled languages from these.
      void qc.invalidateQueries({ queryKey: ['field-rules'] });
      void qc.invalidateQueries({ queryKey: ['settings', 'languages'] });
      void qc.invalidateQueries({ queryKey: storeBrandingKey });
      // Previews include the branded layout.
      void qc.invalidateQueries({ queryKey: ['email-templates', 'preview'] });
    },
  });
}

export const storeBrandingKey = ['store-branding'] as const;

/** The seller's name, logo and colour for storefront pages (public). */
export function useStoreBranding() {
  return useQuery({
    queryKey: storeBrandingKey,
    queryFn: ({ signal }) => api<Branding>('/store/branding', { signal }),
    staleTime: 5 * 60_000,
    retry: 1,
  });
}
