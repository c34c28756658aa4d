import countries from 'i18n-iso-countries';
import { postcodeValidator, postcodeValidatorExistsForCountry } from 'postcode-validator';
import type { FieldError } from '../../lib/errors.ts';

/** The ISO 3166-1 alpha-2 code for `country` in any case ("gb" → "GB"), or null when it names none. */
export function countryCode(country: string): string | null {
  const code = country.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(code) && countries.isValid(code) ? code : null;
}

/**
 * Checks the country and the postal code of an address: the problems as field errors under `prefix`
 * (empty when it is fine) and the country code to store.
 */
export function checkAddress(
  address: { country: string; postalCode: string },
  prefix = '',
): { errors: FieldError[]; country: string } {
  const code = countryCode(address.country);
  if (!code)
    return {
      errors: [
        {
          path: `${prefix}country`,
          message: 'Use a two-letter ISO 3166-1 country code, such as GB, US or DE',
        },
      ],
      country: address.country,
    };
  const postal = address.postalCode.trim();
  // Countries the library has no format for take any non-empty value (the contract requires one).
  if (postcodeValidatorExistsForCountry(code) && !postcodeValidator(postal, code))
    return {
      errors: [
        {
          path: `${prefix}postalCode`,
          message: `Not a valid postal code for ${countries.getName(code, 'en') ?? code}`,
        },
      ],
      country: code,
    };
  return { errors: [], country: code };
}
