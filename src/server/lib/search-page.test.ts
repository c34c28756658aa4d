import { describe, expect, it } from 'vitest';
import { indexFragments } from './search-page.ts';

describe('indexFragments', () => {
  it('covers a long ASCII word with its first, every third and last trigram, without word edges', () => {
    expect(indexFragments('chloe.dub')).toEqual(['chl', 'loe', 'dub']);
    expect(indexFragments('Summit12')).toEqual(['sum', 'mit', 't12']);
    expect(indexFragments('northwind hard')).toEqual(['nor', 'thw', 'ind', 'har', 'ard']);
  });

  it('keeps a word with other letters whole, and a short word with the separators beside it', () => {
    expect(indexFragments('jürgen.mül')).toEqual(['jürgen', 'mül']);
    expect(indexFragments('lea.moreau.77')).toEqual(['lea', 'mor', 'eau', '.77']);
    expect(indexFragments('granite cl')).toEqual(['gra', 'nit', 'ite', ' cl']);
    expect(indexFragments('@tw')).toEqual(['@tw']);
    expect(indexFragments('a.b')).toEqual(['.b']);
  });

  it('gives nothing when pg_trgm would take no trigram from the term', () => {
    expect(indexFragments('ab')).toEqual([]);
    expect(indexFragments('a.')).toEqual([]);
    expect(indexFragments('%%')).toEqual([]);
  });
});
