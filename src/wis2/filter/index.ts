/** WIS2 notification filter language (spec wis2-downloader §4). Pure: no I/O. */
export * from './types.js';
export { evaluateFilter, isFalsyFilter, type EvaluateOptions } from './evaluate.js';
export { centreIdFromTopic, notificationView, resolveFilterFields } from './context.js';
export { DEFAULT_ACCEPTED_MEDIA_TYPES, DEFAULT_FILTER, UI_MEDIA_TYPES, filterFromAcceptedMediaTypes } from './default-filter.js';
export {
  collectFilterIssues, filterSchema, FilterSchema, jsonPointer, validateFilter,
  type FilterIssue, type FilterValidation, type ValidateOptions,
} from './filter-schema.js';
export { FILTER_LIMITS } from './limits.js';
export { compileSafeRegex } from './safe-regex.js';
export { globMatch } from './glob.js';
