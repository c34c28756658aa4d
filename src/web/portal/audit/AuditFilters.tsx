import { useCallback } from 'react';
import { Select, TextInput } from '@mantine/core';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { AuditSource } from '../../../contracts/audit.ts';
import type { FilterKey } from './audit-search.ts';
import { SearchInput } from '../../components/SearchInput.tsx';

const route = getRouteApi('/portal/audit');

/** Who, from where, what and when: each bound to the URL, so a filtered view can be shared. */
export function AuditFilterFields() {
  const search = route.useSearch();
  const navigate = useNavigate({ from: '/audit' });
  const set = useCallback(
    (key: FilterKey, value: string | null) =>
      void navigate({ search: (prev) => ({ ...prev, [key]: value || undefined }), replace: true }),
    [navigate],
  );
  const onActor = useCallback((v: string) => set('actor', v), [set]);
  const onAction = useCallback((v: string) => set('action', v), [set]);
  const onEntity = useCallback((v: string) => set('entity', v), [set]);
  return (
    <>
      <SearchInput
        label="Record"
        placeholder="Account number, code or name, or an email"
        value={search.entity ?? ''}
        onSearch={onEntity}
      />
      <SearchInput
        label="Who"
        placeholder="Employee email or id"
        value={search.actor ?? ''}
        onSearch={onActor}
      />
      <Select
        label="From where"
        placeholder="Any source"
        clearable
        w={170}
        data={AuditSource.options}
        value={search.source ?? null}
        onChange={(v) => set('source', v)}
      />
      <SearchInput
        label="Action"
        placeholder="contact.created, or contact."
        value={search.action ?? ''}
        onSearch={onAction}
      />
      <TextInput
        type="date"
        label="From"
        w={160}
        value={search.from ?? ''}
        onChange={(e) => set('from', e.currentTarget.value)}
      />
      <TextInput
        type="date"
        label="Until"
        w={160}
        value={search.to ?? ''}
        onChange={(e) => set('to', e.currentTarget.value)}
      />
    </>
  );
}
