import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { GroupRole, Role } from '../../contracts/roles.ts';
import { api } from './client.ts';

export const roleKeys = { roles: ['roles'] as const, groupRoles: ['group-roles'] as const };

export function useRoles(enabled = true) {
  return useQuery({
    queryKey: roleKeys.roles,
    queryFn: ({ signal }) => api<Role[]>('/roles', { signal }),
    staleTime: 60_000,
    enabled,
  });
}

export function useGroupRoles(enabled = true) {
  return useQuery({
    queryKey: roleKeys.groupRoles,
    queryFn: ({ signal }) => api<GroupRole[]>('/group-roles', { signal }),
    staleTime: 60_000,
    enabled,
  });
}

export interface RoleInput {
  key: string;
  name: string;
  description?: string | null;
}

export function useSaveRole() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ existingKey, input }: { existingKey: string | null; input: RoleInput }) =>
      existingKey
        ? api<Role>(`/roles/${encodeURIComponent(existingKey)}`, {
            method: 'PATCH',
            body: { name: input.name, description: input.description },
          })
        : api<Role>('/roles', { method: 'POST', body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: roleKeys.roles }),
  });
}

export function useDeleteRole() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => api<void>(`/roles/${encodeURIComponent(key)}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: roleKeys.roles }),
  });
}

export interface GroupRoleInput {
  key: string;
  name: string;
  roles: string[];
}

export function useSaveGroupRole() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ existingKey, input }: { existingKey: string | null; input: GroupRoleInput }) =>
      existingKey
        ? api<GroupRole>(`/group-roles/${encodeURIComponent(existingKey)}`, {
            method: 'PATCH',
            body: { name: input.name, roles: input.roles },
          })
        : api<GroupRole>('/group-roles', { method: 'POST', body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: roleKeys.groupRoles }),
  });
}

export function useDeleteGroupRole() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => api<void>(`/group-roles/${encodeURIComponent(key)}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: roleKeys.groupRoles }),
  });
}
