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
 * An address typed by a person or in a file: the country as an ISO code or its English name ("United
 * States", "UK"), given back as the code; with the postal code checked for it.
 */
export function checkTypedAddress(
  address: { country: string; postalCode: string },
  prefix = '',
): { errors: FieldError[]; country: string } {
  const named = countryCode(address.country) ?? countries.getAlpha2Code(address.country.trim(), 'en') ?? null;
  const checked = checkAddress({ ...address, country: named ?? address.country }, prefix);
  const errors = checked.errors.map((e) =>
    e.path.endsWith('country')
      ? { path: e.path, message: 'Enter a country we know, such as United Kingdom or GB' }
      : e,
  );
  return { errors, country: checked.country };
}

/** The sign-up form's address, the country stored as its code (422 naming the field). */
export function checkedSignUpAddress<T extends { country: string; postalCode: string }>(
  address: T,
  prefix: string,
): T {
  const { errors, country } = checkTypedAddress(address, prefix);
  const first = errors[0];
  if (first) throw unprocessable(first.message, [first]);
  return { ...address, country };
}
