import { Badge, Code, Group, Stack, Table, Text } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import type { AuditEntry } from '../../contracts/audit.ts';
import { AuditTextDiff } from './AuditTextDiff.tsx';
import { formatDateTime } from './ui.tsx';

const show = (v: unknown): string => {
  if (v === null || v === undefined) return '∅';
  if (typeof v === 'string') return v === '' ? '""' : v;
  return JSON.stringify(v);
};

/** The fields whose value differs between before and after. */
export function changedFields(entry: Pick<AuditEntry, 'before' | 'after'>) {
  const before = entry.before ?? {};
  const after = entry.after ?? {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys
    .filter((k) => !['updatedAt', 'createdAt'].includes(k))
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => ({
      key: k,
      from: entry.before ? before[k] : undefined,
      to: entry.after ? after[k] : undefined,
    }));
}

export function AuditDiff({ entry }: { entry: AuditEntry }) {
  const texts = entry.textDiffs ?? {};
  const changes = changedFields(entry).filter((c) => !(c.key in texts));
  if (changes.length === 0 && !Object.keys(texts).length)
    return (
      <Text size="xs" c="dimmed">
        No field changes
      </Text>
    );
  return (
    <Stack gap={2}>
      {changes.map((c) => (
        <Text key={c.key} size="xs" style={{ wordBreak: 'break-word' }}>
          <Text span fw={600} size="xs">
            {c.key}
          </Text>
          {': '}
          {entry.before && entry.after ? (
            <>
              <Text span size="xs" c="red" td="line-through">
                {show(c.from)}
              </Text>
              {' → '}
              <Text span size="xs" c="green">
                {show(c.to)}
              </Text>
            </>
          ) : (
            <Text span size="xs">
              {show(entry.after ? c.to : c.from)}
            </Text>
          )}
        </Text>
      ))}
      {Object.entries(texts).map(([field, patch]) => (
        <AuditTextDiff key={field} field={field} patch={patch} />
      ))}
    </Stack>
  );
}

function EntityLink({ entry }: { entry: AuditEntry }) {
  const short = entry.entityId.slice(0, 8);
  if (entry.entityType === 'account')
    return (
      <Link to="/accounts/$accountId" params={{ accountId: entry.entityId }}>
        account {short}
      </Link>
    );
  if (entry.entityType === 'contact')
    return (
      <Link to="/contacts/$contactId" params={{ contactId: entry.entityId }}>
        contact {short}
      </Link>
    );
  return (
    <Text size="sm" span>
      {entry.entityType} <Code>{short}</Code>
    </Text>
  );
}

export function AuditTable({ entries, showEntity = true }: { entries: AuditEntry[]; showEntity?: boolean }) {
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table verticalSpacing="xs" striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={170}>When</Table.Th>
            <Table.Th>Who</Table.Th>
            <Table.Th>Action</Table.Th>
            {showEntity ? <Table.Th>Record</Table.Th> : null}
            <Table.Th>Changes</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {entries.map((e) => (
            <Table.Tr key={e.id} style={{ verticalAlign: 'top' }}>
              <Table.Td>
                <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                  {formatDateTime(e.at)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Stack gap={2}>
                  <Text size="sm">{e.actorLabel ?? e.actorType}</Text>
                  <Group gap={4}>
                    <Badge size="xs" variant="outline" color="gray">
                      {e.source}
                    </Badge>
                    {e.ip ? (
                      <Text size="xs" c="dimmed">
                        {e.ip}
                      </Text>
                    ) : null}
                  </Group>
                </Stack>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{e.action}</Text>
              </Table.Td>
              {showEntity ? (
                <Table.Td>
                  <EntityLink entry={e} />
                </Table.Td>
              ) : null}
              <Table.Td maw={420}>
                <AuditDiff entry={e} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
