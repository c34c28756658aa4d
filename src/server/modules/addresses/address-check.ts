import countries from 'i18n-iso-countries';
import { postcodeValidator, postcodeValidatorExistsForCountry } from 'postcode-validator';
import { unprocessable, type FieldError } from '../../lib/errors.ts';

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

/**
 * The country of an address a visitor typed at sign-up: an ISO code or its English name ("United
 * States", "UK"), stored as the code; with the postal code checked for it (422 naming either field).
 */
export function checkedSignUpAddress<T extends { country: string; postalCode: string }>(
  address: T,
  prefix: string,
): T {
  const named = countryCode(address.country) ?? countries.getAlpha2Code(address.country.trim(), 'en') ?? null;
  const { errors, country } = checkAddress({ ...address, country: named ?? address.country }, prefix);
  const first = errors[0];
  if (first)
    throw unprocessable(
      first.path.endsWith('country')
        ? 'Enter a country we know, such as United Kingdom or US'
        : first.message,
      [first.path.endsWith('country') ? { path: first.path, message: 'Enter a country we know' } : first],
    );
  return { ...address, country };
}
