import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type {
  ApiKey,
  ApiKeyCreated,
  Employee,
  EmployeeCreateBody,
  EmployeeUpdateBody,
  EmployeeRole,
} from '../../contracts/employees.ts';
import { api } from './client.ts';

export type ApiKeyCreatedInfo = z.infer<typeof ApiKeyCreated>;
export type EmployeeCreateInput = z.input<typeof EmployeeCreateBody>;
export type EmployeeUpdateInput = z.input<typeof EmployeeUpdateBody>;

export const employeeKeys = { all: ['employees'] as const, apiKeys: ['api-keys'] as const };

export function useEmployees(enabled = true) {
  return useQuery({
    queryKey: employeeKeys.all,
    queryFn: ({ signal }) => api<Employee[]>('/employees', { signal }),
    staleTime: 30_000,
    enabled,
  });
}

export function useSaveEmployee() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (arg: { id: null; body: EmployeeCreateInput } | { id: string; body: EmployeeUpdateInput }) =>
      arg.id
        ? api<Employee>(`/employees/${arg.id}`, { method: 'PATCH', body: arg.body })
        : api<Employee>('/employees', { method: 'POST', body: arg.body }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: employeeKeys.all });
      void qc.invalidateQueries({ queryKey: ['accounts'] });
    },
  });
}

export function useApiKeys(enabled = true) {
  return useQuery({
    queryKey: employeeKeys.apiKeys,
    queryFn: ({ signal }) => api<ApiKey[]>('/api-keys', { signal }),
    enabled,
  });
}

export function useCreateApiKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; roles: EmployeeRole[] }) =>
      api<ApiKeyCreatedInfo>('/api-keys', { method: 'POST', body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: employeeKeys.apiKeys }),
  });
}

export function useRevokeApiKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/api-keys/${id}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: employeeKeys.apiKeys }),
  });
}
