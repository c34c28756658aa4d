import { useState } from 'react';
import { Box, ColorInput, Grid, Image, Paper, Stack, Tabs, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { isApiError } from '../../api/client.ts';
import { useSettings, useUpdateSettings, type Branding } from '../../api/settings.ts';
import { useCan } from '../../api/session.ts';
import { SaveButtons } from '../../components/SaveButtons.tsx';
import { ErrorAlert, PageHeader, PageLoader } from '../../components/ui.tsx';
import { CommercialListsEditor } from './CommercialListsEditor.tsx';
import { readableFill } from '../../theme-a11y.ts';
import { AttributesEditor } from './AttributesEditor.tsx';
import { CustomerDataForm } from './CustomerDataForm.tsx';
import { IntegrationsSettings } from './IntegrationsSettings.tsx';

const HEX = /^#[0-9a-fA-F]{6}$/;
const SWATCHES = ['#1c7ed6', '#4263eb', '#0ca678', '#2f9e44', '#e8590c', '#c92a2a', '#ae3ec9', '#212529'];

export function SettingsPage({ tab = 'branding' }: { tab?: string }) {
  const settings = useSettings();
  const can = useCan();
  if (settings.isPending) return <PageLoader />;
  if (settings.isError) return <ErrorAlert error={settings.error} />;
  const { branding, ...customerData } = settings.data;
  return (
    <>
      <PageHeader
        title="Settings"
        subtitle="How your emails and storefront pages look, and who can sign up"
      />
      <Tabs defaultValue={tab} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="branding">Branding</Tabs.Tab>
          <Tabs.Tab value="customer-data">Customer data</Tabs.Tab>
          <Tabs.Tab value="custom-attributes">Custom attributes</Tabs.Tab>
          {can('webhooks.manage') ? <Tabs.Tab value="integrations">Integrations</Tabs.Tab> : null}
        </Tabs.List>
        <Tabs.Panel value="branding">
          <BrandingForm key={JSON.stringify(branding)} branding={branding} />
        </Tabs.Panel>
        <Tabs.Panel value="customer-data">
          {/* Remount on a server change so the form starts from the saved values. */}
          <CustomerDataForm key={JSON.stringify(customerData)} settings={settings.data} />
          <CommercialListsEditor />
        </Tabs.Panel>
        <Tabs.Panel value="custom-attributes">
          <AttributesEditor />
        </Tabs.Panel>
        <Tabs.Panel value="integrations">
          <IntegrationsSettings />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}

interface BrandingFormValues {
  name: string;
  logoUrl: string;
  color: string;
}

/** Field problems of a refused save; the server names them `branding.name`, `branding.color` … */
function brandingErrors(e: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isApiError(e) || e.code !== 'invalid_input' || !Array.isArray(e.details)) return out;
  for (const d of e.details as { path?: unknown; message?: unknown }[]) {
    if (typeof d?.message !== 'string') continue;
    out[(typeof d.path === 'string' ? d.path : '').replace(/^branding\./, '')] ??= d.message;
  }
  return out;
}

const formOf = (b: Branding): BrandingFormValues => ({
  name: b.name,
  logoUrl: b.logoUrl ?? '',
  color: b.color,
});

function BrandingForm({ branding }: { branding: Branding }) {
  const can = useCan();
  const canWrite = can('settings.write');
  const [form, setForm] = useState(() => formOf(branding));
  const [localErrors, setLocalErrors] = useState<Partial<Record<keyof BrandingFormValues, string>>>({});
  const update = useUpdateSettings();
  const original = formOf(branding);
  const serverErrors = brandingErrors(update.error);
  const errors: Record<string, string | undefined> = { ...serverErrors, ...localErrors };

  const patch: Partial<Branding> = {};
  if (form.name.trim() !== original.name) patch.name = form.name.trim();
  if (form.logoUrl.trim() !== original.logoUrl) patch.logoUrl = form.logoUrl.trim() || null;
  if (form.color.toLowerCase() !== original.color.toLowerCase()) patch.color = form.color;
  const dirty = Object.keys(patch).length > 0;

  const set = <K extends keyof BrandingFormValues>(k: K, v: BrandingFormValues[K]) => {
    setForm((f) => ({ ...f, [k]: v }));
    setLocalErrors((e) => ({ ...e, [k]: undefined }));
    if (update.isError) update.reset();
  };

  const submit = () => {
    const problems: typeof localErrors = {};
    if (!form.name.trim()) problems.name = 'Required';
    if (form.logoUrl.trim() && !/^https?:\/\/\S+$/.test(form.logoUrl.trim()))
      problems.logoUrl = 'Enter a full https:// address';
    if (!HEX.test(form.color)) problems.color = 'Use a colour such as #1c7ed6';
    setLocalErrors(problems);
    if (Object.keys(problems).length > 0) return;
    update.mutate(
      { branding: patch },
      { onSuccess: () => notifications.show({ color: 'green', message: 'Branding saved' }) },
    );
  };

  return (
    <Grid gap="md" align="flex-start">
      <Grid.Col span={{ base: 12, md: 6 }}>
        <Paper withBorder p="md" radius="md">
          <form
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              submit();
            }}
          >
            <Stack gap="sm">
              <Stack gap={2}>
                <Title order={4}>Branding</Title>
                <Text size="xs" c="dimmed">
                  Shown at the top of every system email and on the storefront pages.
                </Text>
              </Stack>
              <TextInput
                label="Seller name"
                required
                value={form.name}
                readOnly={!canWrite}
                onChange={(e) => set('name', e.currentTarget.value)}
                error={errors.name}
              />
              <TextInput
                label="Logo URL"
                description="An https:// address of an image, about 40 px high"
                placeholder="https://example.com/logo.png"
                value={form.logoUrl}
                readOnly={!canWrite}
                onChange={(e) => set('logoUrl', e.currentTarget.value)}
                error={errors.logoUrl}
              />
              <ColorInput
                label="Colour"
                description="Buttons and the top border of emails and store pages"
                format="hex"
                swatches={SWATCHES}
                swatchesPerRow={8}
                value={form.color}
                readOnly={!canWrite}
                withPicker={canWrite}
                onChange={(v) => set('color', v)}
                error={errors.color}
                popoverProps={{ withinPortal: true }}
              />
              {update.isError && Object.keys(serverErrors).length === 0 ? (
                <ErrorAlert error={update.error} />
              ) : null}
              {canWrite ? (
                <SaveButtons dirty={dirty} saving={update.isPending} onReset={() => setForm(original)} />
              ) : null}
            </Stack>
          </form>
        </Paper>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 6 }}>
        <Paper withBorder p="md" radius="md">
          <Stack gap="sm">
            <Title order={4}>Email header preview</Title>
            <EmailHeaderPreview
              name={form.name.trim() || 'Your company'}
              logoUrl={form.logoUrl.trim() || null}
              color={HEX.test(form.color) ? form.color : original.color}
            />
          </Stack>
        </Paper>
      </Grid.Col>
    </Grid>
  );
}

