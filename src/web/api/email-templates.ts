import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type {
  EmailSettingsBody,
  EmailTemplate,
  RenderedPreview as RenderedPreviewSchema,
  SystemEmailSummary,
} from '../../contracts/email-templates.ts';
import { api, isApiError } from './client.ts';

export type { EmailTemplate, SystemEmailSummary };
export type RenderedPreview = z.infer<typeof RenderedPreviewSchema>;
export type EmailSettingsInput = z.input<typeof EmailSettingsBody>;

export interface TemplateContent {
  subject: string;
  html: string;
  text: string;
}

/** The language templates fall back to; the one the product ships. */
export const DEFAULT_LANGUAGE = 'en';
export const LANGUAGE_PATTERN = /^[a-z]{2}(-[A-Z]{2})?$/;

export const templateKeys = {
  all: ['email-templates'] as const,
  list: ['email-templates', 'list'] as const,
  one: (key: string, language: string) => ['email-templates', 'one', key, language] as const,
  preview: (key: string, language: string, body: PreviewInput) =>
    ['email-templates', 'preview', key, language, body] as const,
};

export function useSystemEmails(enabled = true) {
  return useQuery({
    queryKey: templateKeys.list,
    queryFn: ({ signal }) => api<SystemEmailSummary[]>('/email-templates', { signal }),
    staleTime: 60_000,
    enabled,
  });
}

export function useEmailTemplate(key: string, language: string) {
  return useQuery({
    queryKey: templateKeys.one(key, language),
    queryFn: ({ signal }) => api<EmailTemplate>(`/email-templates/${key}/${language}`, { signal }),
    // The editor starts from what the server has; do not swap it under the user's edits.
    staleTime: Infinity,
  });
}

export function useSaveTemplate(key: string, language: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: TemplateContent) =>
      api<EmailTemplate>(`/email-templates/${key}/${language}`, { method: 'PUT', body }),
    onSuccess: (t) => {
      qc.setQueryData(templateKeys.one(key, language), t);
      void qc.invalidateQueries({ queryKey: templateKeys.list });
    },
  });
}

export function useRestoreTemplate(key: string, language: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<EmailTemplate>(`/email-templates/${key}/${language}`, { method: 'DELETE' }),
    onSuccess: (t) => {
      qc.setQueryData(templateKeys.one(key, language), t);
      void qc.invalidateQueries({ queryKey: templateKeys.list });
    },
  });
}

export function useUpdateEmailSettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ key, body }: { key: string; body: EmailSettingsInput }) =>
      api<SystemEmailSummary>(`/email-templates/${key}`, { method: 'PATCH', body }),
    onSuccess: (summary) => {
      qc.setQueryData<SystemEmailSummary[]>(templateKeys.list, (list) =>
        list?.map((s) => (s.key === summary.key ? summary : s)),
      );
      void qc.invalidateQueries({ queryKey: templateKeys.list });
    },
  });
}

export interface PreviewInput extends Partial<TemplateContent> {
  contactId?: string;
}

/** The template rendered with the given (unsaved) content; the previous render stays while the next loads. */
export function useTemplatePreview(key: string, language: string, body: PreviewInput, enabled: boolean) {
  return useQuery({
    queryKey: templateKeys.preview(key, language, body),
    queryFn: ({ signal }) =>
      api<RenderedPreview>(`/email-templates/${key}/${language}/preview`, {
        method: 'POST',
        body,
        signal,
      }),
    enabled,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    retry: false,
  });
}

/** One problem of a 422 template error: the part it is in and the line. */
export interface TemplateIssue {
  /** `subject`, `html` or `text`. */
  path: string;
  message: string;
  line?: number;
}

/** The per-part problems of a refused template (invalid Liquid, unknown variable). */
export function templateIssues(e: unknown): TemplateIssue[] {
  if (!isApiError(e) || e.status !== 422 || !Array.isArray(e.details)) return [];
  const out: TemplateIssue[] = [];
  for (const d of e.details as unknown[]) {
    if (!d || typeof d !== 'object') continue;
    const { path, message, line } = d as { path?: unknown; message?: unknown; line?: unknown };
    if (typeof message !== 'string') continue;
    out.push({
      path: typeof path === 'string' ? (path.split('.')[0] ?? '') : '',
      message,
      line: typeof line === 'number' ? line : undefined,
    });
  }
  return out;
}

/** The first problem of each part: `{ html: 'line 2: …' }`. */
export function templateFieldErrors(e: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of templateIssues(e)) out[issue.path] ??= issue.message;
  return out;
}
