import { useRef, useState } from 'react';
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  CopyButton,
  Grid,
  Group,
  Loader,
  Modal,
  Paper,
  Popover,
  SegmentedControl,
  Select,
  Stack,
  Tabs,
  Text,
  Textarea,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { modals } from '@mantine/modals';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle, IconCheck, IconCopy, IconLanguage, IconPlus } from '@tabler/icons-react';
import { getRouteApi, useBlocker, useNavigate } from '@tanstack/react-router';
import type { ContactSummary } from '../../../contracts/contacts.ts';
import { errorMessage, isApiError } from '../../api/client.ts';
import {
  DEFAULT_LANGUAGE,
  LANGUAGE_PATTERN,
  templateFieldErrors,
  templateIssues,
  useEmailTemplate,
  useRestoreTemplate,
  useSaveTemplate,
  useSystemEmails,
  useTemplatePreview,
  type EmailTemplate,
  type SystemEmailSummary,
  type TemplateContent,
} from '../../api/email-templates.ts';
import { useCan } from '../../api/session.ts';
import { ContactPicker } from '../../components/ContactPicker.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { EmailFrame } from '../../components/EmailFrame.tsx';
import { ErrorAlert, PageHeader, PageLoader } from '../../components/ui.tsx';
import { EmailSettingsPanel } from './EmailSettingsPanel.tsx';

const route = getRouteApi('/portal/email-templates/$key');

const languageNames = (() => {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' });
  } catch {
    return null;
  }
})();
export const languageName = (code: string) => {
  try {
    return languageNames?.of(code) ?? code;
  } catch {
    return code;
  }
};

const contentOf = (t: EmailTemplate): TemplateContent => ({ subject: t.subject, html: t.html, text: t.text });
const sameContent = (a: TemplateContent, b: TemplateContent) =>
  a.subject === b.subject && a.html === b.html && a.text === b.text;

export function EmailTemplatePage() {
  const { key } = route.useParams();
  const search = route.useSearch();
  const language = search.language ?? DEFAULT_LANGUAGE;
  const emails = useSystemEmails();
  const template = useEmailTemplate(key, language);
  const summary = emails.data?.find((e) => e.key === key);

  if (emails.isError) return <ErrorAlert error={emails.error} />;
  if (template.isError) return <ErrorAlert error={template.error} />;
  if (emails.isPending) return <PageLoader />;
  if (!summary) return <ErrorAlert error={new Error(`There is no system email “${key}”.`)} />;

  return (
    <>
      <AnchorLink to="/email-templates" size="sm" mb="xs" display="inline-block">
        ← Email templates
      </AnchorLink>
      <PageHeader
        title={
          <Group gap="sm">
            {summary.name}
            {summary.enabled ? null : (
              <Badge color="gray" variant="light" radius="sm">
                switched off
              </Badge>
            )}
          </Group>
        }
        subtitle={summary.description}
        actions={<LanguagePicker summary={summary} language={language} />}
      />
      <Stack gap="md">
        {template.isPending ? (
          <PageLoader />
        ) : (
          // A fresh editor per template and language, starting from the server's content.
          <TemplateEditor
            key={`${key}/${language}`}
            summary={summary}
            language={language}
            template={template.data}
          />
        )}
        <EmailSettingsPanel key={key} summary={summary} />
      </Stack>
    </>
  );
}

