import { useState } from 'react';
import { Alert, Button, Group, Paper, Stack, Text } from '@mantine/core';
import { IconArrowLeft, IconArrowRight } from '@tabler/icons-react';
import { getRouteApi } from '@tanstack/react-router';
import {
  isEditable,
  optionsOf,
  useImport,
  useImportCustomerGroups,
  useUpdateImport,
  type Import,
  type ImportMapping,
  type ImportOptionsForm,
} from '../../api/imports.ts';
import { useCan } from '../../api/session.ts';
import { ErrorAlert, formatDateTime, PageHeader, PageLoader } from '../../components/ui.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { ImportStatusBadge, TYPE_LABELS } from './labels.tsx';
import { MappingStep, missingRequired, sameMapping } from './MappingStep.tsx';
import { OptionsStep, optionProblems } from './OptionsStep.tsx';
import { RunStep } from './RunStep.tsx';
import { WizardSteps } from './WizardSteps.tsx';
import { ImportWarnings } from './ImportWarnings.tsx';

const route = getRouteApi('/portal/imports/$importId');

const MAPPING = 1;
const OPTIONS = 2;
const RUN = 3;

const sameOptions = (a: ImportOptionsForm, b: ImportOptionsForm) => JSON.stringify(a) === JSON.stringify(b);

/** Steps 2 to 4 of the wizard, for an uploaded import; the step shown follows the import's status. */
export function ImportPage() {
  const { importId } = route.useParams();
  const query = useImport(importId);
  if (query.isPending) return <PageLoader />;
  if (query.isError) return <ErrorAlert error={query.error} />;
  return <ImportWizard imp={query.data} />;
}

function ImportWizard({ imp }: { imp: Import }) {
  const can = useCan();
  const canRun = can('imports.run');
  const editable = canRun && isEditable(imp.status);
  const update = useUpdateImport(imp.id);
  const groups = useImportCustomerGroups(editable);
  const [step, setStep] = useState(imp.status === 'uploaded' ? MAPPING : RUN);

  // Drafts of the mapping and options, started again from the server's whenever it saves new ones.
  const serverOptions = optionsOf(imp);
  const [mappingBase, setMappingBase] = useState(imp.mapping);
  const [mapping, setMapping] = useState<ImportMapping>(imp.mapping);
  const [optionsBase, setOptionsBase] = useState(serverOptions);
  const [options, setOptions] = useState<ImportOptionsForm>(serverOptions);
  if (!sameMapping(mappingBase, imp.mapping)) {
    setMappingBase(imp.mapping);
    setMapping(imp.mapping);
  }
  if (!sameOptions(optionsBase, serverOptions)) {
    setOptionsBase(serverOptions);
    setOptions(serverOptions);
  }
  const mappingDirty = !sameMapping(mapping, imp.mapping);
  const optionsDirty = !sameOptions(options, serverOptions);
  const missing = missingRequired(imp, mapping);
  const problems = optionProblems(imp, options, groups.data?.available ? groups.data.items : undefined);
  const optionsInvalid = Object.keys(problems).length > 0;

  // Once the import runs (here or elsewhere), only its progress and outcome are left to show.
  const shown = editable ? step : RUN;

  /** Saves what the current step changed, then moves on; stays when saving fails. */
  const goTo = (target: number) => {
    const save =
      shown === MAPPING && mappingDirty
        ? update.mutateAsync({ mapping })
        : shown === OPTIONS && optionsDirty
          ? update.mutateAsync({ options })
          : Promise.resolve(null);
    save.then(
      () => {
        update.reset();
        setStep(target);
        window.scrollTo({ top: 0 });
      },
      () => undefined,
    );
  };
  const canLeave = (target: number) =>
    target < shown || ((shown !== MAPPING || missing.length === 0) && (shown !== OPTIONS || !optionsInvalid));

  const blocked =
    missing.length > 0
      ? `Go back to “Map columns”: choose where these come from: ${missing.join('; ')}.`
      : optionsInvalid
        ? `Go back to “Options”: ${Object.values(problems).join('. ')}.`
        : null;

  return (
    <>
      <PageHeader
        title={
          <Group gap="sm" component="span">
            <span>{imp.sourceName}</span>
            <ImportStatusBadge status={imp.status} />
          </Group>
        }
        subtitle={`${TYPE_LABELS[imp.type]} · uploaded by ${imp.createdBy} on ${formatDateTime(imp.createdAt)}`}
        actions={
          <AnchorLink to="/imports" size="sm">
            All imports
          </AnchorLink>
        }
      />
      <WizardSteps
        active={shown}
        reachable={(i) => editable && i >= MAPPING && (i < shown || canLeave(i))}
        onSelect={(i) => (i >= MAPPING ? goTo(i) : undefined)}
      />
      <Paper withBorder p="lg" radius="md">
        <Stack gap="lg">
          {shown === MAPPING ? (
            <MappingStep
              imp={imp}
              mapping={mapping}
              onChange={setMapping}
              dirty={mappingDirty}
              saving={update.isPending}
              onSave={() => update.mutate({ mapping })}
              readOnly={!editable}
              hasHeader={serverOptions.hasHeader}
              onReadOptions={(patch) => update.mutate({ options: { ...serverOptions, ...patch } })}
            />
          ) : null}
          {shown === OPTIONS ? (
            <OptionsStep
              imp={imp}
              options={options}
              onChange={(patch) => setOptions((o) => ({ ...o, ...patch }))}
              readOnly={!editable}
            />
          ) : null}
          {shown === RUN ? <RunStep imp={imp} canRun={canRun} blocked={editable ? blocked : null} /> : null}

          {update.isError ? <ErrorAlert error={update.error} title="Not saved" /> : null}
          <ImportWarnings warnings={imp.warnings} />
          {imp.status === 'checked' && shown !== RUN && (mappingDirty || optionsDirty) ? (
            <Alert color="blue" variant="light">
              Changing this clears the dry run’s counts: run the dry run again on the last step.
            </Alert>
          ) : null}

          {editable && shown !== RUN ? (
            <Group
              justify="space-between"
              pt="xs"
              style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }}
            >
              {shown > MAPPING ? (
                <Button
                  variant="default"
                  leftSection={<IconArrowLeft size={16} />}
                  onClick={() => goTo(shown - 1)}
                >
                  Back
                </Button>
              ) : (
                <Text size="sm" c="dimmed">
                  Nothing is saved to your accounts and contacts until you run the import.
                </Text>
              )}
              <Button
                rightSection={<IconArrowRight size={16} />}
                loading={update.isPending}
                disabled={!canLeave(shown + 1)}
                onClick={() => goTo(shown + 1)}
              >
                {shown === MAPPING ? 'Next: options' : 'Next: check and run'}
              </Button>
            </Group>
          ) : null}
          {editable && shown === RUN ? (
            <Group pt="xs" style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }}>
              <Button
                variant="default"
                leftSection={<IconArrowLeft size={16} />}
                onClick={() => goTo(OPTIONS)}
              >
                Back to options
              </Button>
            </Group>
          ) : null}
        </Stack>
      </Paper>
    </>
  );
}
