import { useState } from 'react';
import {
  Badge,
  Button,
  Checkbox,
  Grid,
  Group,
  Modal,
  NativeSelect,
  Paper,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { useAddresses, useAddressMutations, type Address, type AddressOwner } from '../../api/addresses.ts';
import { errorMessage } from '../../api/client.ts';
import { useCan } from '../../api/session.ts';
import { RowActions } from '../../components/RowActions.tsx';
import { Empty, ErrorAlert } from '../../components/ui.tsx';
import {
  AddressFields,
  addressBody,
  addressErrors,
  countryName,
  emptyAddress,
  type AddressDraft,
} from './AddressFields.tsx';

const TYPE_LABEL = { billing: 'Billing', shipping: 'Shipping' } as const;

const oneLine = (a: Address) =>
  [a.line1, a.line2, `${a.postalCode} ${a.city}`, a.region, countryName(a.country)]
    .filter(Boolean)
    .join(', ');

/**
 * The address book of an account or a contact: billing and shipping addresses, the default of each
 * marked; add, edit, delete and make default for those who may change the owner.
 */
export function AddressBook({ owner }: { owner: AddressOwner }) {
  const can = useCan();
  const writable = can(owner.kind === 'accounts' ? 'accounts.write' : 'contacts.write');
  const book = useAddresses(owner);
  const { update, remove } = useAddressMutations(owner);
  const [editing, setEditing] = useState<Address | 'new' | null>(null);
  const items = book.data?.items ?? [];

  const makeDefault = (a: Address) =>
    update.mutate(
      { id: a.id, body: { isDefault: true } },
      {
        onSuccess: () =>
          notifications.show({ color: 'green', message: `Default ${a.type} address: ${a.line1}` }),
        onError: (e) => notifications.show({ color: 'red', message: errorMessage(e) }),
      },
    );
  const confirmDelete = (a: Address) =>
    modals.openConfirmModal({
      title: 'Delete this address?',
      children: (
        <Text size="sm">
          {oneLine(a)}
          {a.isDefault
            ? ` It is the default ${a.type} address: the oldest other ${a.type} address becomes the default.`
            : ''}
        </Text>
      ),
      labels: { confirm: 'Delete address', cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: () =>
        remove.mutate(a.id, {
          onSuccess: () => notifications.show({ color: 'green', message: 'Address deleted' }),
          onError: (e) => notifications.show({ color: 'red', message: errorMessage(e) }),
        }),
    });

  return (
    <>
      <Group justify="space-between" mb="sm">
        <Title order={4}>Address book</Title>
        {writable ? (
          <Button
            variant="default"
            size="xs"
            leftSection={<IconPlus size={14} />}
            onClick={() => setEditing('new')}
          >
            Add address
          </Button>
        ) : null}
      </Group>
      {book.isError ? <ErrorAlert error={book.error} /> : null}
      {items.length > 0 ? (
        <Table.ScrollContainer minWidth={520}>
          <Table verticalSpacing="xs" aria-label="Address book">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Type</Table.Th>
                <Table.Th>Address</Table.Th>
                {writable ? <Table.Th aria-label="Actions" /> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((a) => (
                <Table.Tr key={a.id} data-testid="address-row">
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Group gap={6} wrap="nowrap">
                      {TYPE_LABEL[a.type]}
                      {a.isDefault ? (
                        <Badge size="sm" variant="light" radius="sm">
                          Default
                        </Badge>
                      ) : null}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    {a.name ? (
                      <Text size="sm" fw={600}>
                        {a.name}
                      </Text>
                    ) : null}
                    <Text size="sm">{oneLine(a)}</Text>
                  </Table.Td>
                  {writable ? (
                    <Table.Td>
                      <RowActions
                        what={`${a.type} address ${a.line1}`}
                        onEdit={() => setEditing(a)}
                        onDelete={() => confirmDelete(a)}
                        before={
                          a.isDefault ? null : (
                            <Button
                              variant="subtle"
                              size="compact-xs"
                              aria-label={`Make ${a.line1} the default ${a.type} address`}
                              onClick={() => makeDefault(a)}
                            >
                              Make default
                            </Button>
                          )
                        }
                      />
                    </Table.Td>
                  ) : null}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      {book.isSuccess && items.length === 0 ? <Empty>No addresses yet.</Empty> : null}
      {editing ? (
        <AddressDialog
          key={editing === 'new' ? 'new' : editing.id}
          owner={owner}
          address={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
        />
      ) : null}
    </>
  );
}

/** The address book as a full-width card of a page's grid: one line on the account and contact pages. */
export function AddressBookCard({ owner }: { owner: AddressOwner }) {
  return (
    <Grid.Col span={12}>
      <Paper withBorder p="md" radius="md">
        <AddressBook owner={owner} />
      </Paper>
    </Grid.Col>
  );
}

const draftOf = (a: Address | null): AddressDraft =>
  a
    ? {
        name: a.name ?? '',
        line1: a.line1,
        line2: a.line2 ?? '',
        city: a.city,
        postalCode: a.postalCode,
        region: a.region ?? '',
        country: a.country,
      }
    : emptyAddress;

function AddressDialog({
  owner,
  address,
  onClose,
}: {
  owner: AddressOwner;
  address: Address | null;
  onClose: () => void;
}) {
  const [draft, setDraft] = useState(() => draftOf(address));
  const [type, setType] = useState<Address['type']>(address?.type ?? 'billing');
  const [isDefault, setIsDefault] = useState(address?.isDefault ?? false);
  const { create, update } = useAddressMutations(owner);
  const mutation = address ? update : create;
  const errors = addressErrors(mutation.error);

  const submit = () => {
    const body = { ...addressBody(draft), type };
    const done = {
      onSuccess: () => {
        notifications.show({ color: 'green', message: address ? 'Address saved' : 'Address added' });
        onClose();
      },
    };
    if (address)
      update.mutate(
        { id: address.id, body: { ...body, ...(isDefault && !address.isDefault && { isDefault: true }) } },
        done,
      );
    else create.mutate({ ...body, isDefault }, done);
  };

  return (
    <Modal opened onClose={onClose} title={address ? 'Edit address' : 'Add address'} size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack>
          <NativeSelect
            label="Type"
            required
            data={[
              { value: 'billing', label: 'Billing' },
              { value: 'shipping', label: 'Shipping' },
            ]}
            value={type}
            onChange={(e) => setType(e.currentTarget.value as Address['type'])}
            // The last billing address while one is mandatory: the server's whole sentence says what to do.
            error={errors.type ?? (errors.billingAddress ? errorMessage(mutation.error) : undefined)}
          />
          <AddressFields value={draft} onChange={setDraft} errors={errors} />
          <Checkbox
            label={`Default ${type} address`}
            description={
              address?.isDefault
                ? 'To change the default, make another address the default.'
                : 'The first address of a type is its default anyway.'
            }
            checked={isDefault}
            disabled={address?.isDefault === true}
            onChange={(e) => setIsDefault(e.currentTarget.checked)}
          />
          {mutation.isError && Object.keys(errors).length === 0 ? (
            <ErrorAlert error={mutation.error} />
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={mutation.isPending}>
              {address ? 'Save address' : 'Add address'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