/** A small likeness of the shared email layout: the coloured top border, the logo or the name, a button. */
function EmailHeaderPreview({
  name,
  logoUrl,
  color,
}: {
  name: string;
  logoUrl: string | null;
  color: string;
}) {
  const [brokenLogo, setBrokenLogo] = useState<string | null>(null);
  const showLogo = logoUrl && brokenLogo !== logoUrl;
  return (
    <Box
      bg="#f4f5f7"
      p="lg"
      style={{ borderRadius: 'var(--mantine-radius-sm)' }}
      data-testid="email-header-preview"
    >
      <Box
        bg="white"
        maw={460}
        mx="auto"
        style={{ borderRadius: 8, borderTop: `4px solid ${color}`, overflow: 'hidden' }}
      >
        <Box px={28} pt={20}>
          {showLogo ? (
            <Image
              src={logoUrl}
              alt={name}
              h={36}
              w="auto"
              fit="contain"
              onError={() => setBrokenLogo(logoUrl)}
            />
          ) : (
            <Text fw={700} size="lg">
              {name}
            </Text>
          )}
        </Box>
        <Box px={28} pt="sm" pb={24}>
          <Text fw={700} size="lg" mb={6}>
            Welcome, Maria!
          </Text>
          <Text size="sm" c="dark.4" mb="md">
            {name} has created an account for you. Choose a password to activate it.
          </Text>
          <Box
            component="span"
            display="inline-block"
            px={16}
            py={8}
            c="white"
            fz="sm"
            style={{ background: readableFill(color), borderRadius: 6 }}
          >
            Activate my account
          </Box>
        </Box>
      </Box>
      {logoUrl && !showLogo ? (
        <Text size="xs" c="red" mt="xs">
          The logo could not be loaded from this address.
        </Text>
      ) : null}
    </Box>
  );
}
