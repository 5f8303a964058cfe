/** What the upload endpoints accept: by extension (as the web API doc says) and by content. */
import { basename, extname } from 'node:path';
import { resolveConfig } from '../gasflux/config/resolve-config.js';
import { GasfluxError } from '../gasflux/errors.js';
import { sniffContent } from '../gasflux/input/sniff.js';

export const DATA_EXTENSIONS = ['.xlsx', '.xls'] as const;
export const CONFIG_EXTENSIONS = ['.yaml', '.yml'] as const;

export function hasDataExtension(fileName: string): boolean {
  return (DATA_EXTENSIONS as readonly string[]).includes(extname(fileName).toLowerCase());
}

export function hasConfigExtension(fileName: string): boolean {
  return (CONFIG_EXTENSIONS as readonly string[]).includes(extname(fileName).toLowerCase());
}

/** An Excel workbook is a zip (.xlsx) or an OLE2 compound file (.xls); anything else is a renamed file. */
export function looksLikeSpreadsheet(head: Uint8Array): boolean {
  const kind = sniffContent(head);
  return kind === 'zip' || kind === 'ole2';
}

/** The uploaded name reduced to a safe base name (no folders, no control or path characters). */
export function safeFileName(name: string, fallback: string): string {
  const base = basename(name.replace(/\\/g, '/'))
    .replace(/[\u0000-\u001f\u007f/:*?"<>|]/g, '_')
    .trim();
  return base === '' || base === '.' || base === '..' ? fallback : base.slice(0, 200);
}

/** Parses and validates an uploaded YAML config now, so a bad one is a 400 rather than a failed task. */
export function checkConfigText(text: string): { ok: true } | { ok: false; message: string } {
  try {
    resolveConfig({ yaml: text });
    return { ok: true };
  } catch (error) {
    if (error instanceof GasfluxError) return { ok: false, message: error.message };
    throw error;
  }
}
