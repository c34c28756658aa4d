import { describe, expect, it } from 'vitest';
import {
  attributeErrorsOf,
  attributeFilterParams,
  attributeLabel,
  changedValues,
  formatAttributeValue,
  missingMandatory,
  onlyAttributeErrors,
  sortDefinitions,
  valuesForCreate,
  type AttributeDefinition,
} from './attribute-values.ts';
import { ApiError } from './client.ts';

const def = (
  d: Partial<AttributeDefinition> & Pick<AttributeDefinition, 'key' | 'type'>,
): AttributeDefinition => ({
  entity: 'contact',
  label: d.key,
  mandatory: false,
  ...d,
});

const tier = def({
  key: 'tier',
  type: 'select',
  label: 'Tier',
  mandatory: true,
  options: [
    { value: 'gold', label: 'Gold' },
    { value: 'silver', label: 'Silver' },
  ],
});
const size = def({ key: 'size', type: 'number' });
const sectors = def({
  key: 'sectors',
  type: 'multiselect',
  mandatory: true,
  options: [{ value: 'food', label: 'Food' }],
});
const optIn = def({ key: 'optIn', type: 'boolean', mandatory: true });
const note = def({ key: 'note', type: 'text' });

describe('attribute values in forms', () => {
  it('labels in the reader’s language, then its base language, then the default label', () => {
    const d = { label: 'VAT number', labels: { fr: 'Numéro de TVA', 'de-AT': 'UID-Nummer' } };
    expect(attributeLabel(d, 'de-AT')).toBe('UID-Nummer');
    expect(attributeLabel(d, 'fr-CA')).toBe('Numéro de TVA');
    expect(attributeLabel(d, 'es')).toBe('VAT number');
  });

  it('flags mandatory attributes without a value; an unticked checkbox is an answer', () => {
    expect(missingMandatory([tier, sectors, optIn, note], { tier: '', sectors: [] }, 'en')).toEqual({
      tier: 'Tier is required',
      sectors: 'sectors is required',
    });
    expect(missingMandatory([tier, sectors, optIn], { tier: 'gold', sectors: ['food'] })).toEqual({});
  });

  it('sends only given values on create, a mandatory yes/no as false, and numbers as numbers', () => {
    expect(
      valuesForCreate([tier, size, sectors, optIn, note], { tier: 'gold', size: ' 12 ', note: '  ' }),
    ).toEqual({ tier: 'gold', size: 12, optIn: false });
  });

  it('patches only what changed, null for a cleared value', () => {
    const saved = { tier: 'gold', size: 12, note: 'x' };
    expect(changedValues([tier, size, note], saved, { tier: 'gold', size: '12', note: '' })).toEqual({
      note: null,
    });
    expect(changedValues([tier, size, note], saved, { ...saved, tier: 'silver' })).toEqual({
      tier: 'silver',
    });
  });

  it('puts the server’s attributes.<key> messages on their fields, from a 422 or a 400', () => {
    const e422 = new ApiError(422, 'unprocessable', 'Check the attributes', [
      { path: 'attributes.tier', message: 'Choose one of: gold, silver' },
    ]);
    expect(attributeErrorsOf(e422)).toEqual({ tier: 'Choose one of: gold, silver' });
    expect(onlyAttributeErrors(e422)).toBe(true);
    const e400 = new ApiError(400, 'invalid_input', 'Check email', [
      { path: 'email', message: 'Enter a valid email address' },
      { path: 'attributes.size', message: 'Enter a number' },
    ]);
    expect(attributeErrorsOf(e400)).toEqual({ size: 'Enter a number' });
    expect(onlyAttributeErrors(e400)).toBe(false);
    expect(attributeErrorsOf(new Error('x'))).toEqual({});
  });

  it('reads values for people: option labels, yes/no, a dash for none', () => {
    expect(formatAttributeValue(tier, 'silver')).toBe('Silver');
    expect(formatAttributeValue(sectors, ['food', 'other'])).toBe('Food, other');
    expect(formatAttributeValue(optIn, false)).toBe('No');
    expect(formatAttributeValue(note, null)).toBe('—');
  });

  it('keeps the attr.<key> search params of a list URL, as text', () => {
    expect(attributeFilterParams({ q: 'acme', 'attr.tier': 'gold', 'attr.size': 12, 'attr.': 'x' })).toEqual({
      'attr.tier': 'gold',
      'attr.size': '12',
    });
  });

  it('orders live definitions of one entity by position and hides archived ones', () => {
    const defs = [
      def({ key: 'b', type: 'text', position: 2 }),
      def({ key: 'a', type: 'text', position: 1 }),
      def({ key: 'gone', type: 'text', position: 0, archived: true }),
      def({ key: 'acct', type: 'text', entity: 'account' }),
    ];
    expect(sortDefinitions(defs, 'contact').map((d) => d.key)).toEqual(['a', 'b']);
  });
});
