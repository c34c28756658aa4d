import { Text, type TextProps } from '@mantine/core';
import type { BillingAddressView } from '../../contracts/registration.ts';

/** A postal address as people write it: street lines, "City, Region Postcode", then the country. */
export function addressLines(a: BillingAddressView): string[] {
  const place = `${a.city}${a.region ? `, ${a.region}` : ''} ${a.postalCode}`.trim();
  return [a.line1, a.line2, place, a.country].filter((l): l is string => Boolean(l));
}

export function AddressText({ address, ...props }: { address: BillingAddressView } & TextProps) {
  return (
    <Text size="sm" style={{ whiteSpace: 'pre-line' }} {...props}>
      {addressLines(address).join('\n')}
    </Text>
  );
}
