/**
 * WIS2 Notification Message (WNM) parsing and validation (spec §5.1).
 *
 * `wnmMessageSchema` is our own zod encoding of the WNM 1.x rules (GeoJSON Feature; `id` UUID;
 * exactly one of `conformsTo` (containing the core conformance class) or the deprecated
 * `version: "v04"`; required `pubtime` and `data_id`; exactly one temporal form; typed
 * `integrity`/`content`; at least one link with `href` and `rel`). It is not a copy of the WMO
 * schema file. Two messages the standard adds in prose are checked too: a message carries a
 * `canonical`, `update` or `deletion` link and never two of these kinds, and it is at most
 * 8192 bytes (when the raw bytes are known).
 *
 * Real traffic is often slightly non-compliant, so `parseNotification` has two modes:
 * - `strict`: any standard violation is an `invalid` result;
 * - `lenient` (default): the message is processed as long as it is a JSON object whose parts we
 *   read have usable types; violations are reported as `issues` and `compliant: false`.
 */
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { relationKind } from './links.js';
import type { WnmLink } from './wnm-link.js';

export const WNM_CORE_CONFORMANCE = 'http://wis.wmo.int/spec/wnm/1/conf/core';
export const WNM_MAX_MESSAGE_BYTES = 8192;
export const WNM_MAX_CONTENT = 4096;
export const WNM_HASH_METHODS = ['sha256', 'sha384', 'sha512', 'sha3-256', 'sha3-384', 'sha3-512'] as const;
export const WNM_CONTENT_ENCODINGS = ['utf-8', 'base64', 'gzip'] as const;

/** Hard cap on what we even try to parse, whatever the mode (untrusted input, DESIGN decision 9). */
export const DEFAULT_MAX_PARSE_BYTES = 256 * 1024;

// ---------------------------------------------------------------------------------------------
// Formats

/** RFC 4122 textual UUID (any version/variant, either case, optional `urn:uuid:`), as JSON Schema's `uuid` format. */
const UUID_PATTERN = /^(?:urn:uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const DATE_TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** RFC 3339 `date-time` (any fraction length, `Z` or a numeric offset, real calendar dates, leap second 60). */
export function isRfc3339DateTime(value: string): boolean {
  const m = DATE_TIME_PATTERN.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (day > days || hour > 23 || minute > 59 || second > 60) return false;
  if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return false;
  return true;
}

const uuidString = z.string().regex(UUID_PATTERN, 'must be a UUID');
const dateTimeString = z.string().refine(isRfc3339DateTime, 'must be an RFC 3339 date-time');

// ---------------------------------------------------------------------------------------------
// Strict schema

const position = z.array(z.number()).min(2);

export const wnmGeometrySchema = z.union([
  z.null(),
  z.looseObject({ type: z.literal('Point'), coordinates: position }),
  z.looseObject({ type: z.literal('Polygon'), coordinates: z.array(z.array(position).min(4)) }),
]);

const SECURITY_KEY = /^[a-zA-Z0-9.\-_]+$/;
const extensionKey = (key: string) => key.startsWith('x-');

/** OpenAPI securityScheme or `$ref`, as allowed for `links[].security` values. */
function securitySchemeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object';
  const v = value as Record<string, unknown>;
  if ('$ref' in v) return typeof v.$ref === 'string' ? null : '$ref must be a string';
  const allowed: Record<string, { required: string[]; keys: string[] }> = {
    apiKey: { required: ['name', 'in'], keys: ['type', 'name', 'in', 'description'] },
    http: { required: ['scheme'], keys: ['type', 'scheme', 'bearerFormat', 'description'] },
    oauth2: { required: ['flows'], keys: ['type', 'flows', 'description'] },
    openIdConnect: { required: ['openIdConnectUrl'], keys: ['type', 'openIdConnectUrl', 'description'] },
  };
  const spec = typeof v.type === 'string' ? allowed[v.type] : undefined;
  if (!spec) return "type must be 'apiKey', 'http', 'oauth2' or 'openIdConnect'";
  for (const key of spec.required) if (!(key in v)) return `${key} is required for type '${v.type}'`;
  for (const key of Object.keys(v)) {
    if (!spec.keys.includes(key) && !extensionKey(key)) return `unexpected key '${key}'`;
  }
  if (v.type === 'apiKey' && !['header', 'query', 'cookie'].includes(v.in as string)) {
    return "in must be 'header', 'query' or 'cookie'";
  }
  if (v.type === 'http' && typeof v.scheme !== 'string') return 'scheme must be a string';
  if (v.type === 'http' && 'bearerFormat' in v && String(v.scheme).toLowerCase() !== 'bearer') {
    return 'bearerFormat is only allowed with the bearer scheme';
  }
  if (v.type === 'oauth2' && (typeof v.flows !== 'object' || v.flows === null)) return 'flows must be an object';
  return null;
}

