import type { Readable } from 'node:stream';
import { SaxesParser } from 'saxes';
import { sourceError } from './source-error.ts';
import { withStallTimeout } from './zip.ts';

export type XmlHandlers = {
  /** Element names arrive without their namespace prefix (`x:row` → `row`). */
  open?: (name: string, attributes: Record<string, string>) => void;
  text?: (text: string) => void;
  close?: (name: string) => void;
};

export const DAMAGED_XML =
  'The XLSX workbook is damaged: one of its parts is not valid XML. Save it again from Excel.';

/**
 * Feeds a stream of XML bytes to a SAX parser, yielding after each chunk so a caller can hand on what the
 * handlers collected before more is read. A chunk that takes longer than `stallMs` to arrive fails the read.
 */
export async function* parseXml(
  stream: Readable,
  handlers: XmlHandlers,
  stallMs: number,
  signal?: AbortSignal,
): AsyncGenerator<void> {
  const parser = new SaxesParser<{ xmlns: false; position: false }>({ xmlns: false, position: false });
  let failed = false;
  parser.on('error', () => (failed = true));
  const { open, text, close } = handlers;
  if (open) parser.on('opentag', (tag) => open(localName(tag.name), tag.attributes));
  if (close) parser.on('closetag', (tag) => close(localName(tag.name)));
  if (text) {
    parser.on('text', text);
    parser.on('cdata', text);
  }
  const decoder = new TextDecoder('utf-8');
  const chunks = withStallTimeout(stream as AsyncIterable<Buffer>, stallMs, () =>
    sourceError(STALLED(stallMs)),
  );
  for await (const bytes of chunks) {
    signal?.throwIfAborted();
    parser.write(decoder.decode(bytes, { stream: true }));
    if (failed) throw sourceError(DAMAGED_XML);
    yield;
  }
  parser.write(decoder.decode()).close();
  if (failed) throw sourceError(DAMAGED_XML);
}

/** Parses a whole (small) XML part. */
export async function readXml(stream: Readable, handlers: XmlHandlers, stallMs: number): Promise<void> {
  for await (const _ of parseXml(stream, handlers, stallMs));
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

const STALLED = (ms: number) =>
  `Reading the workbook made no progress for ${Math.round(ms / 1000)} seconds and was stopped. ` +
  'Save it again from Excel (or as CSV) and upload it again.';
