import { useMemo, useState } from 'react';
import { Loader, MultiSelect, Select, type ComboboxItem, type OptionsFilter } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQueries } from '@tanstack/react-query';
import type { Account } from '../../contracts/accounts.ts';
import { accountKeys, accountLabel, useAccountSearch } from '../api/accounts.ts';
import { api } from '../api/client.ts';

// The server does the matching (code, number or name); the combobox shows what it returns.
const passThrough: OptionsFilter = ({ options }) => options;
const toItem = (a: Account): ComboboxItem => ({ value: a.id, label: accountLabel(a) });

interface AccountPickerProps {
  label?: string;
  value: Account | null;
  onChange: (account: Account | null) => void;
  error?: string;
  required?: boolean;
  autoFocus?: boolean;
}

/** Picks one account by typing its code, number or name. */
export function AccountPicker({
  label = 'Account',
  value,
  onChange,
  error,
  required,
  autoFocus,
}: AccountPickerProps) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 200);
  // After a pick the input shows the label; do not search for the label itself.
  const q = value && debounced === accountLabel(value) ? '' : debounced;
  const { data, isFetching } = useAccountSearch(q);
  const accounts = useMemo(() => {
    const list = data?.items ?? [];
    return value && !list.some((a) => a.id === value.id) ? [value, ...list] : list;
  }, [data, value]);

  return (
    <Select
      label={label}
      placeholder="Type a code, number or name"
      searchable
      clearable
      required={required}
      autoFocus={autoFocus}
      data={accounts.map(toItem)}
      filter={passThrough}
      value={value?.id ?? null}
      searchValue={search}
      onSearchChange={setSearch}
      onChange={(id) => onChange(accounts.find((a) => a.id === id) ?? null)}
      nothingFoundMessage={isFetching ? 'Searching…' : 'No account matches'}
      rightSection={isFetching ? <Loader size={14} /> : undefined}
      error={error}
      comboboxProps={{ withinPortal: true }}
    />
  );
}

interface AccountMultiPickerProps {
  label?: string;
  value: string[];
  onChange: (ids: string[]) => void;
  error?: string;
  description?: string;
}

/** Picks several accounts; resolves labels of already chosen ids. */
export function AccountMultiPicker({
  label = 'Assigned accounts',
  value,
  onChange,
  error,
  description,
}: AccountMultiPickerProps) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 200);
  const { data, isFetching } = useAccountSearch(debounced);
  const chosen = useQueries({
    queries: value.map((id) => ({
      queryKey: accountKeys.one(id),
      queryFn: ({ signal }: { signal: AbortSignal }) => api<Account>(`/accounts/${id}`, { signal }),
      staleTime: 60_000,
    })),
  });
  const items = useMemo(() => {
    const byId = new Map<string, ComboboxItem>();
    value.forEach((id, i) => {
      const a = chosen[i]?.data;
      byId.set(id, a ? toItem(a) : { value: id, label: id.slice(0, 8) + '…' });
    });
    for (const a of data?.items ?? []) if (!byId.has(a.id)) byId.set(a.id, toItem(a));
    return [...byId.values()];
  }, [value, chosen, data]);

  return (
    <MultiSelect
      label={label}
      description={description}
      placeholder={value.length === 0 ? 'Type a code, number or name' : undefined}
      searchable
      clearable
      data={items}
      filter={passThrough}
      value={value}
      onChange={onChange}
      searchValue={search}
      onSearchChange={setSearch}
      nothingFoundMessage={isFetching ? 'Searching…' : 'No account matches'}
      error={error}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