const securitySchema = z.record(z.string(), z.unknown()).superRefine((security, ctx) => {
  for (const [key, value] of Object.entries(security)) {
    if (!SECURITY_KEY.test(key)) continue; // only keys matching the pattern are constrained
    const problem = securitySchemeProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
  }
});

export const wnmLinkSchema = z.looseObject({
  href: z.string(),
  rel: z.string(),
  type: z.string().optional(),
  hreflang: z.string().optional(),
  title: z.string().optional(),
  length: z.number().int().optional(),
  security: securitySchema.optional(),
});

export const wnmIntegritySchema = z.looseObject({
  method: z.enum(WNM_HASH_METHODS),
  value: z.string(),
});

export const wnmContentSchema = z.looseObject({
  encoding: z.enum(WNM_CONTENT_ENCODINGS),
  size: z.number().int().max(WNM_MAX_CONTENT),
  value: z.string().max(WNM_MAX_CONTENT),
});

export const wnmPropertiesSchema = z
  .looseObject({
    pubtime: dateTimeString,
    data_id: z.string(),
    metadata_id: z.string().optional(),
    producer: z.string().optional(),
    'global-cache': z.string().optional(),
    datetime: dateTimeString.nullable().optional(),
    start_datetime: dateTimeString.optional(),
    end_datetime: dateTimeString.optional(),
    cache: z.boolean().optional(),
    integrity: wnmIntegritySchema.optional(),
    content: wnmContentSchema.optional(),
  })
  .superRefine((p, ctx) => {
    const instant = 'datetime' in p;
    const interval = 'start_datetime' in p && 'end_datetime' in p;
    if (instant === interval) {
      ctx.addIssue({
        code: 'custom',
        message: instant
          ? 'give either datetime or start_datetime/end_datetime, not both'
          : 'datetime, or both start_datetime and end_datetime, is required',
      });
    }
  });

export const wnmMessageSchema = z
  .looseObject({
    id: uuidString,
    conformsTo: z
      .array(z.unknown())
      .refine((a) => a.includes(WNM_CORE_CONFORMANCE), `must contain ${WNM_CORE_CONFORMANCE}`)
      .optional(),
    version: z.literal('v04').optional(),
    type: z.literal('Feature'),
    geometry: wnmGeometrySchema,
    properties: wnmPropertiesSchema,
    links: z.array(wnmLinkSchema).min(1),
  })
  .superRefine((m, ctx) => {
    const hasConformsTo = 'conformsTo' in m;
    const hasVersion = 'version' in m;
    if (hasConformsTo === hasVersion) {
      ctx.addIssue({
        code: 'custom',
        path: ['conformsTo'],
        message: hasConformsTo
          ? 'give conformsTo or the deprecated version, not both'
          : 'conformsTo (or the deprecated version "v04") is required',
      });
    }
    const kinds = new Set(m.links.map((l) => relationKind(l.rel)).filter((k) => k !== 'other'));
    if (kinds.size === 0) {
      ctx.addIssue({ code: 'custom', path: ['links'], message: 'a canonical, update or deletion link is required' });
    } else if (kinds.size > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['links'],
        message: `canonical, update and deletion links must not be combined (found ${[...kinds].join(', ')})`,
      });
    }
  });

export type WnmMessage = z.infer<typeof wnmMessageSchema>;
export type WnmGeometry = z.infer<typeof wnmGeometrySchema>;

// ---------------------------------------------------------------------------------------------
// Normalised view the pipeline works with (same shape in both modes)

export type { WnmLink } from './wnm-link.js';

export interface Notification {
  /** `id` (the standard says UUID; lenient mode keeps any string). Null when absent. */
  id: string | null;
  dataId: string | null;
  metadataId: string | null;
  pubtime: string | null;
  /** `global-cache`: centre id of the Global Cache that produced the notification. */
  globalCache: string | null;
  /** `cache` property; the standard's default is true. */
  cache: boolean;
  /** Present only when both parts are strings; the method is as given (not normalised). */
  integrity: { method: string; value: string } | null;
  content: { encoding: string; value: string; size: number | null } | null;
  geometry: WnmGeometry;
  /** Links with a string `href` and `rel`, in message order. */
  links: WnmLink[];
  /** `properties` as received (for property filters). */
  properties: Record<string, unknown>;
  /** The whole message as received. */
  message: Record<string, unknown>;
}

export interface NotificationIssue {
  /** Dotted path into the message (`properties.pubtime`, `links.0.href`), or '' for the whole message. */
  path: string;
  message: string;
}

export type NotificationError = 'too_large' | 'parse_error' | 'not_an_object' | 'invalid';

export type NotificationResult =
  | { ok: true; notification: Notification; compliant: boolean; issues: NotificationIssue[] }
  | { ok: false; error: NotificationError; detail: string; issues: NotificationIssue[] };

