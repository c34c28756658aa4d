export type CsvEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/**
 * Guesses a text file's encoding from its first bytes: a byte-order mark; UTF-16 without one when
 * NUL bytes sit in every other position; UTF-8 when the bytes are valid UTF-8; Windows-1252 otherwise.
 */
export function detectEncoding(head: Uint8Array, wholeFile: boolean): CsvEncoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8-bom';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  const utf16 = utf16WithoutBom(head.subarray(0, 1024));
  if (utf16) return utf16;
  try {
    // `stream` keeps a character cut in two at the end of the sample from counting as invalid.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !wholeFile });
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

function utf16WithoutBom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const pairs = Math.floor(bytes.length / 2);
  if (pairs < 2) return null;
  let evenNuls = 0;
  let oddNuls = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    if (bytes[i] === 0) evenNuls++;
    if (bytes[i + 1] === 0) oddNuls++;
  }
  if (oddNuls >= pairs / 4 && evenNuls <= pairs / 50) return 'utf-16le';
  if (evenNuls >= pairs / 4 && oddNuls <= pairs / 50) return 'utf-16be';
  return null;
}

export type ChunkDecoder = { decode(bytes?: Uint8Array): string };

/** A streaming decoder that drops a byte-order mark. */
export function createDecoder(encoding: CsvEncoding): ChunkDecoder {
  if (encoding === 'windows-1252') return { decode: (bytes) => (bytes ? decodeWindows1252(bytes) : '') };
  const decoder = new TextDecoder(encoding === 'utf-8-bom' ? 'utf-8' : encoding);
  return { decode: (bytes) => (bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode()) };
}

// Node 20.18.3+ decodes 'windows-1252' as Latin-1 (nodejs/node#60888: 0x80 becomes U+0080, not €),
// so the 32 bytes where the two differ are mapped here.
const WINDOWS_1252_C1 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('latin1')
    .replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80] ?? c);
}
