import { useEffect, useRef, useState } from 'react';
import { Select, Table, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import {
  attributeLabel,
  attributesOf,
  formatAttributeValue,
  useAttributeDefinitions,
  type AttributeDefinition,
  type AttributeEntity,
  type AttributeFilterParams,
} from '../api/attribute-values.ts';

/** The attribute definitions a list shows as columns (`showInList`) and offers as filters (`filterable`). */
export function useListAttributes(entity: AttributeEntity) {
  const { definitions } = useAttributeDefinitions(entity);
  return {
    columns: definitions.filter((d) => d.showInList),
    filters: definitions.filter((d) => d.filterable),
  };
}

const param = (key: string) => `attr.${key}` as const;

/** One filter per filterable attribute, bound to the list's `attr.<key>` search params. */
export function AttributeFilters({
  definitions,
  search,
  onChange,
}: {
  definitions: AttributeDefinition[];
  search: AttributeFilterParams;
  onChange: (patch: AttributeFilterParams) => void;
}) {
  return (
    <>
      {definitions.map((d) => {
        const value = search[param(d.key)] ?? '';
        const set = (v: string | null) => onChange({ [param(d.key)]: v || undefined });
        const label = attributeLabel(d);
        switch (d.type) {
          case 'select':
          case 'multiselect':
            return (
              <Select
                key={d.key}
                label={label}
                placeholder="Any"
                clearable
                w={170}
                data={(d.options ?? []).map((o) => ({ value: o.value, label: o.label }))}
                value={value || null}
                onChange={set}
              />
            );
          case 'boolean':
            return (
              <Select
                key={d.key}
                label={label}
                placeholder="Any"
                clearable
                w={120}
                data={[
                  { value: 'true', label: 'Yes' },
                  { value: 'false', label: 'No' },
                ]}
                value={value || null}
                onChange={set}
              />
            );
          case 'date':
            return (
              <TextInput
                key={d.key}
                label={label}
                type="date"
                w={170}
                value={value}
                onChange={(e) => set(e.currentTarget.value)}
              />
            );
          case 'number':
          case 'text':
          case 'email':
          case 'phone':
          case 'url':
            return <TextFilter key={d.key} label={label} value={value} onFilter={set} />;
        }
      })}
    </>
  );
}

/** A text filter that reports what is typed, debounced, and at once on Enter. */
function TextFilter({
  label,
  value,
  onFilter,
}: {
  label: string;
  value: string;
  onFilter: (v: string) => void;
}) {
  const [text, setText] = useState(value);
  const [debounced] = useDebouncedValue(text, 300);
  const last = useRef(value);

  useEffect(() => {
    if (value !== last.current) {
      last.current = value;
      setText(value);
    }
  }, [value]);
  useEffect(() => {
    const v = debounced.trim();
    if (v !== last.current) {
      last.current = v;
      onFilter(v);
    }
  }, [debounced, onFilter]);

  return (
    <TextInput
      label={label}
      placeholder="Any"
      w={170}
      value={text}
      onChange={(e) => setText(e.currentTarget.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          last.current = text.trim();
          onFilter(text.trim());
        }
      }}
    />
  );
}

/** Header cells of the attribute columns. */
export function AttributeHeaders({ definitions }: { definitions: AttributeDefinition[] }) {
  return (
    <>
      {definitions.map((d) => (
        <Table.Th key={d.key}>{attributeLabel(d)}</Table.Th>
      ))}
    </>
  );
}

/** A row's cells of the attribute columns. */
export function AttributeCells({
  definitions,
  record,
}: {
  definitions: AttributeDefinition[];
  record: unknown;
}) {
  const values = attributesOf(record);
  return (
    <>
      {definitions.map((d) => (
        <Table.Td key={d.key}>{formatAttributeValue(d, values[d.key])}</Table.Td>
      ))}
    </>
  );
}
