import { useState } from 'react';
import { Group, Paper, SimpleGrid, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { SaveButtons } from '../../components/SaveButtons.tsx';
import { ErrorAlert } from '../../components/ui.tsx';
import { isApiError } from '../../api/client.ts';
import {
  useUpdateEmailSettings,
  type EmailSettingsInput,
  type SystemEmailSummary,
} from '../../api/email-templates.ts';
import { useCan } from '../../api/session.ts';
import { EmailTagsInput } from '../../components/EmailTagsInput.tsx';

interface SettingsForm {
  enabled: boolean;
  cc: string[];
  bcc: string[];
  fromName: string;
  fromAddress: string;
}

const formOf = (s: SystemEmailSummary): SettingsForm => ({
  enabled: s.enabled,
  cc: s.cc,
  bcc: s.bcc,
  fromName: s.fromName ?? '',
  fromAddress: s.fromAddress ?? '',
});

const sameList = (a: string[], b: string[]) => a.join('\n') === b.join('\n');

/**
 * The server's field problems, keyed by field; a problem with one address of a list (`cc.1`) names the
 * address.
 */
function settingsErrors(e: unknown, sent: EmailSettingsInput | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isApiError(e) || e.code !== 'invalid_input' || !Array.isArray(e.details)) return out;
  for (const d of e.details as { path?: unknown; message?: unknown }[]) {
    if (typeof d?.message !== 'string') continue;
    const [field = '', index] = (typeof d.path === 'string' ? d.path : '').split('.');
    if (out[field]) continue;
    const list = field === 'cc' || field === 'bcc' ? sent?.[field] : undefined;
    const address = index !== undefined && list ? list[Number(index)] : undefined;
    out[field] = address ? `${address}: ${d.message}` : d.message;
  }
  return out;
}

/** Per system email: sent or not, who is copied, who it comes from. */
export function EmailSettingsPanel({ summary }: { summary: SystemEmailSummary }) {
  const can = useCan();
  const canWrite = can('emailTemplates.write');
  const [form, setForm] = useState(() => formOf(summary));
  const update = useUpdateEmailSettings();
  const original = formOf(summary);

  const patch: EmailSettingsInput = {};
  if (form.enabled !== original.enabled) patch.enabled = form.enabled;
  if (!sameList(form.cc, original.cc)) patch.cc = form.cc;
  if (!sameList(form.bcc, original.bcc)) patch.bcc = form.bcc;
  if (form.fromName.trim() !== original.fromName) patch.fromName = form.fromName.trim() || null;
  if (form.fromAddress.trim() !== original.fromAddress) patch.fromAddress = form.fromAddress.trim() || null;
  const dirty = Object.keys(patch).length > 0;
  const errors = settingsErrors(update.error, update.variables?.body);
  const set = <K extends keyof SettingsForm>(k: K, v: SettingsForm[K]) => {
    setForm((f) => ({ ...f, [k]: v }));
    if (update.isError) update.reset();
  };

  return (
    <Paper withBorder p="md" radius="md">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          update.mutate(
            { key: summary.key, body: patch },
            {
              onSuccess: (s) => {
                setForm(formOf(s));
                notifications.show({ color: 'green', message: 'Sending settings saved' });
              },
            },
          );
        }}
      >
        <Stack gap="sm">
          <Group justify="space-between" align="flex-start">
            <Stack gap={2}>
              <Title order={4}>Sending</Title>
              <Text size="xs" c="dimmed">
                Applies to every language of this email.
              </Text>
            </Stack>
            <Switch
              label="Send this email"
              checked={form.enabled}
              disabled={!canWrite}
              onChange={(e) => set('enabled', e.currentTarget.checked)}
            />
          </Group>
          {!form.enabled ? (
            <Text size="sm" c="orange.8">
              Switched off: Clientele does not send this email, and sending it from a contact’s page is
              refused.
            </Text>
          ) : null}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label="Sender name"
              description="Leave empty for the default sender"
              placeholder="Default sender"
              value={form.fromName}
              readOnly={!canWrite}
              onChange={(e) => set('fromName', e.currentTarget.value)}
              error={errors.fromName}
            />
            <TextInput
              label="Sender address"
              description="Leave empty for the default address"
              placeholder="Default address"
              type="email"
              value={form.fromAddress}
              readOnly={!canWrite}
              onChange={(e) => set('fromAddress', e.currentTarget.value)}
              error={errors.fromAddress}
            />
            <EmailTagsInput
              label="Cc"
              description="Copied on every email of this kind, e.g. your sales team"
              value={form.cc}
              onChange={(v) => set('cc', v)}
              error={errors.cc}
              disabled={!canWrite}
            />
            <EmailTagsInput
              label="Bcc"
              description="Blind copies, not shown to the recipient"
              value={form.bcc}
              onChange={(v) => set('bcc', v)}
              error={errors.bcc}
              disabled={!canWrite}
            />
          </SimpleGrid>
          {update.isError && Object.keys(errors).length === 0 ? <ErrorAlert error={update.error} /> : null}
          {canWrite ? (
            <SaveButtons
              dirty={dirty}
              saving={update.isPending}
              onReset={() => setForm(original)}
              saveLabel="Save sending settings"
            />
          ) : null}
        </Stack>
      </form>
    </Paper>
  );
}
