import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  AttributeDefinition,
  AttributeEntity,
  AttributeOption,
  AttributeType,
} from '../../contracts/attributes.ts';
import { api } from './client.ts';

export type { AttributeDefinition, AttributeEntity, AttributeOption, AttributeType };

export type AttributeInput = {
  entity: AttributeEntity;
  key: string;
  type: AttributeType;
  label: string;
  labels: Record<string, string>;
  helpText: string | null;
  options: AttributeOption[];
  mandatory: boolean;
  showInList: boolean;
  filterable: boolean;
  showAtSignUp: boolean;
  position: number;
};

export const attributeKeys = { all: ['attributes'] as const };

/** The active custom attribute definitions of an entity, by position (or the archived ones). */
export function useAttributes(entity: AttributeEntity, archived = false) {
  return useQuery({
    queryKey: [...attributeKeys.all, entity, archived],
    queryFn: ({ signal }) =>
      api<{ items: AttributeDefinition[] }>(
        `/attributes?entity=${entity}${archived ? '&archived=true' : ''}`,
        {
          signal,
        },
      ),
    select: (data) => data.items,
    staleTime: 30_000,
  });
}

function useInvalidate() {
  const qc = useQueryClient();
  return async () => {
    void qc.invalidateQueries({ queryKey: ['audit'] });
    await qc.invalidateQueries({ queryKey: attributeKeys.all });
  };
}

export function useSaveAttribute() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, input }: { id: string | null; input: AttributeInput }) => {
      if (!id) return api<AttributeDefinition>('/attributes', { method: 'POST', body: input });
      const { entity: _entity, key: _key, ...body } = input;
      return api<AttributeDefinition>(`/attributes/${id}`, { method: 'PATCH', body });
    },
    onSuccess: invalidate,
  });
}

export function useArchiveAttribute() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (id: string) => api<null>(`/attributes/${id}`, { method: 'DELETE' }),
    onSuccess: invalidate,
  });
}
