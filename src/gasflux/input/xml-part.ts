import { StringDecoder } from 'node:string_decoder';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { GasfluxError } from '../errors.js';
import type { ZipArchive, ZipEntry } from './zip-guard.js';

export interface XmlHandlers {
  /** An element opens; `name` is its local name (any namespace prefix dropped). */
  open?(name: string, attributes: Readonly<Record<string, string>>): void;
  close?(name: string): void;
  /** Text and CDATA, entities decoded; may come in several pieces. */
  text?(text: string): void;
}

/**
 * Streams one XML part of a zip through a SAX parser: the entry is inflated chunk by chunk (see ZipArchive.inflate)
 * and each chunk decoded and parsed before the next is made, so memory stays at one chunk whatever the part's size.
 * Handlers may throw to stop reading. XML that is not well-formed is CORRUPT_FILE.
 */
export function parseXmlPart(zip: ZipArchive, entry: ZipEntry, fileName: string, handlers: XmlHandlers, maxBytes?: number): void {
  const parser = new SaxesParser({ position: false, xmlns: false });
  const { open, close, text } = handlers;
  if (open) parser.on('opentag', (tag: SaxesTagPlain) => open(localName(tag.name), tag.attributes));
  if (close) parser.on('closetag', (tag: SaxesTagPlain) => close(localName(tag.name)));
  if (text) {
    parser.on('text', text);
    parser.on('cdata', text);
  }
  parser.on('error', (error: Error) => {
    throw new GasfluxError('CORRUPT_FILE', 'input', `'${fileName}' is damaged: '${entry.name}' is not well-formed XML (${error.message})`);
  });

  let decoder: StringDecoder | undefined;
  zip.inflate(
    entry,
    (chunk) => {
      if (!decoder) {
        // Parts are UTF-8; the package format also allows UTF-16 with a byte order mark.
        const utf16 = chunk[0] === 0xff && chunk[1] === 0xfe;
        decoder = new StringDecoder(utf16 ? 'utf16le' : 'utf8');
        if (utf16) chunk = chunk.subarray(2);
      }
      const piece = decoder.write(chunk);
      if (piece) parser.write(piece);
    },
    maxBytes,
  );
  const rest = decoder?.end();
  if (rest) parser.write(rest);
  parser.close();
}

/** `x:row` → `row`. */
export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/** The value of the first attribute with this local name (`r:id` for `id`, whatever the prefix). */
export function prefixedAttribute(attributes: Readonly<Record<string, string>>, local: string): string | undefined {
  for (const key in attributes) {
    if (key.includes(':') && localName(key) === local) return attributes[key];
  }
  return undefined;
}
