import { useState } from 'react';
import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Modal,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import {
  useArchiveAttribute,
  useAttributes,
  useSaveAttribute,
  type AttributeDefinition,
  type AttributeEntity,
  type AttributeInput,
  type AttributeType,
} from '../../api/attributes.ts';
import { errorMessage, isApiError } from '../../api/client.ts';
import { useCan } from '../../api/session.ts';
import { Empty, ErrorAlert, PageLoader } from '../../components/ui.tsx';

const TYPES: { value: AttributeType; label: string }[] = [
  { value: 'text', label: 'Text' },
  { value: 'number', label: 'Number' },
  { value: 'date', label: 'Date' },
  { value: 'boolean', label: 'Yes / no' },
  { value: 'select', label: 'Select (one option)' },
  { value: 'multiselect', label: 'Multiselect (several options)' },
  { value: 'email', label: 'Email' },
  { value: 'phone', label: 'Phone' },
  { value: 'url', label: 'Web address' },
];
const typeLabel = (t: AttributeType) => TYPES.find((x) => x.value === t)?.label ?? t;

/** Settings → Custom attributes: the fields a seller adds to accounts and contacts (R9). */
export function AttributesEditor() {
  const can = useCan();
  const canWrite = can('settings.write');
  const [entity, setEntity] = useState<AttributeEntity>('account');
  const [editing, setEditing] = useState<AttributeDefinition | 'new' | null>(null);
  const list = useAttributes(entity);
  const archive = useArchiveAttribute();

  return (
    <Stack>
      <Group justify="space-between">
        <SegmentedControl
          aria-label="Entity"
          value={entity}
          onChange={(v) => setEntity(v)}
          data={[
            { value: 'account', label: 'Accounts' },
            { value: 'contact', label: 'Contacts' },
          ]}
        />
        {canWrite && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')}>
            New attribute
          </Button>
        )}
      </Group>
      {list.isPending ? (
        <PageLoader />
      ) : list.isError ? (
        <ErrorAlert error={list.error} />
      ) : list.data.length === 0 ? (
        <Empty>No custom attributes for {entity === 'account' ? 'accounts' : 'contacts'} yet.</Empty>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table verticalSpacing="sm" aria-label="Custom attributes">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Position</Table.Th>
                <Table.Th>Label</Table.Th>
                <Table.Th>Key</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Shown</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((d) => (
                <Table.Tr key={d.id}>
                  <Table.Td>{d.position}</Table.Td>
                  <Table.Td>
                    {d.label}
                    {d.mandatory && (
                      <Text span c="red" aria-label="mandatory">
                        {' '}
                        *
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <code>{d.key}</code>
                  </Table.Td>
                  <Table.Td>{typeLabel(d.type)}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {d.showInList && <Badge variant="light">List</Badge>}
                      {d.filterable && <Badge variant="light">Filter</Badge>}
                      {d.showAtSignUp && <Badge variant="light">Sign-up</Badge>}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    {canWrite && (
                      <Group gap="xs" justify="flex-end">
                        <Button size="xs" variant="default" onClick={() => setEditing(d)}>
                          Edit
                        </Button>
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          loading={archive.isPending && archive.variables === d.id}
                          onClick={() =>
                            archive.mutate(d.id, {
                              onSuccess: () =>
                                notifications.show({
                                  message: `${d.label} archived; its values are kept`,
                                }),
                              onError: (e) => notifications.show({ color: 'red', message: errorMessage(e) }),
                            })
                          }
                        >
                          Archive
                        </Button>
                      </Group>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {editing && (
        <AttributeModal
          entity={entity}
          definition={editing === 'new' ? null : editing}
          nextPosition={(list.data?.at(-1)?.position ?? 0) + 10}
          onClose={() => setEditing(null)}
        />
      )}
    </Stack>
  );
}

type Row = { a: string; b: string };

function AttributeModal({
  entity,
  definition,
  nextPosition,
  onClose,
}: {
  entity: AttributeEntity;
  definition: AttributeDefinition | null;
  nextPosition: number;
  onClose: () => void;
}) {
  const save = useSaveAttribute();
  const [form, setForm] = useState(() => ({
    key: definition?.key ?? '',
    label: definition?.label ?? '',
    type: definition?.type ?? 'text',
    helpText: definition?.helpText ?? '',
    mandatory: definition?.mandatory ?? false,
    showInList: definition?.showInList ?? false,
    filterable: definition?.filterable ?? false,
    showAtSignUp: definition?.showAtSignUp ?? false,
    position: definition?.position ?? nextPosition,
  }));
  const [options, setOptions] = useState<Row[]>(
    () => definition?.options.map((o) => ({ a: o.value, b: o.label })) ?? [],
  );
  const [labels, setLabels] = useState<Row[]>(() =>
    Object.entries(definition?.labels ?? {}).map(([a, b]) => ({ a, b })),
  );
  const set = <K extends keyof typeof form>(k: K, v: (typeof form)[K]) => setForm((f) => ({ ...f, [k]: v }));
  const choice = form.type === 'select' || form.type === 'multiselect';

  const errors: Record<string, string> = {};
  if (isApiError(save.error) && Array.isArray(save.error.details))
    for (const d of save.error.details as { path?: string; message?: string }[])
      if (d.path && d.message) errors[d.path.split('.')[0]!] ??= d.message;
  const general = save.error && !Object.keys(errors).length ? errorMessage(save.error) : null;

  const submit = () => {
    const input: AttributeInput = {
      entity,
      key: form.key.trim(),
      type: form.type,
      label: form.label.trim(),
      labels: Object.fromEntries(
        labels.filter((l) => l.a.trim() && l.b.trim()).map((l) => [l.a.trim(), l.b.trim()]),
      ),
      helpText: form.helpText.trim() || null,
      options: choice
        ? options
            .filter((o) => o.a.trim())
            .map((o) => ({ value: o.a.trim(), label: o.b.trim() || o.a.trim() }))
        : [],
      mandatory: form.mandatory,
      showInList: form.showInList,
      filterable: form.filterable,
      showAtSignUp: form.showAtSignUp,
      position: form.position,
    };
    save.mutate(
      { id: definition?.id ?? null, input },
      {
        onSuccess: () => {
          notifications.show({ message: `${input.label} saved` });
          onClose();
        },
      },
    );
  };

  const rows = (list: Row[], setList: (r: Row[]) => void, names: [string, string], what: string) => (
    <Stack gap="xs">
      {list.map((r, i) => (
        <Group key={i} gap="xs" align="flex-end">
          <TextInput
            label={`${names[0]} ${i + 1}`}
            value={r.a}
            onChange={(e) => setList(list.map((x, j) => (j === i ? { ...x, a: e.currentTarget.value } : x)))}
          />
          <TextInput
            label={`${names[1]} ${i + 1}`}
            style={{ flex: 1 }}
            value={r.b}
            onChange={(e) => setList(list.map((x, j) => (j === i ? { ...x, b: e.currentTarget.value } : x)))}
          />
          <ActionIcon
            variant="subtle"
            color="red"
            size="lg"
            aria-label={`Remove ${what} ${i + 1}`}
            onClick={() => setList(list.filter((_, j) => j !== i))}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      ))}
      <Button variant="light" size="xs" w="fit-content" onClick={() => setList([...list, { a: '', b: '' }])}>
        Add {what}
      </Button>
    </Stack>
  );

  return (
    <Modal
      opened
      onClose={onClose}
      title={definition ? `Edit ${definition.label}` : 'New attribute'}
      size="lg"
    >
      <Stack>
        <TextInput
          label="Label"
          required
          value={form.label}
          error={errors.label}
          onChange={(e) => set('label', e.currentTarget.value)}
        />
        <TextInput
          label="Key"
          description="Lowercase letters, digits and underscores; used in the API and imports (attributes.<key>)"
          required
          disabled={definition !== null}
          value={form.key}
          error={errors.key}
          onChange={(e) => set('key', e.currentTarget.value)}
        />
        <Select
          label="Type"
          required
          data={TYPES}
          allowDeselect={false}
          value={form.type}
          error={errors.type}
          onChange={(v) => v && set('type', v)}
        />
        {choice && (
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              Options{' '}
              <Text span c="red">
                *
              </Text>
            </Text>
            {errors.options && (
              <Text size="sm" c="red">
                {errors.options}
              </Text>
            )}
            {rows(options, setOptions, ['Option value', 'Option label'], 'option')}
          </Stack>
        )}
        <Textarea
          label="Help text"
          autosize
          minRows={1}
          value={form.helpText}
          onChange={(e) => set('helpText', e.currentTarget.value)}
        />
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Labels in other languages
          </Text>
          {errors.labels && (
            <Text size="sm" c="red">
              {errors.labels}
            </Text>
          )}
          {rows(labels, setLabels, ['Language', 'Label'], 'translation')}
        </Stack>
        <NumberInput
          label="Position"
          description="Lower numbers come first"
          min={0}
          value={form.position}
          onChange={(v) => set('position', typeof v === 'number' ? v : 0)}
        />
        <Switch
          label="Mandatory"
          checked={form.mandatory}
          onChange={(e) => set('mandatory', e.currentTarget.checked)}
        />
        <Switch
          label="Show in lists"
          checked={form.showInList}
          onChange={(e) => set('showInList', e.currentTarget.checked)}
        />
        <Switch
          label="Filterable"
          checked={form.filterable}
          onChange={(e) => set('filterable', e.currentTarget.checked)}
        />
        <Switch
          label="Ask at the storefront sign-up"
          checked={form.showAtSignUp}
          onChange={(e) => set('showAtSignUp', e.currentTarget.checked)}
        />
        {general && <ErrorAlert error={save.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button loading={save.isPending} onClick={submit}>
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
