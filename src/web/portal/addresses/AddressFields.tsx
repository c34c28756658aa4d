import type { ChangeEvent } from 'react';
import { Select, SimpleGrid, Stack, Switch, Text, TextInput } from '@mantine/core';
import { getAlpha2Codes } from 'i18n-iso-countries';
import { isApiError } from '../../api/client.ts';

/** Every ISO 3166-1 country, by its English name, for a searchable select (value: the alpha-2 code). */
export const COUNTRY_OPTIONS: { value: string; label: string }[] = (() => {
  const names = new Intl.DisplayNames(['en'], { type: 'region' });
  return Object.keys(getAlpha2Codes())
    .map((code) => ({ value: code, label: names.of(code) ?? code }))
    .sort((a, b) => a.label.localeCompare(b.label));
})();

export const countryName = (code: string) => COUNTRY_OPTIONS.find((c) => c.value === code)?.label ?? code;

export type AddressDraft = {
  name: string;
  line1: string;
  line2: string;
  city: string;
  postalCode: string;
  region: string;
  country: string | null;
};
export const emptyAddress: AddressDraft = {
  name: '',
  line1: '',
  line2: '',
  city: '',
  postalCode: '',
  region: '',
  country: null,
};

/** The draft as the API takes it: empty optional lines are none. */
export const addressBody = (d: AddressDraft) => ({
  name: d.name.trim() || null,
  line1: d.line1,
  line2: d.line2.trim() || null,
  city: d.city,
  postalCode: d.postalCode,
  region: d.region.trim() || null,
  country: d.country ?? '',
});

/**
 * Field errors of an address from a 400 (invalid input) or a 422 (country, postal code), keyed by the
 * field name: `billingAddress.postalCode` under `prefix = 'billingAddress.'` is `postalCode`.
 */
export function addressErrors(error: unknown, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isApiError(error) || !Array.isArray(error.details)) return out;
  for (const issue of error.details as { path?: unknown; message?: unknown }[]) {
    const path = typeof issue?.path === 'string' ? issue.path : '';
    if (!path.startsWith(prefix) || typeof issue?.message !== 'string') continue;
    const key = path.slice(prefix.length).split('.')[0] ?? '';
    out[key] ??= issue.message;
  }
  return out;
}

/** The lines of an address, each labelled; the mandatory ones marked. */
export function AddressFields({
  value,
  onChange,
  errors,
  withName = true,
  required = true,
}: {
  value: AddressDraft;
  onChange: (next: AddressDraft) => void;
  errors: Record<string, string>;
  withName?: boolean;
  /** Marks line 1, city, postal code and country as mandatory. */
  required?: boolean;
}) {
  const text = (field: Exclude<keyof AddressDraft, 'country'>) => ({
    value: value[field],
    onChange: (e: ChangeEvent<HTMLInputElement>) => onChange({ ...value, [field]: e.currentTarget.value }),
    error: errors[field],
  });
  return (
    <Stack gap="sm">
      {withName ? (
        <TextInput label="Name" description="Who or which site it is for, e.g. Warehouse" {...text('name')} />
      ) : null}
      <TextInput label="Address line 1" required={required} autoComplete="address-line1" {...text('line1')} />
      <TextInput label="Address line 2" autoComplete="address-line2" {...text('line2')} />
      <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
        <TextInput label="City" required={required} autoComplete="address-level2" {...text('city')} />
        <TextInput
          label="Postal code"
          required={required}
          autoComplete="postal-code"
          {...text('postalCode')}
        />
        <TextInput label="Region" description="State, province or county" {...text('region')} />
        <Select
          label="Country"
          required={required}
          searchable
          placeholder="Search countries"
          data={COUNTRY_OPTIONS}
          value={value.country}
          onChange={(country) => onChange({ ...value, country })}
          error={errors.country}
          comboboxProps={{ withinPortal: true }}
          nothingFoundMessage="No country of that name"
        />
      </SimpleGrid>
    </Stack>
  );
}

/** The optional billing address of the New account dialog: a switch, then the lines. */
export function BillingAddressSection({
  value,
  onChange,
  error,
  required = false,
  missing,
}: {
  value: AddressDraft | null;
  onChange: (next: AddressDraft | null) => void;
  /** The create request's error: its `billingAddress.*` problems are shown on the fields. */
  error: unknown;
  /** Mandatory (Settings → Customer data): the switch is marked with an asterisk. */
  required?: boolean;
  /** "Billing address is required" when the form was sent without one. */
  missing?: string | undefined;
}) {
  return (
    <Stack gap="sm">
      <Switch
        label={
          required ? (
            <>
              Add a billing address{' '}
              <Text span c="var(--mantine-color-error)" aria-hidden>
                *
              </Text>
            </>
          ) : (
            'Add a billing address'
          )
        }
        description="Becomes the account’s default billing address (what joining by proof checks)"
        checked={value !== null}
        onChange={(e) => onChange(e.currentTarget.checked ? emptyAddress : null)}
        error={value === null ? missing : undefined}
        aria-required={required}
      />
      {value ? (
        <AddressFields
          value={value}
          onChange={onChange}
          errors={addressErrors(error, 'billingAddress.')}
          withName={false}
        />
      ) : null}
    </Stack>
  );
}
