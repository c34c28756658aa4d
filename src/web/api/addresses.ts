import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { Address, AddressCreateBody, AddressUpdateBody } from '../../contracts/addresses.ts';
import { api } from './client.ts';

export type { Address };
export type AddressCreateInput = z.input<typeof AddressCreateBody>;
export type AddressUpdateInput = z.input<typeof AddressUpdateBody>;
/** Whose address book: `/api/accounts/{id}/addresses` or `/api/contacts/{id}/addresses`. */
export type AddressOwner = { kind: 'accounts' | 'contacts'; id: string };

const keyOf = (owner: AddressOwner) => ['addresses', owner.kind, owner.id];
const base = (owner: AddressOwner) => `/${owner.kind}/${owner.id}/addresses`;

export function useAddresses(owner: AddressOwner) {
  return useQuery({
    queryKey: keyOf(owner),
    queryFn: ({ signal }) => api<{ items: Address[] }>(base(owner), { signal }),
  });
}

/** Add, change and delete: each refreshes the book, since a default may have moved to another address. */
export function useAddressMutations(owner: AddressOwner) {
  const qc = useQueryClient();
  const onSuccess = () => void qc.invalidateQueries({ queryKey: keyOf(owner) });
  return {
    create: useMutation({
      mutationFn: (body: AddressCreateInput) => api<Address>(base(owner), { method: 'POST', body }),
      onSuccess,
    }),
    update: useMutation({
      mutationFn: ({ id, body }: { id: string; body: AddressUpdateInput }) =>
        api<Address>(`${base(owner)}/${id}`, { method: 'PATCH', body }),
      onSuccess,
    }),
    remove: useMutation({
      mutationFn: (id: string) => api<null>(`${base(owner)}/${id}`, { method: 'DELETE' }),
      onSuccess,
    }),
  };
}
