import { useState } from 'react';
import type { AccountRequirableField } from '../../../contracts/required-fields.ts';
import { isRequired, missingRequired, useFieldRules } from '../../api/field-rules.ts';
import { Button, Group, Modal, MultiSelect, NativeSelect, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useNavigate } from '@tanstack/react-router';
import type { AccountCreateBody } from '../../../contracts/accounts.ts';
import { useCreateAccount } from '../../api/accounts.ts';
import { errorMessage, fieldErrorsOf, isApiError } from '../../api/client.ts';
import { useCustomerGroups } from '../../api/customer-groups.ts';
import { CommercialSelect } from './CommercialTermsCard.tsx';
import { ErrorAlert } from '../../components/ui.tsx';
import {
  addressBody,
  addressErrors,
  BillingAddressSection,
  type AddressDraft,
} from '../addresses/AddressFields.tsx';
import { useAttributeForm } from '../../components/AttributeFields.tsx';
import { onlyAttributeErrors } from '../../api/attribute-values.ts';

const empty = {
  kind: 'business' as AccountCreateBody['kind'],
  name: '',
  code: '',
  number: '',
  paymentTerms: null as string | null,
  priceGroup: null as string | null,
  salesRepCode: null as string | null,
  customerGroups: [] as string[],
};

export function AccountCreateDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [form, setForm] = useState(empty);
  const [billing, setBilling] = useState<AddressDraft | null>(null);
  const create = useCreateAccount();
  const navigate = useNavigate();
  const rules = useFieldRules(opened);
  const [missing, setMissing] = useState<Record<string, string>>({});
  const errors: Record<string, string> = { ...fieldErrorsOf(create.error), ...missing };
  const required = (field: AccountRequirableField) => isRequired(rules.data, 'account', field);
  const groups = useCustomerGroups(opened);
  const attrs = useAttributeForm('account', opened, create.error);
  const close = () => {
    attrs.reset();
    setForm(empty);
    setBilling(null);
    setMissing({});
    create.reset();
    onClose();
  };

  return (
    <Modal opened={opened} onClose={close} title="New account" size="md">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const attrsOk = attrs.check();
          // The server's own check and words, before sending: "Payment terms is required".
          const absent = missingRequired(rules.data, 'account', { ...form, billingAddress: billing });
          setMissing(absent);
          if (!attrsOk || Object.keys(absent).length) return;
          create.mutate(
            {
              kind: form.kind,
              name: form.name,
              code: form.code.trim() || null,
              number: form.number.trim() || null,
              ...(billing && { billingAddress: addressBody(billing) }),
              paymentTerms: form.paymentTerms,
              priceGroup: form.priceGroup,
              salesRepCode: form.salesRepCode,
              customerGroups: form.customerGroups,
              ...attrs.body,
            },
            {
              onSuccess: (a) => {
                notifications.show({ color: 'green', message: `Account ${a.number} · ${a.name} created` });
                close();
                void navigate({ to: '/accounts/$accountId', params: { accountId: a.id } });
              },
            },
          );
        }}
      >
        <Stack>
          <NativeSelect
            label="Kind"
            data={[
              { value: 'business', label: 'Business (company)' },
              { value: 'personal', label: 'Personal (individual)' },
            ]}
            value={form.kind}
            onChange={(e) => setForm({ ...form, kind: e.currentTarget.value as AccountCreateBody['kind'] })}
            error={errors.kind}
          />
          <TextInput
            label="Name"
            required
            data-autofocus
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
            error={errors.name}
          />
          <TextInput
            label="Code"
            description="The short code you use for this customer"
            withAsterisk={required('code')}
            value={form.code}
            onChange={(e) => setForm({ ...form, code: e.currentTarget.value })}
            error={errors.code}
          />
          <TextInput
            label="Account number"
            description="Generated when empty"
            value={form.number}
            onChange={(e) => setForm({ ...form, number: e.currentTarget.value })}
            error={
              errors.number ??
              (isApiError(create.error) && create.error.code === 'conflict'
                ? errorMessage(create.error)
                : undefined)
            }
          />
          <BillingAddressSection
            value={billing}
            onChange={setBilling}
            error={create.error}
            required={required('billingAddress')}
            missing={errors.billingAddress}
          />
          {opened ? (
            <SimpleGrid cols={{ base: 1, xs: 3 }}>
              <CommercialSelect
                list="payment-terms"
                value={form.paymentTerms}
                onChange={(paymentTerms) => setForm({ ...form, paymentTerms })}
                error={errors.paymentTerms}
                required={required('paymentTerms')}
              />
              <CommercialSelect
                list="price-groups"
                value={form.priceGroup}
                onChange={(priceGroup) => setForm({ ...form, priceGroup })}
                error={errors.priceGroup}
                required={required('priceGroup')}
              />
              <CommercialSelect
                list="sales-reps"
                value={form.salesRepCode}
                onChange={(salesRepCode) => setForm({ ...form, salesRepCode })}
                error={errors.salesRepCode}
                required={required('salesRepCode')}
              />
            </SimpleGrid>
          ) : null}
          <MultiSelect
            label="Customer groups"
            placeholder={form.customerGroups.length ? undefined : 'None'}
            data={(groups.data ?? []).map((g) => ({ value: g.key, label: g.name }))}
            value={form.customerGroups}
            onChange={(customerGroups) => setForm({ ...form, customerGroups })}
            searchable
            clearable
            nothingFoundMessage={groups.isPending ? 'Loading…' : 'No group matches'}
            error={errors.customerGroups}
            comboboxProps={{ withinPortal: true }}
          />
          {attrs.fields}
          {create.isError &&
          Object.keys(errors).length === 0 &&
          Object.keys(addressErrors(create.error, 'billingAddress.')).length === 0 &&
          !onlyAttributeErrors(create.error) &&
          !(isApiError(create.error) && create.error.code === 'conflict') ? (
            <ErrorAlert error={create.error} />
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create account
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
