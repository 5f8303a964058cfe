/** WIS2 notification filter language (spec wis2-downloader §4). Pure: no I/O. */
export * from './types.ts';
export { evaluateFilter, isFalsyFilter, type EvaluateOptions } from './evaluate.ts';
export { centreIdFromTopic, notificationView, resolveFilterFields } from './context.ts';
export { DEFAULT_ACCEPTED_MEDIA_TYPES, DEFAULT_FILTER, UI_MEDIA_TYPES, filterFromAcceptedMediaTypes } from './default-filter.ts';
export {
  collectFilterIssues, filterSchema, FilterSchema, jsonPointer, validateFilter,
  type FilterIssue, type FilterValidation, type ValidateOptions,
} from './filter-schema.ts';
export { FILTER_LIMITS } from './limits.ts';
export { compileSafeRegex } from './safe-regex.ts';
export { globMatch } from './glob.ts';
