import { useState } from 'react';
import { Button, Group, Modal, NumberInput, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { fieldErrorsOf, isApiError } from '../../api/client.ts';
import { formatAmount, formatInvoiceDate, useAccountInvoices, useCreateInvoice } from '../../api/invoices.ts';
import { useCan } from '../../api/session.ts';
import { Empty, ErrorAlert, LoadMore } from '../../components/ui.tsx';

/** The account's invoices, newest first: what a visitor names to join the account. */
export function AccountInvoices({ accountId }: { accountId: string }) {
  const list = useAccountInvoices(accountId);
  const invoices = list.data?.pages.flatMap((p) => p.items) ?? [];
  const can = useCan();
  const [addOpen, addDialog] = useDisclosure(false);
  return (
    <>
      <Group justify="space-between" align="flex-start" mb="sm">
        <div>
          <Title order={4} mb={2}>
            Invoices
          </Title>
          <Text size="xs" c="dimmed">
            Added here, through the API or an import. A visitor can create a login for this account with one
            from the last 12 months.
          </Text>
        </div>
        {can('accounts.write') ? (
          <Button variant="default" size="xs" leftSection={<IconPlus size={16} />} onClick={addDialog.open}>
            Add invoice
          </Button>
        ) : null}
      </Group>
      {addOpen ? <AddInvoiceDialog accountId={accountId} onClose={addDialog.close} /> : null}
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

const today = () => new Date().toISOString().slice(0, 10);

/** Number, date, amount and currency of a new invoice; a number already taken is shown on the number field. */
function AddInvoiceDialog({ accountId, onClose }: { accountId: string; onClose: () => void }) {
  const create = useCreateInvoice();
  const [number, setNumber] = useState('');
  const [date, setDate] = useState(today);
  const [amount, setAmount] = useState<string | number>('');
  const [currency, setCurrency] = useState('USD');
  const [missing, setMissing] = useState<Record<string, string>>({});
  const serverErrors = fieldErrorsOf(create.error);
  // A 409 is about the number (taken, by this or another invoice): shown on that field with the server's words.
  const conflict =
    isApiError(create.error) && create.error.code === 'conflict' ? create.error.message : undefined;
  const errors: Record<string, string | undefined> = {
    ...serverErrors,
    ...missing,
    ...(conflict ? { number: conflict } : {}),
  };
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const required: Record<string, string> = {};
    if (!number.trim()) required.number = 'Required';
    if (!date) required.date = 'Required';
    if (amount === '' || typeof amount !== 'number') required.amount = 'Required';
    if (!/^[A-Za-z]{3}$/.test(currency.trim()))
      required.currency = 'Use a three-letter currency code such as USD';
    setMissing(required);
    if (Object.keys(required).length) return;
    create.mutate(
      {
        accountId,
        number: number.trim(),
        date,
        amount: Number(amount),
        currency: currency.trim().toUpperCase(),
      },
      {
        onSuccess: (invoice) => {
          notifications.show({ color: 'green', message: `Invoice ${invoice.number} added` });
          onClose();
        },
      },
    );
  };
  const otherError =
    create.isError && !conflict && Object.keys(serverErrors).length === 0 ? create.error : null;
  return (
    <Modal opened onClose={onClose} title="Add invoice">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label="Invoice number"
            required
            value={number}
            onChange={(e) => setNumber(e.currentTarget.value)}
            error={errors.number}
            maxLength={64}
            data-autofocus
          />
          <TextInput
            label="Date"
            type="date"
            required
            value={date}
            onChange={(e) => setDate(e.currentTarget.value)}
            error={errors.date}
          />
          <Group grow align="flex-start">
            <NumberInput
              label="Amount"
              required
              decimalScale={2}
              thousandSeparator=","
              value={amount}
              onChange={setAmount}
              error={errors.amount}
            />
            <TextInput
              label="Currency"
              required
              value={currency}
              onChange={(e) => setCurrency(e.currentTarget.value)}
              error={errors.currency}
              maxLength={3}
              w={110}
            />
          </Group>
          {otherError ? <ErrorAlert error={otherError} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Add invoice
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
