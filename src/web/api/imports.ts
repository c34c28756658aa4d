import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import type { ErrorCode } from '../../contracts/common.ts';
import type {
  Import,
  ImportCreated,
  ImportMapping,
  ImportPreview,
  ImportStatus,
  ImportSummary,
  ImportType,
  LoginMode,
} from '../../contracts/imports.ts';
import { api, ApiError, isApiError, type Page } from './client.ts';

export type {
  CellError,
  ColumnSource,
  ImportAttributeTarget,
  Import,
  ImportCounts,
  ImportField,
  ImportMapping,
  ImportPreview,
  ImportStatus,
  ImportSummary,
  ImportType,
  LoginMode,
  PreviewRow,
} from '../../contracts/imports.ts';

export {
  FIELDS_BY_TYPE,
  IMPORT_FIELD_LABELS,
  IMPORT_TYPES,
  REQUIRED_BY_TYPE,
} from '../../contracts/import-fields.ts';

/** The options as the wizard edits them; the server fills in its defaults. */
export interface ImportOptionsForm {
  customerGroups: string[];
  logins: LoginMode;
  loginValidFrom: string | null;
  loginValidUntil: string | null;
  allOrNothing: boolean;
  hasHeader: boolean;
  sheet?: string;
  scheduledAt: string | null;
}

/** An import's stored options (the server keeps them parsed, defaults filled in) in the form's shape. */
export function optionsOf(imp: Pick<Import, 'options'>): ImportOptionsForm {
  const o = imp.options as Partial<ImportOptionsForm>;
  return {
    customerGroups: Array.isArray(o.customerGroups) ? o.customerGroups : [],
    logins: o.logins ?? 'none',
    loginValidFrom: o.loginValidFrom ?? null,
    loginValidUntil: o.loginValidUntil ?? null,
    allOrNothing: o.allOrNothing ?? false,
    hasHeader: o.hasHeader ?? true,
    ...(o.sheet ? { sheet: o.sheet } : {}),
    scheduledAt: o.scheduledAt ?? null,
  };
}

/** An import is being worked on by the server: poll it. */
export const isWorking = (status: ImportStatus) => status === 'checking' || status === 'running';
/** The mapping and options can still change. */
export const isEditable = (status: ImportStatus) => status === 'uploaded' || status === 'checked';
export const isFinished = (status: ImportStatus) =>
  status === 'completed' || status === 'failed' || status === 'cancelled';

export const importKeys = {
  all: ['imports'] as const,
  list: ['imports', 'list'] as const,
  one: (id: string) => ['imports', 'one', id] as const,
  preview: (id: string) => ['imports', 'preview', id] as const,
  groups: ['imports', 'customer-groups'] as const,
};

const POLL_MS = 700;

export function useImportList(limit = 25) {
  return useInfiniteQuery({
    queryKey: importKeys.list,
    queryFn: ({ pageParam, signal }) =>
      api<Page<ImportSummary>>('/imports', { query: { limit, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    // While an import in the list is working, keep its status and counts current.
    refetchInterval: (q) =>
      q.state.data?.pages.some((p) => p.items.some((i) => isWorking(i.status) || i.status === 'queued'))
        ? 3000
        : false,
  });
}

export function useImport(id: string) {
  return useQuery({
    queryKey: importKeys.one(id),
    queryFn: ({ signal }) => api<Import>(`/imports/${id}`, { signal }),
    refetchInterval: (q) => {
      const status = q.state.data?.status;
      if (!status) return false;
      if (isWorking(status)) return POLL_MS;
      // A scheduled import starts on its own; look now and then.
      return status === 'scheduled' || status === 'queued' ? 5000 : false;
    },
  });
}

export function useImportPreview(id: string, enabled = true) {
  return useQuery({
    queryKey: importKeys.preview(id),
    queryFn: ({ signal }) => api<ImportPreview>(`/imports/${id}/preview`, { signal }),
    enabled,
    placeholderData: keepPreviousData,
  });
}

export type NewImportSource = { file: File } | { text: string };
export interface NewImportInput {
  type: ImportType;
  sourceName?: string;
  source: NewImportSource;
}

/** Sends the file with upload progress (fetch has none), as multipart/form-data. */
function uploadFile(
  input: NewImportInput & { source: { file: File } },
  onProgress: (fraction: number) => void,
): Promise<ImportCreated> {
  const form = new FormData();
  // Fields before the file: the server reads the parts in order.
  form.append('type', input.type);
  if (input.sourceName) form.append('sourceName', input.sourceName);
  form.append('file', input.source.file, input.source.file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/imports');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () =>
      reject(new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.'));
    xhr.onload = () => {
      let data: unknown;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        data = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(data as ImportCreated);
      const err = (data as { error?: { code?: ErrorCode; message?: string; details?: unknown } } | undefined)
        ?.error;
      reject(
        new ApiError(
          xhr.status,
          err?.code ?? (xhr.status === 413 ? 'invalid_input' : 'internal'),
          err?.message ?? (xhr.status === 413 ? 'The file is too large' : `Upload failed (${xhr.status})`),
          err?.details,
        ),
      );
    };
    xhr.send(form);
  });
}

/** Uploads a file or pasted rows; resolves to the new import with its detected columns and first rows. */
export function useCreateImport(onProgress: (fraction: number) => void = () => {}) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: NewImportInput) =>
      'file' in input.source
        ? uploadFile({ ...input, source: input.source }, onProgress)
        : api<ImportCreated>('/imports/text', {
            method: 'POST',
            body: {
              type: input.type,
              text: input.source.text,
              ...(input.sourceName ? { sourceName: input.sourceName } : {}),
            },
          }),
    onSuccess: (created) => {
      const { preview, ...imp } = created;
      qc.setQueryData<Import>(importKeys.one(imp.id), imp);
      qc.setQueryData<ImportPreview>(importKeys.preview(imp.id), { rows: preview, mappingErrors: [] });
      void qc.invalidateQueries({ queryKey: importKeys.preview(imp.id) });
      void qc.invalidateQueries({ queryKey: importKeys.list });
    },
  });
}

