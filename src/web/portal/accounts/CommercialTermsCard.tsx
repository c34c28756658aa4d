import { useState } from 'react';
import { Paper, Select, SimpleGrid, Stack, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import type { Account } from '../../../contracts/accounts.ts';
import {
  COMMERCIAL_FIELDS,
  COMMERCIAL_LISTS,
  type CommercialField,
} from '../../../contracts/commercial-terms.ts';
import { useUpdateAccount, type AccountUpdateInput } from '../../api/accounts.ts';
import { fieldErrorsOf } from '../../api/client.ts';
import { useCommercialCodes, type CommercialCode, type CommercialList } from '../../api/commercial-terms.ts';
import { isRequired, useFieldRules } from '../../api/field-rules.ts';
import { useCan } from '../../api/session.ts';
import { SaveButtons } from '../../components/SaveButtons.tsx';
import { ErrorAlert, Field } from '../../components/ui.tsx';

export const COMMERCIAL_FIELD_LABELS: Record<CommercialList, string> = {
  'payment-terms': 'Payment terms',
  'price-groups': 'Price group',
  'sales-reps': 'Sales rep',
};

/** Options of a Select: the active codes, and the current one even when it has been deactivated. */
export function commercialOptions(codes: CommercialCode[] | undefined, current: string | null) {
  const options = (codes ?? [])
    .filter((c) => c.active || c.code === current)
    .map((c) => ({
      value: c.code,
      label: `${c.code}${c.name && c.name !== c.code ? ` — ${c.name}` : ''}${c.active ? '' : ' (inactive)'}`,
    }));
  if (current && !options.some((o) => o.value === current))
    options.unshift({ value: current, label: current });
  return options;
}

/** One Select per list (payment terms, price group, sales rep), for the account page and New account. */
export function CommercialSelect({
  list,
  value,
  onChange,
  error,
  readOnly,
  required = false,
}: {
  list: CommercialList;
  value: string | null;
  onChange: (value: string | null) => void;
  error?: string;
  readOnly?: boolean;
  /** Mandatory (Settings → Customer data): marked with an asterisk, cannot be cleared. */
  required?: boolean;
}) {
  const codes = useCommercialCodes(list);
  const options = commercialOptions(codes.data, value);
  return (
    <Select
      label={COMMERCIAL_FIELD_LABELS[list]}
      placeholder={codes.data && !options.length ? 'None in the list yet (Settings → Customer data)' : 'None'}
      data={options}
      value={value}
      onChange={onChange}
      searchable
      clearable={!required}
      withAsterisk={required}
      readOnly={readOnly}
      nothingFoundMessage={codes.isPending ? 'Loading…' : 'No code matches'}
      error={error}
      comboboxProps={{ withinPortal: true }}
    />
  );
}

type Terms = Record<CommercialField, string | null>;
const termsOf = (a: Account): Terms => ({
  paymentTerms: a.paymentTerms,
  priceGroup: a.priceGroup,
  salesRepCode: a.salesRepCode,
});

/** Account page: the account's payment terms, price group and sales rep, chosen from the seller's lists. */
export function CommercialTermsCard({ account }: { account: Account }) {
  const can = useCan();
  return (
    <Paper withBorder p="md" radius="md" h="100%">
      <Title order={4} mb="sm">
        Commercial terms
      </Title>
      {can('accounts.write') ? (
        // Remount on a server change so the form starts from the saved values.
        <TermsForm key={account.updatedAt} account={account} />
      ) : (
        <SimpleGrid cols={{ base: 1, xs: 3 }}>
          {COMMERCIAL_LISTS.map((list) => (
            <Field key={list} label={COMMERCIAL_FIELD_LABELS[list]}>
              {termsOf(account)[COMMERCIAL_FIELDS[list]]}
            </Field>
          ))}
        </SimpleGrid>
      )}
    </Paper>
  );
}

function TermsForm({ account }: { account: Account }) {
  const original = termsOf(account);
  const [form, setForm] = useState(original);
  const update = useUpdateAccount(account.id);
  const qc = useQueryClient();
  const rules = useFieldRules();
  const errors = fieldErrorsOf(update.error);
  const patch: AccountUpdateInput = {};
  for (const field of Object.keys(original) as CommercialField[])
    if (form[field] !== original[field]) patch[field] = form[field];
  const dirty = Object.keys(patch).length > 0;

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        update.mutate(patch, {
          onSuccess: () => {
            void qc.invalidateQueries({ queryKey: ['commercial-terms'] });
            notifications.show({ color: 'green', message: 'Commercial terms saved' });
          },
        });
      }}
    >
      <Stack>
        <SimpleGrid cols={{ base: 1, xs: 3 }}>
          {COMMERCIAL_LISTS.map((list) => {
            const field = COMMERCIAL_FIELDS[list];
            return (
              <CommercialSelect
                key={list}
                list={list}
                value={form[field]}
                onChange={(v) => setForm((f) => ({ ...f, [field]: v }))}
                error={errors[field]}
                required={isRequired(rules.data, 'account', field)}
              />
            );
          })}
        </SimpleGrid>
        {update.isError && Object.keys(errors).length === 0 ? <ErrorAlert error={update.error} /> : null}
        <SaveButtons dirty={dirty} saving={update.isPending} onReset={() => setForm(original)} />
      </Stack>
    </form>
  );
}
