import { describe, expect, it } from 'vitest';
import { FIELDS_BY_TYPE, type ImportMapping } from '../../../../contracts/imports.ts';
import { normaliseHeaders, normaliseHeaderText, suggestMapping } from './headers.ts';

/** A mapping as field → header text, easier to read in expectations. */
function columns(mapping: ImportMapping): Record<string, string> {
  return Object.fromEntries(
    Object.entries(mapping).map(([field, source]) => [
      field,
      source && 'column' in source ? source.column : '?',
    ]),
  );
}

describe('normaliseHeaders', () => {
  it('trims, names blank headers after their position and numbers repeats', () => {
    expect(normaliseHeaders([' Email ', '', 'Name', 'name', 'Name', '  '], true)).toEqual([
      'Email',
      'Column 2',
      'Name',
      'name (2)',
      'Name (3)',
      'Column 6',
    ]);
  });

  it('never generates a name the file itself uses', () => {
    expect(normaliseHeaders(['Name', 'Name', 'Name (2)', 'Column 4', ''], true)).toEqual([
      'Name',
      'Name (3)',
      'Name (2)',
      'Column 4',
      'Column 5',
    ]);
    expect(normaliseHeaders(['Column 2', ''], true)).toEqual(['Column 2', 'Column 2 (2)']);
  });

  it('numbers the columns when the file has no header row', () => {
    expect(normaliseHeaders(['ada@example.com', 'Ada', ''], false)).toEqual([
      'Column 1',
      'Column 2',
      'Column 3',
    ]);
  });

  it('keeps headers short enough for a mapping', () => {
    const [long] = normaliseHeaders(['x'.repeat(500)], true);
    expect(long).toHaveLength(190);
  });
});

describe('normaliseHeaderText', () => {
  it('drops case, accents, punctuation and splits camelCase and snake_case', () => {
    expect(normaliseHeaderText('Prénom')).toBe('prenom');
    expect(normaliseHeaderText('Straße')).toBe('strasse');
    expect(normaliseHeaderText('billing_address_1')).toBe('billing address 1');
    expect(normaliseHeaderText('firstName')).toBe('first name');
    expect(normaliseHeaderText(' Customer No. ')).toBe('customer no');
    expect(normaliseHeaderText('E-Mail')).toBe('e mail');
  });
});

