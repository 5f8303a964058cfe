/**
 * Hand-made .xlsx files for tests: a minimal workbook around a worksheet's `<sheetData>`, and an inflation workbook
 * (a small file whose sheet inflates to hundreds of MB), built with node:zlib, never committed as binaries.
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { handMadeZip } from './bad-files.ts';

const MB = 1024 * 1024;

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

export interface BookSpec {
  sheet: string;
  sharedStrings?: string;
  styles?: string;
  workbookPr?: string;
  /** Element prefix for every SpreadsheetML element (`x:`), with the namespace bound to it. */
  prefix?: string;
}

/** The parts of a minimal .xlsx around a worksheet's `<sheetData>` content. */
export function bookParts({ sheet, sharedStrings, styles, workbookPr = '', prefix = '' }: BookSpec): { name: string; data: Buffer }[] {
  const ns = prefix ? NS.replace('xmlns=', `xmlns:${prefix.slice(0, -1)}=`) : NS;
  const files: [string, string][] = [
    [
      '[Content_Types].xml',
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        '<Override PartName="/xl/worksheets/data.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
        (styles ? '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' : '') +
        (sharedStrings ? '<Override PartName="/xl/strings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' : '') +
        '</Types>',
    ],
    ['_rels/.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`],
    [
      'xl/_rels/workbook.xml.rels',
      `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="${REL}/worksheet" Target="worksheets/data.xml"/>` +
        (styles ? `<Relationship Id="rId8" Type="${REL}/styles" Target="styles.xml"/>` : '') +
        (sharedStrings ? `<Relationship Id="rId9" Type="${REL}/sharedStrings" Target="/xl/strings.xml"/>` : '') +
        '</Relationships>',
    ],
    [
      'xl/workbook.xml',
      `<?xml version="1.0" encoding="UTF-8"?><${prefix}workbook ${ns}><${prefix}workbookPr ${workbookPr}/><${prefix}sheets><${prefix}sheet name="Flight" sheetId="1" r:id="rId7"/></${prefix}sheets></${prefix}workbook>`,
    ],
    ['xl/worksheets/data.xml', `<?xml version="1.0" encoding="UTF-8"?><${prefix}worksheet ${ns}><${prefix}sheetData>${sheet}</${prefix}sheetData></${prefix}worksheet>`],
  ];
  if (styles) files.push(['xl/styles.xml', `<?xml version="1.0" encoding="UTF-8"?><styleSheet ${NS}>${styles}</styleSheet>`]);
  if (sharedStrings) files.push(['xl/strings.xml', `<?xml version="1.0" encoding="UTF-8"?><sst ${NS}>${sharedStrings}</sst>`]);
  return files.map(([name, text]) => ({ name, data: Buffer.from(text, 'utf8') }));
}

export function zipOf(files: { name: string; data: Buffer }[], crcOf = (f: { data: Buffer }) => crc32(f.data)): Buffer {
  return handMadeZip(files.map((f) => ({ name: f.name, compressed: deflateRawSync(f.data), declaredSize: f.data.byteLength, crc: crcOf(f) })));
}

export function book(spec: BookSpec): Buffer {
  return zipOf(bookParts(spec));
}

/**
 * A workbook whose worksheet is `header`, then `row` repeated `repeats` times, then the end: each piece is deflated
 * on its own with a sync flush, so the same compressed bytes are reused and the sheet inflates to hundreds of MB
 * from a file of about 1 MB, without ever being built in memory here.
 */
export function inflationBook(row: string, repeats: number, shared?: { item: string; repeats: number }): Buffer {
  const parts = bookParts({ sheet: '@SHEET@', sharedStrings: shared ? '@SST@' : undefined });
  const segmented = (text: string, marker: string, body: string, times: number) => {
    const [head, tail] = text.split(marker).map((s) => Buffer.from(s));
    const block = Buffer.from(body.repeat(Math.ceil((1 * MB) / body.length)));
    const blocks = Math.max(1, Math.round((times * body.length) / block.length));
    const flushed = (b: Buffer) => deflateRawSync(b, { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
    const blockDeflated = flushed(block);
    let crc = crc32(head);
    for (let i = 0; i < blocks; i++) crc = crc32(block, crc);
    crc = crc32(tail, crc);
    return {
      compressed: Buffer.concat([flushed(head), ...Array.from({ length: blocks }, () => blockDeflated), deflateRawSync(tail)]),
      declaredSize: head.length + blocks * block.length + tail.length,
      crc,
    };
  };
  return handMadeZip(
    parts.map((p) => {
      const text = p.data.toString('utf8');
      if (text.includes('@SHEET@')) return { name: p.name, ...segmented(text, '@SHEET@', row, repeats) };
      if (shared && text.includes('@SST@')) return { name: p.name, ...segmented(text, '@SST@', shared.item, shared.repeats) };
      return { name: p.name, compressed: deflateRawSync(p.data), declaredSize: p.data.byteLength, crc: crc32(p.data) };
    }),
  );
}

