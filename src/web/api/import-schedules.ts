import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ImportSchedule, ImportType } from '../../contracts/imports.ts';
import { api, isApiError } from './client.ts';
import { importKeys, type ImportOptionsForm } from './imports.ts';

export type { ImportSchedule } from '../../contracts/imports.ts';

/** The options a schedule passes to each of its imports (the form's, without a one-off start time). */
export type ScheduleOptions = Omit<ImportOptionsForm, 'scheduledAt' | 'sheet'>;

export interface ImportScheduleInput {
  name: string;
  type: ImportType;
  folder: string;
  cron: string;
  timezone: string;
  options: ScheduleOptions;
  enabled: boolean;
}

export const scheduleKeys = { all: ['import-schedules'] as const };

export function useImportSchedules() {
  return useQuery({
    queryKey: scheduleKeys.all,
    queryFn: ({ signal }) =>
      api<{ items: ImportSchedule[]; dropDirConfigured: boolean }>('/import-schedules', { signal }),
    // Runs happen on the server's clock: keep next and last runs current while the page is open.
    refetchInterval: 30_000,
  });
}

function useInvalidate() {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: scheduleKeys.all });
    void qc.invalidateQueries({ queryKey: importKeys.list });
  };
}

export function useCreateImportSchedule() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (body: ImportScheduleInput) =>
      api<ImportSchedule>('/import-schedules', { method: 'POST', body }),
    onSuccess: invalidate,
  });
}

export function useUpdateImportSchedule() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: Partial<ImportScheduleInput> }) =>
      api<ImportSchedule>(`/import-schedules/${id}`, { method: 'PATCH', body }),
    onSuccess: invalidate,
  });
}

export function useDeleteImportSchedule() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/import-schedules/${id}`, { method: 'DELETE' }),
    onSuccess: invalidate,
  });
}

/**
 * The field problems of a refused save, keyed by their full path (`cron`, `options.customerGroups`):
 * schedules report them with 400 (shape), 409 (name taken) and 422 (cron, time zone, drop folder).
 */
export function scheduleIssues(e: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isApiError(e) || !Array.isArray(e.details)) return out;
  for (const d of e.details as { path?: unknown; message?: unknown }[]) {
    if (typeof d?.message !== 'string') continue;
    out[typeof d.path === 'string' ? d.path : ''] ??= d.message;
  }
  return out;
}
