import { Alert, List } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';

/** What the server found worth a look before running an import (a file with only a header row…). */
export function ImportWarnings({ warnings }: { warnings: readonly string[] }) {
  if (!warnings.length) return null;
  return (
    <Alert color="yellow" icon={<IconAlertTriangle size={18} />} title="Nothing to import" role="alert">
      {warnings.length === 1 ? (
        warnings[0]
      ) : (
        <List size="sm">
          {warnings.map((w) => (
            <List.Item key={w}>{w}</List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}
