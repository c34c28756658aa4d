import { describe, expect, it } from 'vitest';
import { preferredLanguage } from './accept-language.ts';

describe('preferredLanguage', () => {
  it('takes the language asked for first, by weight, as xx or xx-YY', () => {
    expect(preferredLanguage('fr-CA,fr;q=0.9,en;q=0.5')).toBe('fr-CA');
    expect(preferredLanguage('en;q=0.5, de-de;q=0.8')).toBe('de-DE');
    expect(preferredLanguage('NL')).toBe('nl');
  });

  it('passes over what a contact language cannot be, and answers nothing for nothing usable', () => {
    expect(preferredLanguage('*, zh-Hant-TW;q=0.9, es-419;q=0.8, pt;q=0.7')).toBe('pt');
    expect(preferredLanguage('de;q=0, en;q=0.1')).toBe('en');
    expect(preferredLanguage('*')).toBeUndefined();
    expect(preferredLanguage('')).toBeUndefined();
    expect(preferredLanguage(undefined)).toBeUndefined();
    expect(preferredLanguage('x'.repeat(2000))).toBeUndefined();
  });
});
