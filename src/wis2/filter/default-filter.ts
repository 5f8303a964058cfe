/** The built-in default filter (§4.6) and the media-type lists. */
import type { Filter } from './types.js';

/** The worker's DEFAULT_ACCEPTED_MEDIA_TYPES, in the reference's order. */
export const DEFAULT_ACCEPTED_MEDIA_TYPES: readonly string[] = Object.freeze([
  'image/gif', 'image/jpeg', 'image/png', 'image/tiff',
  'application/pdf', 'application/postscript',
  'application/bufr', 'application/grib',
  'application/x-hdf', 'application/x-hdf5', 'application/x-netcdf', 'application/x-netcdf4',
  'text/plain', 'text/html', 'text/xml', 'text/csv', 'text/tab-separated-values',
  'application/octet-stream',
]);

/** The UI's longer list: the default list plus `application/x-bufr` and `application/x-grib`. */
export const UI_MEDIA_TYPES: readonly string[] = Object.freeze([
  ...DEFAULT_ACCEPTED_MEDIA_TYPES, 'application/x-bufr', 'application/x-grib',
]);

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** Applied when a subscription's filter is falsy (`{}`, null, missing). */
export const DEFAULT_FILTER: Filter = deepFreeze({
  name: 'default',
  rules: [
    {
      id: 'default-media-type',
      order: 1,
      action: 'reject',
      reason: 'Media type not in default allowed list',
      match: {
        all: [{ media_type: { exists: true } }, { media_type: { not_in: [...DEFAULT_ACCEPTED_MEDIA_TYPES] } }],
      },
    },
  ],
});

/**
 * [REC, §4.7] Translates the legacy `filters.accepted_media_types` globs: accept before download
 * and any matching type after it, reject any other known type.
 */
export function filterFromAcceptedMediaTypes(globs: readonly string[]): Filter {
  return {
    rules: [
      {
        id: 'accept-media',
        order: 1,
        action: 'accept',
        match: { any: [{ media_type: { exists: false } }, { any: globs.map((g) => ({ media_type: { pattern: g } })) }] },
      },
      { id: 'reject-media', order: 2, action: 'reject', match: { media_type: { exists: true } } },
    ],
  };
}
