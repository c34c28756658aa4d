import { Table, Text, Title } from '@mantine/core';
import { formatAmount, formatInvoiceDate, useAccountInvoices } from '../../api/invoices.ts';
import { Empty, ErrorAlert, LoadMore } from '../../components/ui.tsx';

/** The account's invoices, newest first: what a visitor names to join the account. */
export function AccountInvoices({ accountId }: { accountId: string }) {
  const list = useAccountInvoices(accountId);
  const invoices = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <Title order={4} mb={2}>
        Invoices
      </Title>
      <Text size="xs" c="dimmed" mb="sm">
        Recorded through the API or an import. A visitor can create a login for this account with one from the
        last 12 months.
      </Text>
      {list.isError ? <ErrorAlert error={list.error} /> : null}
      {invoices.length > 0 ? (
        <Table.ScrollContainer minWidth={420}>
          <Table verticalSpacing="xs" aria-label="Invoices">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Number</Table.Th>
                <Table.Th>Date</Table.Th>
                <Table.Th ta="right">Amount</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {invoices.map((i) => (
                <Table.Tr key={i.id}>
                  <Table.Td ff="monospace" fz="sm">
                    {i.number}
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatInvoiceDate(i.date)}</Table.Td>
                  <Table.Td ta="right" style={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }}>
                    {formatAmount(i.amount, i.currency)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      {list.isSuccess && invoices.length === 0 ? <Empty>No invoices yet.</Empty> : null}
      {invoices.length > 0 ? (
        <LoadMore
          shown={invoices.length}
          hasNextPage={list.hasNextPage}
          isFetchingNextPage={list.isFetchingNextPage}
          fetchNextPage={list.fetchNextPage}
        />
      ) : null}
    </>
  );
}