function LanguagePicker({ summary, language }: { summary: SystemEmailSummary; language: string }) {
  const navigate = useNavigate({ from: '/email-templates/$key' });
  const [adding, setAdding] = useState(false);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string>();
  const languages = [...new Set([DEFAULT_LANGUAGE, ...summary.customisedLanguages, language])];
  const isNew = (l: string) => l !== DEFAULT_LANGUAGE && !summary.customisedLanguages.includes(l);
  const go = (l: string) =>
    void navigate({ search: { language: l === DEFAULT_LANGUAGE ? undefined : l }, replace: false });

  return (
    <Group gap="xs" align="flex-end">
      <Select
        label="Language"
        w={200}
        allowDeselect={false}
        leftSection={<IconLanguage size={16} />}
        data={languages.map((l) => ({
          value: l,
          // A language just added has no template until it is saved.
          label: `${languageName(l)} (${l})${isNew(l) ? ' · new' : ''}`,
        }))}
        value={language}
        onChange={(l) => l && go(l)}
      />
      <Popover opened={adding} onChange={setAdding} position="bottom-end" withArrow trapFocus>
        <Popover.Target>
          <Button variant="default" leftSection={<IconPlus size={16} />} onClick={() => setAdding((o) => !o)}>
            Add language
          </Button>
        </Popover.Target>
        <Popover.Dropdown>
          <form
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              const l = code.trim();
              if (!LANGUAGE_PATTERN.test(l)) {
                setError('Use a code such as fr, de or fr-CA');
                return;
              }
              setAdding(false);
              setCode('');
              setError(undefined);
              go(l);
            }}
          >
            <Stack gap="xs" w={220}>
              <TextInput
                label="Language code"
                description="e.g. fr, de, fr-CA"
                value={code}
                onChange={(e) => setCode(e.currentTarget.value)}
                error={error}
                data-autofocus
              />
              <Button type="submit" size="xs">
                Add
              </Button>
            </Stack>
          </form>
        </Popover.Dropdown>
      </Popover>
    </Group>
  );
}

type Field = keyof TemplateContent;

