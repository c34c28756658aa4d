import { Button, Group } from '@mantine/core';

/** The end of an edit form: Reset brings back the saved values, Save submits; both wait for a change. */
export function SaveButtons({
  dirty,
  saving,
  onReset,
  saveLabel = 'Save',
}: {
  dirty: boolean;
  saving: boolean;
  onReset: () => void;
  saveLabel?: string;
}) {
  return (
    <Group justify="flex-end">
      <Button variant="default" disabled={!dirty} onClick={onReset}>
        Reset
      </Button>
      <Button type="submit" disabled={!dirty} loading={saving}>
        {saveLabel}
      </Button>
    </Group>
  );
}