export interface NotificationOptions {
  /** Default `lenient`. */
  mode?: 'strict' | 'lenient';
  /** Refuse larger inputs before parsing. Default {@link DEFAULT_MAX_PARSE_BYTES}. */
  maxBytes?: number;
}

function issuesFromZod(error: z.ZodError): NotificationIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a decoded message against the standard and builds the normalised view.
 * `rawBytes`, when known, adds the 8192-byte message limit to the standard checks.
 */
export function validateNotification(
  value: unknown,
  options: NotificationOptions & { rawBytes?: number } = {},
): NotificationResult {
  const mode = options.mode ?? 'lenient';
  if (!isRecord(value)) {
    return { ok: false, error: 'not_an_object', detail: 'notification message must be a JSON object', issues: [] };
  }
  const checked = wnmMessageSchema.safeParse(value);
  const issues = checked.success ? [] : issuesFromZod(checked.error);
  if (options.rawBytes !== undefined && options.rawBytes > WNM_MAX_MESSAGE_BYTES) {
    issues.push({ path: '', message: `message is ${options.rawBytes} bytes; the limit is ${WNM_MAX_MESSAGE_BYTES}` });
  }
  if (mode === 'strict' && issues.length > 0) {
    return { ok: false, error: 'invalid', detail: describeIssues(issues), issues };
  }

  // Lenient reading: only what we use has to have a usable type.
  const properties = value.properties === undefined ? {} : value.properties;
  if (!isRecord(properties)) {
    return { ok: false, error: 'invalid', detail: 'properties must be an object', issues };
  }
  if (value.links !== undefined && !Array.isArray(value.links)) {
    return { ok: false, error: 'invalid', detail: 'links must be an array', issues };
  }
  const links: WnmLink[] = ((value.links as unknown[] | undefined) ?? []).filter(
    (l): l is WnmLink => isRecord(l) && typeof l.href === 'string' && typeof l.rel === 'string',
  );
  const integrity = isRecord(properties.integrity) ? properties.integrity : null;
  const content = isRecord(properties.content) ? properties.content : null;
  const geometry = wnmGeometrySchema.safeParse(value.geometry);
  const notification: Notification = {
    id: str(value.id),
    dataId: str(properties.data_id),
    metadataId: str(properties.metadata_id),
    pubtime: str(properties.pubtime),
    globalCache: str(properties['global-cache']),
    cache: properties.cache !== false,
    integrity:
      integrity && typeof integrity.method === 'string' && typeof integrity.value === 'string'
        ? { method: integrity.method, value: integrity.value }
        : null,
    content:
      content && typeof content.encoding === 'string' && typeof content.value === 'string'
        ? { encoding: content.encoding, value: content.value, size: typeof content.size === 'number' ? content.size : null }
        : null,
    geometry: geometry.success ? geometry.data : null,
    links,
    properties,
    message: value,
  };
  return { ok: true, notification, compliant: issues.length === 0, issues };
}

/** Parses raw MQTT payload bytes (or text) and validates the message. Never throws on bad input. */
export function parseNotification(input: string | Uint8Array, options: NotificationOptions = {}): NotificationResult {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_PARSE_BYTES;
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > maxBytes) {
    return { ok: false, error: 'too_large', detail: `message is ${size} bytes; at most ${maxBytes} are accepted`, issues: [] };
  }
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: 'parse_error', detail: `not valid JSON: ${(error as Error).message}`, issues: [] };
  }
  return validateNotification(value, { ...options, rawBytes: size });
}

export function describeIssues(issues: NotificationIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

/**
 * Decodes inline `properties.content` to the original bytes (utf-8, base64, or gzip-then-base64).
 * Null when the encoding is unknown, the value does not decode, or the result does not have the
 * declared `size`. Gzip output is bounded by `size` (at most {@link WNM_MAX_CONTENT}) plus one byte.
 */
export function decodeInlineContent(content: Notification['content']): Uint8Array | null {
  if (!content) return null;
  const base64 = /^[A-Za-z0-9+/]*={0,2}$/;
  let bytes: Uint8Array;
  try {
    if (content.encoding === 'utf-8') {
      bytes = Buffer.from(content.value, 'utf8');
    } else if (content.encoding === 'base64' || content.encoding === 'gzip') {
      const compact = content.value.replace(/\s+/g, '');
      if (!base64.test(compact)) return null;
      const decoded = Buffer.from(compact, 'base64');
      bytes =
        content.encoding === 'base64'
          ? decoded
          : gunzipSync(decoded, { maxOutputLength: Math.min(content.size ?? WNM_MAX_CONTENT, WNM_MAX_CONTENT) + 1 });
    } else {
      return null;
    }
  } catch {
    return null;
  }
  if (content.size !== null && bytes.byteLength !== content.size) return null;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
