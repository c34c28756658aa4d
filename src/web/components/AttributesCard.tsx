import { useState } from 'react';
import { Grid, Paper, SimpleGrid, Stack, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  attributeErrorsOf,
  attributeLabel,
  attributesOf,
  changedValues,
  formatAttributeValue,
  missingMandatory,
  onlyAttributeErrors,
  useAttributeDefinitions,
  useSaveAttributes,
  type AttributeDefinition,
  type AttributeEntity,
  type AttributeValue,
  type AttributeValues,
} from '../api/attribute-values.ts';
import { useCan } from '../api/session.ts';
import { AttributeFields } from './AttributeFields.tsx';
import { SaveButtons } from './SaveButtons.tsx';
import { ErrorAlert, Field } from './ui.tsx';

interface AttributesCardProps {
  entity: AttributeEntity;
  record: { id: string; updatedAt: string };
}

/**
 * The *Attributes* card of an account or contact page (a full-width grid column): the custom
 * attribute values, editable by whoever may write the record. Nothing when the seller defined none.
 */
export function AttributesCard({ entity, record }: AttributesCardProps) {
  const { definitions, isError, error } = useAttributeDefinitions(entity);
  const can = useCan();
  const canEdit = can(entity === 'account' ? 'accounts.write' : 'contacts.write');
  if (definitions.length === 0 && !isError) return null;
  return (
    <Grid.Col span={12}>
      <Paper withBorder p="md" radius="md" data-testid="attributes-card">
        <Title order={4} mb="sm">
          Attributes
        </Title>
        {isError ? <ErrorAlert error={error} /> : null}
        {canEdit ? (
          // Remount on a server change so the form starts from the saved values.
          <AttributesForm
            key={record.updatedAt}
            entity={entity}
            id={record.id}
            definitions={definitions}
            saved={attributesOf(record)}
          />
        ) : (
          <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }}>
            {definitions.map((d) => (
              <Field key={d.key} label={attributeLabel(d)}>
                {formatAttributeValue(d, attributesOf(record)[d.key])}
              </Field>
            ))}
          </SimpleGrid>
        )}
      </Paper>
    </Grid.Col>
  );
}

function AttributesForm({
  entity,
  id,
  definitions,
  saved,
}: {
  entity: AttributeEntity;
  id: string;
  definitions: AttributeDefinition[];
  saved: AttributeValues;
}) {
  const [values, setValues] = useState<AttributeValues>(saved);
  const [missing, setMissing] = useState<Record<string, string>>({});
  const save = useSaveAttributes(entity, id);
  const patch = changedValues(definitions, saved, values);
  const dirty = Object.keys(patch).length > 0;
  const errors = { ...attributeErrorsOf(save.error), ...missing };

  const onChange = (key: string, value: AttributeValue) => {
    setValues((v) => ({ ...v, [key]: value }));
    setMissing((m) => {
      const { [key]: _, ...rest } = m;
      return rest;
    });
    if (save.isError) save.reset();
  };

  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const problems = missingMandatory(definitions, values);
        setMissing(problems);
        if (Object.keys(problems).length > 0) return;
        save.mutate(patch, {
          onSuccess: () => notifications.show({ color: 'green', message: 'Attributes saved' }),
        });
      }}
    >
      <Stack>
        <AttributeFields
          definitions={definitions}
          values={values}
          onChange={onChange}
          errors={errors}
          cols={2}
        />
        {save.isError && !onlyAttributeErrors(save.error) ? <ErrorAlert error={save.error} /> : null}
        <SaveButtons
          dirty={dirty}
          saving={save.isPending}
          saveLabel="Save attributes"
          onReset={() => {
            setValues(saved);
            setMissing({});
            save.reset();
          }}
        />
      </Stack>
    </form>
  );
}