function TemplateEditor({
  summary,
  language,
  template,
}: {
  summary: SystemEmailSummary;
  language: string;
  template: EmailTemplate;
}) {
  const can = useCan();
  const canWrite = can('emailTemplates.write');
  const key = summary.key;
  const saved = contentOf(template);
  const [draft, setDraft] = useState<TemplateContent>(saved);
  const save = useSaveTemplate(key, language);
  const restore = useRestoreTemplate(key, language);
  const dirty = !sameContent(draft, saved);
  // The template's own content in this language, or the default language's as a starting point.
  const isFallback = template.language !== language;
  const canRestore = template.customised && !isFallback;

  const subjectRef = useRef<HTMLInputElement>(null);
  const htmlRef = useRef<HTMLTextAreaElement>(null);
  const textRef = useRef<HTMLTextAreaElement>(null);
  // Where a clicked variable goes: the field that had the focus last.
  const [lastField, setLastField] = useState<Field>('html');

  // Errors of the last save, while the content is still what was sent.
  const saveErrors =
    save.isError && save.variables && sameContent(save.variables, draft)
      ? templateFieldErrors(save.error)
      : {};
  const saveRefused = save.isError && save.variables && sameContent(save.variables, draft);

  const blocker = useBlocker({ shouldBlockFn: () => dirty, withResolver: true, enableBeforeUnload: false });

  const set = (field: Field, value: string) => setDraft((d) => ({ ...d, [field]: value }));

  const insert = (snippet: string) => {
    const field = lastField;
    const el = { subject: subjectRef, html: htmlRef, text: textRef }[field].current;
    const current = draft[field];
    const start = el?.selectionStart ?? current.length;
    const end = el?.selectionEnd ?? start;
    set(field, current.slice(0, start) + snippet + current.slice(end));
    const caret = start + snippet.length;
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(caret, caret);
    });
  };

  const onSave = () =>
    save.mutate(draft, {
      onSuccess: () =>
        notifications.show({
          color: 'green',
          message: isFallback
            ? `The ${languageName(language)} template is saved`
            : 'Template saved. New emails use it from now on.',
        }),
    });

  const onRestore = () =>
    modals.openConfirmModal({
      title: 'Restore the default template?',
      children: (
        <Text size="sm">
          Your edits to the {languageName(language)} subject, HTML and text of “{summary.name}” are replaced
          by the template that ships with Clientele.
          {language !== DEFAULT_LANGUAGE
            ? ` Emails in ${languageName(language)} then use the default language.`
            : ''}
        </Text>
      ),
      labels: { confirm: 'Restore default', cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: () =>
        restore.mutate(undefined, {
          onSuccess: (t) => {
            setDraft(contentOf(t));
            save.reset();
            notifications.show({ color: 'green', message: 'The default template is restored' });
          },
          onError: (e) => notifications.show({ color: 'red', message: errorMessage(e) }),
        }),
    });

  const fieldProps = (field: Field) => ({
    value: draft[field],
    readOnly: !canWrite,
    onFocus: () => setLastField(field),
    error: saveErrors[field],
    spellCheck: field !== 'html',
  });

  return (
    <Grid gap="md" align="flex-start">
      <Grid.Col span={{ base: 12, lg: 6 }}>
        <Paper withBorder p="md" radius="md">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (canWrite && dirty) onSave();
            }}
          >
            <Stack gap="sm">
              <Group justify="space-between">
                <Title order={4}>Content</Title>
                <Group gap={6}>
                  {template.customised && !isFallback ? (
                    <Badge variant="light" color="orange" radius="sm">
                      edited
                    </Badge>
                  ) : (
                    <Badge variant="light" color="gray" radius="sm">
                      {isFallback ? `not written yet` : 'default'}
                    </Badge>
                  )}
                  {dirty ? (
                    <Badge variant="light" color="yellow" radius="sm">
                      unsaved changes
                    </Badge>
                  ) : null}
                </Group>
              </Group>
              {isFallback ? (
                <Alert color="blue" p="xs">
                  There is no {languageName(language)} template yet: contacts whose language is {language} get
                  the {languageName(template.language)} one. Below is the {languageName(template.language)}{' '}
                  content as a starting point; translate it and save to create the {languageName(language)}{' '}
                  template.
                </Alert>
              ) : null}
              <TextInput
                label="Subject"
                ref={subjectRef}
                {...fieldProps('subject')}
                onChange={(e) => set('subject', e.currentTarget.value)}
              />
              <Textarea
                label="HTML body"
                description="Liquid: {{ variable }}, {% if … %} … {% endif %}. Values are HTML-escaped."
                ref={htmlRef}
                autosize
                minRows={8}
                maxRows={22}
                classNames={{ input: 'code-input' }}
                {...fieldProps('html')}
                onChange={(e) => set('html', e.currentTarget.value)}
              />
              <Textarea
                label="Text body"
                description="For email clients that show plain text"
                ref={textRef}
                autosize
                minRows={5}
                maxRows={16}
                classNames={{ input: 'code-input' }}
                {...fieldProps('text')}
                onChange={(e) => set('text', e.currentTarget.value)}
              />
              <Variables variables={template.variables} onInsert={canWrite ? insert : undefined} />
              {saveRefused ? (
                <Alert color="red" icon={<IconAlertCircle size={18} />} role="alert" title="Not saved">
                  {isApiError(save.error) && save.error.status === 422
                    ? `${templateIssues(save.error).length === 1 ? 'There is a problem' : 'There are problems'} in the template (shown under each part). Nothing was saved.`
                    : errorMessage(save.error)}
                </Alert>
              ) : null}
              {canWrite ? (
                <Group justify="space-between">
                  <Button
                    variant="subtle"
                    color="red"
                    disabled={!canRestore}
                    loading={restore.isPending}
                    onClick={onRestore}
                  >
                    Restore default
                  </Button>
                  <Group gap="xs">
                    <Button variant="default" disabled={!dirty} onClick={() => setDraft(saved)}>
                      Discard changes
                    </Button>
                    <Button type="submit" disabled={!dirty} loading={save.isPending}>
                      Save
                    </Button>
                  </Group>
                </Group>
              ) : null}
            </Stack>
          </form>
        </Paper>
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 6 }} style={{ position: 'sticky', top: 72 }}>
        <Preview templateKey={key} language={language} draft={draft} />
      </Grid.Col>
      <Modal
        opened={blocker.status === 'blocked'}
        onClose={() => blocker.reset?.()}
        title="Leave without saving?"
        size="sm"
      >
        <Stack>
          <Text size="sm">Your changes to this template are not saved.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => blocker.reset?.()}>
              Keep editing
            </Button>
            <Button color="red" onClick={() => blocker.proceed?.()}>
              Discard changes
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Grid>
  );
}

