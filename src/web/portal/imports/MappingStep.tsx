import { Fragment } from 'react';
import {
  Alert,
  Badge,
  Button,
  Group,
  List,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { IconAlertTriangle, IconWand } from '@tabler/icons-react';
import {
  FIELDS_BY_TYPE,
  IMPORT_FIELD_LABELS,
  REQUIRED_BY_TYPE,
  useImportPreview,
  type CellError,
  type ColumnSource,
  type Import,
  type ImportAttributeTarget,
  type ImportField,
  type ImportMapping,
  type PreviewRow,
} from '../../api/imports.ts';
import { ErrorAlert, PageLoader } from '../../components/ui.tsx';
import { DELIMITER_NAMES, formatBytes } from './labels.tsx';

/** The fields in the order of a form: the account, its billing address, the contact, the rest. */
const SECTIONS: { label: string; fields: readonly ImportField[] }[] = [
  {
    label: 'Account',
    fields: [
      'accountNumber',
      'accountCode',
      'accountName',
      'accountKind',
      'paymentTerms',
      'priceGroup',
      'salesRepCode',
    ],
  },
  {
    label: 'Billing address',
    fields: [
      'billingLine1',
      'billingLine2',
      'billingCity',
      'billingPostalCode',
      'billingRegion',
      'billingCountry',
    ],
  },
  { label: 'Contact', fields: ['email', 'firstName', 'lastName', 'phone', 'workPhone', 'language'] },
  { label: 'Groups', fields: ['customerGroups'] },
  { label: 'Invoice', fields: ['number', 'date', 'amount', 'currency'] },
  { label: 'List entry', fields: ['code', 'name', 'active'] },
];

const FIXED = 'fixed';
const SKIP = 'skip';
const columnValue = (column: string) => `column:${column}`;

/** Field → the other fields that can stand in for it ("account number or account code"). */
function requirementsOf(imp: Pick<Import, 'type'>): Map<ImportField, ImportField[]> {
  const out = new Map<ImportField, ImportField[]>();
  for (const r of REQUIRED_BY_TYPE[imp.type]) {
    const fields = r.split('|') as ImportField[];
    for (const f of fields) out.set(f, fields);
  }
  return out;
}

const filled = (s: ColumnSource | undefined) => !!s && ('column' in s || s.value.trim() !== '');

/** The required fields (or groups of alternatives) the mapping leaves empty, as labels. */
export function missingRequired(imp: Pick<Import, 'type'>, mapping: ImportMapping): string[] {
  return REQUIRED_BY_TYPE[imp.type]
    .map((r) => r.split('|') as ImportField[])
    .filter((fields) => !fields.some((f) => filled(mapping[f])))
    .map((fields) => fields.map((f) => IMPORT_FIELD_LABELS[f]).join(' or '));
}

/** Mappings compared by content, whatever the order of their keys. */
export function sameMapping(a: ImportMapping, b: ImportMapping): boolean {
  const norm = (m: ImportMapping) =>
    JSON.stringify(
      Object.entries(m)
        .filter(([, s]) => s)
        .sort(([x], [y]) => x.localeCompare(y)),
    );
  return norm(a) === norm(b);
}

const shortLabel = (f: ImportField) => IMPORT_FIELD_LABELS[f].replace(/ \(.*\)$/, '');

/** A mapping target's name for people: a field's label, or a custom attribute's. */
export function targetLabel(imp: Pick<Import, 'attributeTargets'>, target: string): string {
  const attribute = imp.attributeTargets.find((t) => t.target === target);
  if (attribute) return attribute.label;
  return target in IMPORT_FIELD_LABELS ? shortLabel(target as ImportField) : target;
}

const ATTRIBUTE_HINTS: Partial<Record<ImportAttributeTarget['type'], string>> = {
  select: 'an option, by value or label',
  multiselect: 'options, separated by ; or ,',
  boolean: 'yes or no',
  date: 'such as 2026-12-31',
  number: 'a number',
};

function FieldRow({
  field,
  label,
  hint,
  imp,
  source,
  example,
  required,
  alternatives,
  readOnly,
  onChange,
}: {
  field: string;
  label: string;
  hint?: string | undefined;
  imp: Import;
  source: ColumnSource | undefined;
  example: string | undefined;
  required: boolean;
  alternatives: ImportField[];
  readOnly: boolean;
  onChange: (source: ColumnSource | undefined) => void;
}) {
  const value = !source ? SKIP : 'column' in source ? columnValue(source.column) : FIXED;
  const others = alternatives.filter((f) => f !== field);
  return (
    <Table.Tr>
      <Table.Td>
        <Text size="sm" fw={required ? 600 : 400} className={required ? 'required-label' : undefined} span>
          {label}
        </Text>
        {others.length > 0 ? (
          <Text size="xs" c="dimmed">
            or {others.map((f) => shortLabel(f).toLowerCase()).join(', ')}
          </Text>
        ) : field === 'customerGroups' ? (
          <Text size="xs" c="dimmed">
            group keys, separated by ; or ,
          </Text>
        ) : field === 'accountKind' ? (
          <Text size="xs" c="dimmed">
            business or personal
          </Text>
        ) : hint ? (
          <Text size="xs" c="dimmed">
            {hint}
          </Text>
        ) : null}
      </Table.Td>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <Select
            aria-label={label}
            w={230}
            size="sm"
            searchable
            allowDeselect={false}
            disabled={readOnly}
            value={value}
            data={[
              {
                group: 'Columns in the file',
                items: imp.columns.map((c) => ({ value: columnValue(c), label: c })),
              },
              {
                group: 'Other',
                items: [
                  { value: FIXED, label: 'Fixed value…' },
                  { value: SKIP, label: 'Skip' },
                ],
              },
            ]}
            onChange={(v) => {
              if (!v || v === SKIP) onChange(undefined);
              else if (v === FIXED) onChange({ value: source && 'value' in source ? source.value : '' });
              else onChange({ column: v.slice('column:'.length) });
            }}
          />
          {source && 'value' in source ? (
            <TextInput
              aria-label={`${label}: the value for every row`}
              placeholder="Same for every row"
              size="sm"
              w={200}
              disabled={readOnly}
              value={source.value}
              onChange={(e) => onChange({ value: e.currentTarget.value })}
            />
          ) : null}
        </Group>
      </Table.Td>
      <Table.Td>
        {source && 'column' in source ? (
          <Text size="sm" c={example ? undefined : 'dimmed'} lineClamp={1} maw={260} title={example}>
            {example || 'empty'}
          </Text>
        ) : null}
      </Table.Td>
    </Table.Tr>
  );
}

/** "Line 4 · E-mail · Enter a valid email address". */
function errorText(imp: Import, row: PreviewRow, e: CellError): string {
  const where = e.column ?? (e.field ? `${targetLabel(imp, e.field)} (fixed value)` : null);
  return [`Line ${row.line}`, where, e.message].filter(Boolean).join(' · ');
}

function PreviewTable({ imp, rows }: { imp: Import; rows: PreviewRow[] }) {
  // Column → the fields it fills, under the saved mapping (the one the preview was checked with).
  const fieldsOf = new Map<string, string[]>();
  for (const [field, s] of Object.entries(imp.mapping)) {
    if (s && 'column' in s) {
      const key = s.column.toLowerCase();
      fieldsOf.set(key, [...(fieldsOf.get(key) ?? []), targetLabel(imp, field)]);
    }
  }
  const errorsWithLine = rows.flatMap((r) => r.errors.map((e) => ({ row: r, e })));
  const width = Math.max(imp.columns.length, ...rows.map((r) => r.cells.length));
  const headers = Array.from({ length: width }, (_, i) => imp.columns[i] ?? `Column ${i + 1}`);

  return (
    <Stack gap="xs">
      <Table.ScrollContainer minWidth={Math.min(1600, 80 + width * 130)} type="native">
        <Table withTableBorder withColumnBorders verticalSpacing={6} fz="sm" data-testid="import-preview">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={60}>Line</Table.Th>
              {headers.map((h, i) => {
                const fields = fieldsOf.get(h.toLowerCase());
                return (
                  <Table.Th key={i} style={{ verticalAlign: 'bottom' }}>
                    <Text size="sm" fw={600} c={fields ? undefined : 'dimmed'}>
                      {h}
                    </Text>
                    <Text size="xs" c={fields ? 'indigo.7' : 'dimmed'} fw={400}>
                      {fields ? `→ ${fields.join(', ')}` : 'not imported'}
                    </Text>
                  </Table.Th>
                );
              })}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((row) => {
              const rowErrors = row.errors.filter(
                (e) => !e.column || !headers.some((h) => h.toLowerCase() === e.column?.toLowerCase()),
              );
              return (
                <Table.Tr key={row.line} bg={row.errors.length ? 'red.0' : undefined}>
                  <Table.Td c="dimmed">
                    {rowErrors.length ? (
                      <Tooltip
                        label={rowErrors.map((e) => errorText(imp, row, e)).join('\n')}
                        multiline
                        w={320}
                      >
                        <Group gap={4} wrap="nowrap">
                          {row.line}
                          <IconAlertTriangle size={14} color="var(--mantine-color-red-7)" />
                        </Group>
                      </Tooltip>
                    ) : (
                      row.line
                    )}
                  </Table.Td>
                  {headers.map((h, i) => {
                    const cell = row.cells[i] ?? '';
                    const errors = row.errors.filter((e) => e.column?.toLowerCase() === h.toLowerCase());
                    const content = (
                      <Text size="sm" lineClamp={1} maw={240} title={cell} c={cell ? undefined : 'dimmed'}>
                        {cell || '—'}
                      </Text>
                    );
                    return (
                      <Table.Td
                        key={i}
                        data-invalid={errors.length ? 'true' : undefined}
                        style={
                          errors.length
                            ? {
                                background: 'var(--mantine-color-red-1)',
                                boxShadow: 'inset 0 0 0 1px var(--mantine-color-red-5)',
                              }
                            : undefined
                        }
                      >
                        {errors.length ? (
                          <Tooltip label={errors.map((e) => e.message).join('; ')} multiline w={280}>
                            {content}
                          </Tooltip>
                        ) : (
                          content
                        )}
                      </Table.Td>
                    );
                  })}
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {errorsWithLine.length > 0 ? (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertTriangle size={18} />}
          title={
            errorsWithLine.length === 1
              ? '1 problem in these rows'
              : `${errorsWithLine.length} problems in these rows`
          }
          data-testid="preview-errors"
        >
          <Text size="sm" mb={6}>
            Rows with a problem are left out and listed in the report of rejected rows; the other rows are
            imported.
          </Text>
          <List size="sm" spacing={2}>
            {errorsWithLine.map(({ row, e }, i) => (
              <List.Item key={i}>{errorText(imp, row, e)}</List.Item>
            ))}
          </List>
        </Alert>
      ) : rows.length > 0 ? (
        <Text size="sm" c="green.8">
          No problems in these rows.
        </Text>
      ) : null}
    </Stack>
  );
}

export interface MappingStepProps {
  imp: Import;
  mapping: ImportMapping;
  onChange: (mapping: ImportMapping) => void;
  dirty: boolean;
  onSave: () => void;
  saving: boolean;
  readOnly: boolean;
  /** Another sheet, or the first row as data or as the header: saved at once (the columns change). */
  onReadOptions: (patch: { sheet?: string; hasHeader?: boolean }) => void;
  hasHeader: boolean;
}

/** Step 2: which column of the file fills which field, and the first rows checked with it. */
export function MappingStep({
  imp,
  mapping,
  onChange,
  dirty,
  onSave,
  saving,
  readOnly,
  onReadOptions,
  hasHeader,
}: MappingStepProps) {
  const preview = useImportPreview(imp.id);
  const required = requirementsOf(imp);
  // Sections in the order the type lists their fields (an individual's contact comes first).
  const order = FIELDS_BY_TYPE[imp.type];
  const sections = SECTIONS.map((sec) => ({
    label: sec.label,
    fields: order.filter((f) => sec.fields.includes(f)),
  }))
    .filter((sec) => sec.fields.length > 0)
    .sort((a, b) => order.indexOf(a.fields[0]!) - order.indexOf(b.fields[0]!));
  // Custom attributes the type can fill, after the built-in fields, one section per entity.
  const attributeSections = (['account', 'contact'] as const)
    .map((entity) => ({
      label: entity === 'account' ? 'Account attributes' : 'Contact attributes',
      targets: imp.attributeTargets.filter((t) => t.entity === entity),
    }))
    .filter((sec) => sec.targets.length > 0);
  const firstRow = preview.data?.rows[0];
  const exampleOf = (s: ColumnSource | undefined) => {
    if (!s || !('column' in s) || !firstRow) return undefined;
    const i = imp.columns.findIndex((c) => c.toLowerCase() === s.column.toLowerCase());
    return i < 0 ? undefined : firstRow.cells[i];
  };
  const used = new Set(
    Object.values(mapping).flatMap((s) => (s && 'column' in s ? [s.column.toLowerCase()] : [])),
  );
  const unused = imp.columns.filter((c) => !used.has(c.toLowerCase()));
  const missing = missingRequired(imp, mapping);
  const suggested = sameMapping(mapping, imp.suggestedMapping);
  // The server's mapping errors, unless the draft differs from what it checked or the missing
  // fields above already say it.
  const mappingErrors = !dirty && missing.length === 0 ? (preview.data?.mappingErrors ?? []) : [];

  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <Stack gap={2}>
          <Title order={4}>Which column holds what?</Title>
          <Text size="sm" c="dimmed">
            Fields marked <span className="required-label" /> are needed on every row. Empty cells leave what
            is already stored as it is.
          </Text>
        </Stack>
        {!readOnly ? (
          <Button
            variant="default"
            size="xs"
            leftSection={<IconWand size={16} />}
            disabled={suggested}
            onClick={() => onChange(imp.suggestedMapping)}
          >
            Use suggestions
          </Button>
        ) : null}
      </Group>

      <Group gap="lg" wrap="wrap" align="flex-end">
        {imp.sheets.length > 1 ? (
          <Select
            label="Sheet"
            w={220}
            size="sm"
            data={imp.sheets}
            value={imp.sheet}
            allowDeselect={false}
            disabled={readOnly || saving}
            onChange={(v) => v && v !== imp.sheet && onReadOptions({ sheet: v })}
          />
        ) : null}
        <Switch
          label="The first row holds the column names"
          checked={hasHeader}
          disabled={readOnly || saving}
          onChange={(e) => onReadOptions({ hasHeader: e.currentTarget.checked })}
        />
        <Text size="xs" c="dimmed" data-testid="file-details">
          {[
            imp.fileName ?? 'Pasted rows',
            imp.fileSize ? formatBytes(imp.fileSize) : null,
            imp.sheet ? `sheet “${imp.sheet}”` : null,
            imp.encoding ? `read as ${imp.encoding.toUpperCase()}` : null,
            imp.delimiter ? `separated by ${DELIMITER_NAMES[imp.delimiter] ?? `“${imp.delimiter}”`}` : null,
            `${imp.columns.length} columns`,
          ]
            .filter(Boolean)
            .join(' · ')}
        </Text>
      </Group>

      <Table verticalSpacing={6} data-testid="mapping-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={240}>Field</Table.Th>
            <Table.Th>Comes from</Table.Th>
            <Table.Th>First row</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sections.map((sec) => (
            <Fragment key={sec.label}>
              {sections.length > 1 ? (
                <Table.Tr bg="gray.0">
                  <Table.Td colSpan={3} py={4}>
                    <Text size="xs" fw={700} c="dimmed" tt="uppercase">
                      {sec.label}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ) : null}
              {sec.fields.map((field) => (
                <FieldRow
                  key={field}
                  field={field}
                  label={shortLabel(field)}
                  imp={imp}
                  source={mapping[field]}
                  example={exampleOf(mapping[field])}
                  required={required.has(field)}
                  alternatives={required.get(field) ?? []}
                  readOnly={readOnly}
                  onChange={(source) => {
                    const next = { ...mapping };
                    if (source) next[field] = source;
                    else delete next[field];
                    onChange(next);
                  }}
                />
              ))}
            </Fragment>
          ))}
          {attributeSections.map((sec) => (
            <Fragment key={sec.label}>
              <Table.Tr bg="gray.0">
                <Table.Td colSpan={3} py={4}>
                  <Text size="xs" fw={700} c="dimmed" tt="uppercase">
                    {sec.label}
                  </Text>
                </Table.Td>
              </Table.Tr>
              {sec.targets.map((t) => (
                <FieldRow
                  key={t.target}
                  field={t.target}
                  label={t.label}
                  hint={[t.mandatory ? 'needed for new records' : null, ATTRIBUTE_HINTS[t.type]]
                    .filter(Boolean)
                    .join('; ')}
                  imp={imp}
                  source={mapping[t.target]}
                  example={exampleOf(mapping[t.target])}
                  required={t.mandatory}
                  alternatives={[]}
                  readOnly={readOnly}
                  onChange={(source) => {
                    const next = { ...mapping };
                    if (source) next[t.target] = source;
                    else delete next[t.target];
                    onChange(next);
                  }}
                />
              ))}
            </Fragment>
          ))}
        </Table.Tbody>
      </Table>
      {unused.length > 0 ? (
        <Text size="xs" c="dimmed">
          Not imported: {unused.map((c) => `“${c}”`).join(', ')}
        </Text>
      ) : null}
      {missing.length > 0 ? (
        <Alert
          color="yellow"
          variant="light"
          icon={<IconAlertTriangle size={18} />}
          data-testid="missing-fields"
        >
          Choose where these come from: {missing.join('; ')}.
        </Alert>
      ) : null}
      {mappingErrors.length > 0 ? (
        <Alert color="red" variant="light" title="The mapping needs a change">
          <List size="sm">
            {mappingErrors.map((e, i) => (
              <List.Item key={i}>{e.message}</List.Item>
            ))}
          </List>
        </Alert>
      ) : null}

      <Stack gap="xs">
        <Group justify="space-between" align="center" wrap="wrap">
          <Group gap="xs">
            <Title order={4}>Preview</Title>
            {preview.data ? (
              <Badge variant="light" color="gray" radius="sm">
                {preview.data.rows.length === 0
                  ? 'no rows'
                  : `first ${preview.data.rows.length} ${preview.data.rows.length === 1 ? 'row' : 'rows'}`}
              </Badge>
            ) : null}
          </Group>
          {!readOnly ? (
            <Group gap="xs">
              {dirty ? (
                <Text size="xs" c="orange.8">
                  You changed the mapping: save it to check these rows again.
                </Text>
              ) : null}
              <Button size="xs" variant="light" disabled={!dirty} loading={saving} onClick={onSave}>
                Save mapping and check again
              </Button>
            </Group>
          ) : null}
        </Group>
        {preview.isPending ? <PageLoader /> : null}
        {preview.isError ? <ErrorAlert error={preview.error} /> : null}
        {preview.data ? (
          <div style={{ opacity: preview.isFetching || dirty ? 0.6 : 1 }}>
            <PreviewTable imp={imp} rows={preview.data.rows} />
          </div>
        ) : null}
      </Stack>
    </Stack>
  );
}
