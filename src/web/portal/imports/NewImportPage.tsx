import { useRef, useState, type DragEvent } from 'react';
import {
  Alert,
  Button,
  CloseButton,
  Group,
  Paper,
  Progress,
  SegmentedControl,
  Stack,
  Tabs,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { IconClipboard, IconFileSpreadsheet, IconInfoCircle, IconUpload } from '@tabler/icons-react';
import { useNavigate } from '@tanstack/react-router';
import {
  FIELDS_BY_TYPE,
  IMPORT_FIELD_LABELS,
  IMPORT_TYPES,
  REQUIRED_BY_TYPE,
  useCreateImport,
  type ImportField,
  type ImportType,
} from '../../api/imports.ts';
import { useCan } from '../../api/session.ts';
import { ErrorAlert, PageHeader } from '../../components/ui.tsx';
import { ImportWarnings } from './ImportWarnings.tsx';
import { formatBytes, TYPE_HINTS, TYPE_LABELS } from './labels.tsx';
import { WizardSteps } from './WizardSteps.tsx';

const MAX_FILE_BYTES = 200 * 1024 * 1024;
const MAX_PASTE_BYTES = 5 * 1024 * 1024;

/** "Account number or account code, Email, First name and Last name". */
export function requiredText(type: ImportType): string {
  const parts = REQUIRED_BY_TYPE[type].map((r) =>
    r
      .split('|')
      .map((f, i) => {
        const label = IMPORT_FIELD_LABELS[f as ImportField];
        return i === 0 ? label : label.toLowerCase();
      })
      .join(' or '),
  );
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : (parts[0] ?? '');
}

/** A file chooser that also takes a file dropped on it. */
function FileDrop({
  file,
  onFile,
  error,
}: {
  file: File | null;
  onFile: (file: File | null) => void;
  error: string | null;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const dropped = e.dataTransfer.files[0];
    if (dropped) onFile(dropped);
  };

  if (file) {
    return (
      <Paper withBorder p="md" radius="md" bg="gray.0">
        <Group justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <IconFileSpreadsheet size={28} stroke={1.4} color="var(--mantine-color-indigo-6)" />
            <Stack gap={0}>
              <Text fw={500} size="sm" data-testid="chosen-file">
                {file.name}
              </Text>
              <Text size="xs" c="dimmed">
                {formatBytes(file.size)}
              </Text>
            </Stack>
          </Group>
          <CloseButton aria-label="Remove the file" onClick={() => onFile(null)} />
        </Group>
        {error ? (
          <Text size="sm" c="red" mt="xs">
            {error}
          </Text>
        ) : null}
      </Paper>
    );
  }

  return (
    <label
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      style={{
        display: 'block',
        cursor: 'pointer',
        border: `2px dashed var(--mantine-color-${over ? 'indigo-5' : 'gray-4'})`,
        borderRadius: 'var(--mantine-radius-md)',
        background: over ? 'var(--mantine-color-indigo-0)' : 'white',
        padding: 'var(--mantine-spacing-xl)',
        textAlign: 'center',
      }}
    >
      <input
        ref={input}
        type="file"
        aria-label="File to import"
        accept=".csv,.tsv,.txt,.xlsx,text/csv,text/plain,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        style={{ position: 'absolute', width: 1, height: 1, opacity: 0, overflow: 'hidden' }}
        onChange={(e) => {
          onFile(e.currentTarget.files?.[0] ?? null);
          e.currentTarget.value = '';
        }}
      />
      <Stack gap={6} align="center">
        <IconUpload size={32} stroke={1.4} color="var(--mantine-color-indigo-6)" />
        <Text fw={500}>Drop a file here, or click to choose one</Text>
        <Text size="sm" c="dimmed">
          CSV (separated by commas, semicolons or tabs) or Excel .xlsx, up to 200 MB
        </Text>
      </Stack>
    </label>
  );
}

/** Step 1: what the file holds, and the file (or pasted rows). Nothing is imported yet. */
export function NewImportPage() {
  const can = useCan();
  const navigate = useNavigate();
  const [type, setType] = useState<ImportType>('accounts');
  const [mode, setMode] = useState<'file' | 'paste'>('file');
  const [file, setFile] = useState<File | null>(null);
  const [text, setText] = useState('');
  const [sourceName, setSourceName] = useState('');
  const [uploaded, setUploaded] = useState(0);
  const [warnings, setWarnings] = useState<string[]>([]);
  const create = useCreateImport(setUploaded);

  const fileError =
    file && file.size > MAX_FILE_BYTES
      ? `This file is ${formatBytes(file.size)}; files can be up to 200 MB.`
      : file && file.size === 0
        ? 'This file is empty.'
        : null;
  const textError =
    new Blob([text]).size > MAX_PASTE_BYTES ? 'Paste at most 5 MB of rows; upload a file instead.' : null;
  const ready = mode === 'file' ? !!file && !fileError : text.trim() !== '' && !textError;

  const submit = () => {
    if (!ready) return;
    setUploaded(0);
    setWarnings([]);
    create.mutate(
      {
        type,
        sourceName: sourceName.trim() || undefined,
        source: mode === 'file' && file ? { file } : { text },
      },
      {
        // A file with nothing to import (only a header row) stays here with the warning.
        onSuccess: (imp) =>
          imp.warnings.length
            ? setWarnings(imp.warnings)
            : void navigate({ to: '/imports/$importId', params: { importId: imp.id } }),
      },
    );
  };

  if (!can('imports.run')) {
    return (
      <>
        <PageHeader title="New import" />
        <Alert color="gray" icon={<IconInfoCircle size={18} />}>
          You can see past imports, but starting one needs the “Run imports” permission.
        </Alert>
      </>
    );
  }

  return (
    <>
      <PageHeader
        title="New import"
        subtitle="Add or update accounts and contacts from a spreadsheet. Nothing is saved until you run the import."
      />
      <WizardSteps active={0} />
      <Paper withBorder p="lg" radius="md" maw={760}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <Stack gap="lg">
            <Stack gap={6}>
              <Title order={4}>What does the file hold?</Title>
              <SegmentedControl
                aria-label="What the file holds"
                value={type}
                onChange={(v) => setType(v)}
                data={IMPORT_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] }))}
                fullWidth
              />
              <Text size="sm" data-testid="type-hint">
                {TYPE_HINTS[type]}
              </Text>
              <Text size="xs" c="dimmed">
                Each row needs: {requiredText(type)}. Other columns you can use:{' '}
                {FIELDS_BY_TYPE[type]
                  .filter((f) => !REQUIRED_BY_TYPE[type].some((r) => r.split('|').includes(f)))
                  .map((f) => IMPORT_FIELD_LABELS[f].replace(/ \(.*\)$/, '').toLowerCase())
                  .join(', ')}
                .
              </Text>
            </Stack>

            <Stack gap="xs">
              <Title order={4}>The rows</Title>
              <Tabs value={mode} onChange={(v) => setMode(v === 'paste' ? 'paste' : 'file')}>
                <Tabs.List mb="sm">
                  <Tabs.Tab value="file" leftSection={<IconUpload size={16} />}>
                    Upload a file
                  </Tabs.Tab>
                  <Tabs.Tab value="paste" leftSection={<IconClipboard size={16} />}>
                    Paste rows
                  </Tabs.Tab>
                </Tabs.List>
                <Tabs.Panel value="file">
                  <FileDrop file={file} onFile={setFile} error={fileError} />
                </Tabs.Panel>
                <Tabs.Panel value="paste">
                  <Textarea
                    label="Rows"
                    description="Copy the rows from your spreadsheet, with the header row, and paste them here (up to 5 MB)."
                    placeholder={'Customer No.\tCompany\tCity\nC-1001\tAcme Supplies\tLyon'}
                    autosize
                    minRows={8}
                    maxRows={16}
                    value={text}
                    error={textError}
                    onChange={(e) => setText(e.currentTarget.value)}
                    styles={{
                      input: { fontFamily: 'ui-monospace, Menlo, Consolas, monospace', fontSize: 12.5 },
                    }}
                  />
                </Tabs.Panel>
              </Tabs>
            </Stack>

            <TextInput
              label="Source name (optional)"
              description="Where the file comes from, such as “ERP export”. Your column choices are remembered for the next file with the same source name."
              placeholder={mode === 'file' ? (file?.name ?? 'The file name') : 'Pasted text'}
              maxLength={200}
              value={sourceName}
              onChange={(e) => setSourceName(e.currentTarget.value)}
            />

            {create.isError ? <ErrorAlert error={create.error} title="The file could not be read" /> : null}
            <ImportWarnings warnings={warnings} />
            {create.isPending && mode === 'file' ? (
              <Stack gap={4}>
                <Progress value={uploaded * 100} animated={uploaded >= 1} aria-label="Upload progress" />
                <Text size="xs" c="dimmed">
                  {uploaded < 1 ? `Uploading… ${Math.floor(uploaded * 100)}%` : 'Reading the columns…'}
                </Text>
              </Stack>
            ) : null}

            <Group justify="flex-end">
              <Button type="submit" disabled={!ready} loading={create.isPending}>
                Continue: map columns
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </>
  );
}