function Variables({ variables, onInsert }: { variables: string[]; onInsert?: (snippet: string) => void }) {
  return (
    <Stack gap={6}>
      <Text size="sm" fw={500}>
        Variables
      </Text>
      <Text size="xs" c="dimmed">
        {onInsert ? 'Click one to insert it where the cursor is, or copy it.' : 'What the template can use.'}
      </Text>
      <Group gap={6} role="list" aria-label="Variables">
        {variables.map((v) => {
          const snippet = `{{ ${v} }}`;
          return (
            <Group key={v} gap={0} role="listitem" className="variable-chip" wrap="nowrap">
              {onInsert ? (
                <Button
                  variant="subtle"
                  size="compact-xs"
                  ff="monospace"
                  onMouseDown={(e) => e.preventDefault()}
                  onClick={() => onInsert(snippet)}
                  aria-label={`Insert ${snippet}`}
                >
                  {v}
                </Button>
              ) : (
                <Text size="xs" ff="monospace" px={8}>
                  {v}
                </Text>
              )}
              <CopyButton value={snippet} timeout={1500}>
                {({ copied, copy }) => (
                  <Tooltip label={copied ? 'Copied' : `Copy ${snippet}`} withinPortal>
                    <ActionIcon
                      variant="subtle"
                      color={copied ? 'green' : 'gray'}
                      size="sm"
                      onClick={copy}
                      aria-label={`Copy ${snippet}`}
                    >
                      {copied ? <IconCheck size={14} /> : <IconCopy size={14} />}
                    </ActionIcon>
                  </Tooltip>
                )}
              </CopyButton>
            </Group>
          );
        })}
      </Group>
    </Stack>
  );
}

function Preview({
  templateKey,
  language,
  draft,
}: {
  templateKey: string;
  language: string;
  draft: TemplateContent;
}) {
  const [mode, setMode] = useState<'sample' | 'contact'>('sample');
  const [contact, setContact] = useState<ContactSummary | null>(null);
  const [debounced] = useDebouncedValue(draft, 400);
  const contactId = mode === 'contact' ? contact?.id : undefined;
  const preview = useTemplatePreview(
    templateKey,
    language,
    { ...debounced, contactId },
    mode === 'sample' || !!contactId,
  );
  const issues = templateIssues(preview.error);
  const rendered = preview.isError ? undefined : preview.data;

  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="sm">
        <Group justify="space-between">
          <Group gap="xs">
            <Title order={4}>Preview</Title>
            {preview.isFetching ? <Loader size={14} aria-label="Updating the preview" /> : null}
          </Group>
          <SegmentedControl
            size="xs"
            aria-label="Preview with"
            value={mode}
            onChange={(v) => setMode(v === 'contact' ? 'contact' : 'sample')}
            data={[
              { value: 'sample', label: 'Sample data' },
              { value: 'contact', label: 'A real contact' },
            ]}
          />
        </Group>
        {mode === 'contact' ? (
          <ContactPicker
            label="Preview with contact"
            value={contact}
            onChange={setContact}
            description="Renders the email with this contact’s name, account and language data"
          />
        ) : null}
        {mode === 'contact' && !contactId ? (
          <Text size="sm" c="dimmed">
            Choose a contact to see the email as they would get it.
          </Text>
        ) : null}
        {preview.isError ? (
          <Alert
            color="red"
            icon={<IconAlertCircle size={18} />}
            title="The preview cannot be shown"
            data-testid="preview-error"
          >
            {issues.length > 0 ? (
              <Stack gap={2}>
                {issues.map((i, n) => (
                  <Text key={n} size="sm">
                    <b>{partName(i.path)}:</b> {i.message}
                  </Text>
                ))}
              </Stack>
            ) : (
              errorMessage(preview.error)
            )}
          </Alert>
        ) : null}
        {rendered ? (
          <Stack
            gap="sm"
            style={{ opacity: preview.isPlaceholderData ? 0.6 : 1, transition: 'opacity 120ms' }}
          >
            <Text size="sm">
              <Text span c="dimmed" size="sm">
                Subject:{' '}
              </Text>
              <b data-testid="preview-subject">{rendered.subject}</b>
            </Text>
            <Tabs defaultValue="html" keepMounted={false}>
              <Tabs.List>
                <Tabs.Tab value="html">HTML</Tabs.Tab>
                <Tabs.Tab value="text">Text</Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="html" pt="sm">
                <EmailFrame title="Email preview" html={rendered.html} />
              </Tabs.Panel>
              <Tabs.Panel value="text" pt="sm">
                <Text
                  component="pre"
                  size="sm"
                  ff="monospace"
                  className="email-text"
                  data-testid="preview-text"
                >
                  {rendered.text}
                </Text>
              </Tabs.Panel>
            </Tabs>
          </Stack>
        ) : null}
      </Stack>
    </Paper>
  );
}

const partName = (path: string) =>
  ({ subject: 'Subject', html: 'HTML body', text: 'Text body' })[path] ?? path;
