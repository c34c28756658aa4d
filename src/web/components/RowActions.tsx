import { ActionIcon, Group, Tooltip } from '@mantine/core';
import { IconPencil, IconTrash } from '@tabler/icons-react';
import type { ReactNode } from 'react';

/** The edit and delete buttons at the end of a table row; `what` names the row for screen readers. */
export function RowActions({
  what,
  onEdit,
  onDelete,
  before,
}: {
  what: string;
  onEdit: () => void;
  onDelete: () => void;
  /** Another control shown first (a switch, say). */
  before?: ReactNode;
}) {
  return (
    <Group gap={4} justify="flex-end" wrap="nowrap">
      {before}
      <Tooltip label="Edit">
        <ActionIcon variant="subtle" aria-label={`Edit ${what}`} onClick={onEdit}>
          <IconPencil size={16} />
        </ActionIcon>
      </Tooltip>
      <Tooltip label="Delete">
        <ActionIcon variant="subtle" color="red" aria-label={`Delete ${what}`} onClick={onDelete}>
          <IconTrash size={16} />
        </ActionIcon>
      </Tooltip>
    </Group>
  );
}
