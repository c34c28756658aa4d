import { useState } from 'react';
import { Checkbox, MultiSelect, Select, SimpleGrid, TextInput } from '@mantine/core';
import {
  attributeErrorsOf,
  attributeLabel,
  missingMandatory,
  useAttributeDefinitions,
  valuesForCreate,
  type AttributeDefinition,
  type AttributeEntity,
  type AttributeValue,
  type AttributeValues,
} from '../api/attribute-values.ts';

interface AttributeFieldsProps {
  definitions: AttributeDefinition[];
  values: AttributeValues;
  onChange: (key: string, value: AttributeValue) => void;
  /** Messages by attribute key: the local mandatory check and the server's `attributes.<key>` issues. */
  errors?: Record<string, string | undefined>;
  /** The reader's language for labels (the browser's by default). */
  language?: string;
  /** Two columns on wider screens (pages); one in narrow dialogs. */
  cols?: number;
  disabled?: boolean;
}

/** One labelled input per custom attribute, by its type; mandatory ones carry the asterisk. */
export function AttributeFields({
  definitions,
  values,
  onChange,
  errors = {},
  language,
  cols = 1,
  disabled,
}: AttributeFieldsProps) {
  if (definitions.length === 0) return null;
  return (
    <SimpleGrid cols={{ base: 1, xs: cols }} data-testid="attribute-fields">
      {definitions.map((d) => (
        <AttributeField
          key={d.key}
          definition={d}
          value={values[d.key] ?? null}
          onChange={(v) => onChange(d.key, v)}
          error={errors[d.key]}
          language={language}
          disabled={disabled}
          inGrid={cols > 1}
        />
      ))}
    </SimpleGrid>
  );
}

interface AttributeFieldProps {
  definition: AttributeDefinition;
  value: AttributeValue;
  onChange: (value: AttributeValue) => void;
  error?: string;
  language?: string;
  disabled?: boolean;
  /** Beside other inputs: a checkbox then lines up with their boxes rather than their labels. */
  inGrid?: boolean;
}

export function AttributeField({
  definition: d,
  value,
  onChange,
  error,
  language,
  disabled,
  inGrid,
}: AttributeFieldProps) {
  const common = {
    label: attributeLabel(d, language),
    description: d.helpText || undefined,
    required: d.mandatory,
    error,
    disabled,
    name: `attributes.${d.key}`,
  };
  const text = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  const options = (d.options ?? []).map((o) => ({ value: o.value, label: o.label }));

  switch (d.type) {
    case 'boolean':
      return (
        <Checkbox
          {...common}
          mt={inGrid ? { xs: 'lg' } : undefined}
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
      );
    case 'select':
      return (
        <Select
          {...common}
          data={options}
          value={typeof value === 'string' ? value : null}
          onChange={(v) => onChange(v)}
          clearable={!d.mandatory}
          placeholder="Choose"
          comboboxProps={{ withinPortal: true }}
        />
      );
    case 'multiselect':
      return (
        <MultiSelect
          {...common}
          data={options}
          value={Array.isArray(value) ? value : []}
          onChange={(v) => onChange(v)}
          placeholder={Array.isArray(value) && value.length > 0 ? undefined : 'Choose'}
          clearable
          comboboxProps={{ withinPortal: true }}
        />
      );
    case 'number':
      return (
        <TextInput
          {...common}
          inputMode="decimal"
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case 'date':
      return (
        <TextInput {...common} type="date" value={text} onChange={(e) => onChange(e.currentTarget.value)} />
      );
    case 'email':
      return (
        <TextInput {...common} type="email" value={text} onChange={(e) => onChange(e.currentTarget.value)} />
      );
    case 'phone':
      return (
        <TextInput {...common} type="tel" value={text} onChange={(e) => onChange(e.currentTarget.value)} />
      );
    case 'url':
      return (
        <TextInput
          {...common}
          type="url"
          placeholder="https://"
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case 'text':
      return <TextInput {...common} value={text} onChange={(e) => onChange(e.currentTarget.value)} />;
  }
}

/**
 * The custom attributes of a create dialog: the fields, the mandatory check before sending, the
 * `attributes` of the body, and the server's `attributes.<key>` messages on their fields.
 */
export function useAttributeForm(
  entity: AttributeEntity,
  opened: boolean,
  serverError: unknown,
  /** The body field the values go in, and the server's messages come back on (default `attributes`). */
  path = 'attributes',
) {
  const { definitions } = useAttributeDefinitions(entity, opened);
  const [values, setValues] = useState<AttributeValues>({});
  const [missing, setMissing] = useState<Record<string, string>>({});
  // A server message describes the values that were sent: a field's goes once it is edited.
  const [edited, setEdited] = useState<{ error: unknown; keys: string[] }>({ error: null, keys: [] });
  const server = attributeErrorsOf(serverError, path);
  if (edited.error === serverError) for (const k of edited.keys) delete server[k];

  const onChange = (key: string, value: AttributeValue) => {
    setValues((v) => ({ ...v, [key]: value }));
    setMissing((m) => ({ ...m, [key]: '' }));
    setEdited((e) => ({ error: serverError, keys: e.error === serverError ? [...e.keys, key] : [key] }));
  };
  return {
    fields: (
      <AttributeFields
        definitions={definitions}
        values={values}
        onChange={onChange}
        errors={{ ...server, ...Object.fromEntries(Object.entries(missing).filter(([, m]) => m)) }}
      />
    ),
    /** False (and the fields marked) when a mandatory attribute has no value. */
    check: () => {
      const problems = missingMandatory(definitions, values);
      setMissing(problems);
      return Object.keys(problems).length === 0;
    },
    /** How many attributes the form shows. */
    count: definitions.length,
    /** Spread into the create body; nothing when the seller defined no attributes. */
    body: definitions.length > 0 ? { [path]: valuesForCreate(definitions, values) } : {},
    reset: () => {
      setValues({});
      setMissing({});
    },
  };
}
