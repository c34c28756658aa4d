import { describe, expect, it } from 'vitest';
import * as contract from '../../contracts/imports.ts';
import { FIELDS_BY_TYPE, IMPORT_FIELD_LABELS, IMPORT_TYPES, REQUIRED_BY_TYPE } from './imports.ts';

// The web app copies these so that it does not load zod; a change to the contract must reach the copy.
describe('the web copy of the import contract constants', () => {
  it('matches the contract', () => {
    expect(IMPORT_TYPES).toEqual(contract.IMPORT_TYPES);
    expect(IMPORT_FIELD_LABELS).toEqual(contract.IMPORT_FIELD_LABELS);
    expect(FIELDS_BY_TYPE).toEqual(contract.FIELDS_BY_TYPE);
    expect(REQUIRED_BY_TYPE).toEqual(contract.REQUIRED_BY_TYPE);
  });
});
