import { useMemo, useState } from 'react';
import { Loader, Select, type ComboboxItem, type OptionsFilter } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ContactSummary } from '../../contracts/contacts.ts';
import { api, type Page } from '../api/client.ts';
import { contactName } from '../api/contacts.ts';

// The server does the matching (email or name); the combobox shows what it returns.
const passThrough: OptionsFilter = ({ options }) => options;
export const contactLabel = (c: ContactSummary) => `${contactName(c) || c.email} · ${c.email}`;
const toItem = (c: ContactSummary): ComboboxItem => ({ value: c.id, label: contactLabel(c) });

interface ContactPickerProps {
  label?: string;
  value: ContactSummary | null;
  onChange: (contact: ContactSummary | null) => void;
  description?: string;
  error?: string;
}

/** Picks one contact by typing part of their email or name. */
export function ContactPicker({
  label = 'Contact',
  value,
  onChange,
  description,
  error,
}: ContactPickerProps) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 200);
  // After a pick the input shows the label; do not search for the label itself.
  const q = value && debounced === contactLabel(value) ? '' : debounced;
  const { data, isFetching } = useQuery({
    queryKey: ['contacts', 'picker', q],
    queryFn: ({ signal }) => api<Page<ContactSummary>>('/contacts', { query: { q, limit: 10 }, signal }),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
  const contacts = useMemo(() => {
    const list = data?.items ?? [];
    return value && !list.some((c) => c.id === value.id) ? [value, ...list] : list;
  }, [data, value]);

  return (
    <Select
      label={label}
      description={description}
      placeholder="Type an email or a name"
      searchable
      clearable
      data={contacts.map(toItem)}
      filter={passThrough}
      value={value?.id ?? null}
      searchValue={search}
      onSearchChange={setSearch}
      onChange={(id) => onChange(contacts.find((c) => c.id === id) ?? null)}
      nothingFoundMessage={isFetching ? 'Searching…' : 'No contact matches'}
      rightSection={isFetching ? <Loader size={14} /> : undefined}
      error={error}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