describe('suggestMapping', () => {
  it('maps a Shopify customers export, preferring codes for region and country', () => {
    const headers = [
      'First Name', 'Last Name', 'Email', 'Accepts Email Marketing', 'Company', 'Address1', 'Address2', 'City',
      'Province', 'Province Code', 'Country', 'Country Code', 'Zip', 'Phone', 'Accepts SMS Marketing',
      'Total Spent', 'Total Orders', 'Note', 'Tax Exempt', 'Tags',
    ]; // prettier-ignore
    expect(columns(suggestMapping('mixed', headers))).toEqual({
      firstName: 'First Name',
      lastName: 'Last Name',
      email: 'Email',
      accountName: 'Company',
      billingLine1: 'Address1',
      billingLine2: 'Address2',
      billingCity: 'City',
      billingRegion: 'Province Code',
      billingCountry: 'Country Code',
      billingPostalCode: 'Zip',
      phone: 'Phone',
    });
  });

  it('maps the newer Shopify "Default Address" columns through their prefix', () => {
    const headers = ['Customer ID', 'First Name', 'Last Name', 'Email', 'Default Address Company',
      'Default Address Address1', 'Default Address City', 'Default Address Province Code',
      'Default Address Country Code', 'Default Address Zip', 'Default Address Phone', 'Phone']; // prettier-ignore
    expect(columns(suggestMapping('accounts', headers))).toEqual({
      accountNumber: 'Customer ID',
      accountName: 'Default Address Company',
      billingLine1: 'Default Address Address1',
      billingCity: 'Default Address City',
      billingRegion: 'Default Address Province Code',
      billingCountry: 'Default Address Country Code',
      billingPostalCode: 'Default Address Zip',
    });
  });

  it('maps a WooCommerce export to billing columns, never shipping ones', () => {
    const headers = ['customer_id', 'username', 'first_name', 'last_name', 'email', 'shipping_first_name',
      'shipping_city', 'billing_first_name', 'billing_last_name', 'billing_company', 'billing_address_1',
      'billing_address_2', 'billing_city', 'billing_postcode', 'billing_state', 'billing_country',
      'billing_email', 'billing_phone']; // prettier-ignore
    expect(columns(suggestMapping('mixed', headers))).toEqual({
      accountNumber: 'customer_id',
      firstName: 'first_name',
      lastName: 'last_name',
      email: 'email',
      accountName: 'billing_company',
      billingLine1: 'billing_address_1',
      billingLine2: 'billing_address_2',
      billingCity: 'billing_city',
      billingPostalCode: 'billing_postcode',
      billingRegion: 'billing_state',
      billingCountry: 'billing_country',
      phone: 'billing_phone',
    });
  });

  it('maps a Magento 2 customer and address export', () => {
    const headers = ['email', '_website', '_store', 'firstname', 'lastname', 'group_id', '_address_firstname',
      '_address_city', '_address_company', '_address_country_id', '_address_postcode', '_address_region',
      'region_id', '_address_street', '_address_telephone', '_address_default_billing_']; // prettier-ignore
    expect(columns(suggestMapping('mixed', headers))).toEqual({
      email: 'email',
      firstName: 'firstname',
      lastName: 'lastname',
      billingCity: '_address_city',
      accountName: '_address_company',
      billingCountry: '_address_country_id',
      billingPostalCode: '_address_postcode',
      billingRegion: '_address_region',
      billingLine1: '_address_street',
      phone: '_address_telephone',
    });
  });

  it('maps ERP exports, and only to the fields of the import type', () => {
    const headers = ['Customer No.', 'Name', 'Zip', 'City'];
    expect(columns(suggestMapping('accounts', headers))).toEqual({
      accountNumber: 'Customer No.',
      accountName: 'Name',
      billingPostalCode: 'Zip',
      billingCity: 'City',
    });
    expect(columns(suggestMapping('contacts', headers))).toEqual({ accountNumber: 'Customer No.' });
    expect(columns(suggestMapping('individuals', headers))).toEqual({
      billingPostalCode: 'Zip',
      billingCity: 'City',
    });

    const erp = ['Account Number', 'Cust Code', 'Company Name', 'Payment Terms', 'Customer Price Group',
      'Salesperson Code', 'VAT Registration No.']; // prettier-ignore
    expect(columns(suggestMapping('accounts', erp))).toEqual({
      accountNumber: 'Account Number',
      accountCode: 'Cust Code',
      accountName: 'Company Name',
      paymentTerms: 'Payment Terms',
      priceGroup: 'Customer Price Group',
      salesRepCode: 'Salesperson Code',
    });
  });

  it('keeps contact fields apart from account fields by type', () => {
    const headers = ['Company', 'E-Mail', 'Vorname', 'Nachname', 'Telefon', 'PLZ', 'Ort', 'Land'];
    expect(columns(suggestMapping('contacts', headers))).toEqual({
      email: 'E-Mail',
      firstName: 'Vorname',
      lastName: 'Nachname',
      phone: 'Telefon',
    });
    expect(columns(suggestMapping('individuals', headers))).toEqual({
      email: 'E-Mail',
      firstName: 'Vorname',
      lastName: 'Nachname',
      phone: 'Telefon',
      billingPostalCode: 'PLZ',
      billingCity: 'Ort',
      billingCountry: 'Land',
    });
    expect(suggestMapping('accounts', headers)).toMatchObject({ accountName: { column: 'Company' } });
  });

  it('reads French headers and the field labels of our own template', () => {
    expect(
      columns(
        suggestMapping('individuals', [
          'Prénom',
          'Nom',
          'Courriel',
          'Téléphone',
          'Code postal',
          'Ville',
          'Pays',
        ]),
      ),
    ).toEqual({
      firstName: 'Prénom',
      lastName: 'Nom',
      email: 'Courriel',
      phone: 'Téléphone',
      billingPostalCode: 'Code postal',
      billingCity: 'Ville',
      billingCountry: 'Pays',
    });
    expect(
      columns(suggestMapping('accounts', ['Account number', 'Company name', 'Billing zip/postal code'])),
    ).toEqual({
      accountNumber: 'Account number',
      accountName: 'Company name',
      billingPostalCode: 'Billing zip/postal code',
    });
  });

  it('uses each header once and each field once, for every type', () => {
    const headers = ['Email', 'E-mail', 'Email Address', 'Name', 'Company', 'Phone', 'Mobile'];
    for (const type of ['accounts', 'contacts', 'individuals', 'mixed'] as const) {
      const mapping = columns(suggestMapping(type, headers));
      expect(new Set(Object.values(mapping)).size).toBe(Object.values(mapping).length);
      for (const field of Object.keys(mapping)) expect(FIELDS_BY_TYPE[type]).toContain(field);
    }
    expect(columns(suggestMapping('contacts', headers))).toEqual({ email: 'Email', phone: 'Phone' });
  });
});