export interface ImportUpdateInput {
  mapping?: ImportMapping;
  options?: ImportOptionsForm;
  type?: ImportType;
}

const patchImport = (id: string, body: ImportUpdateInput) =>
  api<Import>(`/imports/${id}`, { method: 'PATCH', body });

/** Keeps only the mapping entries whose column the import still has. */
export function mappingForColumns(mapping: ImportMapping, columns: readonly string[]): ImportMapping {
  const present = new Set(columns.map((c) => c.toLowerCase()));
  return Object.fromEntries(
    Object.entries(mapping).filter(([, s]) => s && (!('column' in s) || present.has(s.column.toLowerCase()))),
  );
}

/**
 * Saves the mapping or options; when another sheet or header setting brings other columns, the
 * mapping is fitted to them (kept where the column is still there, suggested elsewhere).
 */
export function useUpdateImport(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: ImportUpdateInput) => {
      const before = qc.getQueryData<Import>(importKeys.one(id));
      let updated = await patchImport(id, body);
      const columnsChanged =
        before && before.columns.join('\u0000') !== updated.columns.join('\u0000') && !body.mapping;
      if (columnsChanged) {
        const kept = mappingForColumns(updated.mapping, updated.columns);
        updated = await patchImport(id, { mapping: { ...updated.suggestedMapping, ...kept } });
      }
      return updated;
    },
    onSuccess: (imp) => {
      qc.setQueryData(importKeys.one(id), imp);
      void qc.invalidateQueries({ queryKey: importKeys.preview(id) });
      void qc.invalidateQueries({ queryKey: importKeys.list });
    },
  });
}

/** Starts the dry run (checks the whole file, writes nothing) or the run. */
export function useStartImport(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (pass: 'dry-run' | 'run') => api<Import>(`/imports/${id}/${pass}`, { method: 'POST' }),
    onSuccess: (imp) => {
      qc.setQueryData(importKeys.one(id), imp);
      void qc.invalidateQueries({ queryKey: importKeys.list });
    },
  });
}

export function useCancelImport(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<Import>(`/imports/${id}/cancel`, { method: 'POST' }),
    onSuccess: (imp) => {
      qc.setQueryData(importKeys.one(id), imp);
      void qc.invalidateQueries({ queryKey: importKeys.list });
    },
  });
}

export const reportUrl = (id: string, format: 'csv' | 'xlsx') => `/api/imports/${id}/report?format=${format}`;
export const credentialsUrl = (id: string) => `/api/imports/${id}/credentials`;

export interface CustomerGroupOption {
  key: string;
  name: string;
  hasPassword: boolean;
}

/**
 * The customer groups an import can add people to. `available: false` when this server has no
 * customer groups API (yet), so the wizard can leave the choice out instead of failing.
 */
export function useImportCustomerGroups(enabled = true) {
  return useQuery({
    queryKey: importKeys.groups,
    queryFn: async ({ signal }) => {
      try {
        const res = await api<{ items?: CustomerGroupOption[] } | undefined>('/customer-groups', { signal });
        return Array.isArray(res?.items)
          ? { available: true, items: res.items }
          : { available: false, items: [] };
      } catch (e) {
        if (isApiError(e) && (e.status === 404 || e.status === 403)) return { available: false, items: [] };
        throw e;
      }
    },
    enabled,
    staleTime: 60_000,
  });
}
