/** Filter language types (spec wis2-downloader §4.1) and what a filter sees (§4.3, §5.1). */
import type { PropertyType } from './values.js';

export type RuleAction = 'accept' | 'reject' | 'continue';
export type FilterPass = 'pre' | 'post';
export type Scalar = string | number | boolean;

export const SIMPLE_FIELDS = ['media_type', 'centre_id', 'data_id', 'metadata_id', 'topic', 'href'] as const;
export type SimpleField = (typeof SIMPLE_FIELDS)[number];

export const GENERIC_OPERATORS = [
  'equals', 'not_equals', 'in', 'not_in', 'pattern', 'regex', 'gt', 'gte', 'lt', 'lte', 'between', 'exists',
] as const;
export type GenericOperator = (typeof GENERIC_OPERATORS)[number];

/** In the precedence the engine uses: the first one present decides. */
export const SIZE_OPERATORS = ['gt_bytes', 'gte_bytes', 'lt_bytes', 'lte_bytes', 'between_bytes', 'exists'] as const;
export type SizeOperator = (typeof SIZE_OPERATORS)[number];

/** Keys that decide a condition, in precedence order; then the simple fields in object order. */
export const COMBINATOR_KEYS = ['always', 'all', 'any', 'not', 'size', 'bbox', 'property'] as const;

export type Operators = {
  equals?: Scalar;
  not_equals?: Scalar;
  in?: Scalar[];
  not_in?: Scalar[];
  pattern?: string;
  regex?: string;
  gt?: Scalar;
  gte?: Scalar;
  lt?: Scalar;
  lte?: Scalar;
  between?: [Scalar, Scalar];
  exists?: boolean;
};
export type SizeCondition = {
  gt_bytes?: number;
  gte_bytes?: number;
  lt_bytes?: number;
  lte_bytes?: number;
  between_bytes?: [number, number];
  exists?: boolean;
};
export type BBox = { north: number; south: number; east: number; west: number };
export type PropertyCondition = { property: string; type?: PropertyType } & Operators;
export type SimpleFieldCondition = { [K in SimpleField]: { [P in K]: Operators } }[SimpleField];

export type MatchCondition =
  | { always: boolean }
  | { all: MatchCondition[] }
  | { any: MatchCondition[] }
  | { not: MatchCondition }
  | { size: SizeCondition }
  | { bbox: BBox }
  | PropertyCondition
  | SimpleFieldCondition;

export type FilterRule = { id: string; order: number; match: MatchCondition; action: RuleAction; reason?: string };
export type Filter = { name?: string; description?: string; rules?: FilterRule[] };

/**
 * What the evaluator accepts: a Filter, or any stored value (the reference never validated
 * filters, so the engine trusts nothing). Null, undefined and `{}` mean "apply the default filter".
 */
export type FilterInput = Filter | Readonly<Record<string, unknown>> | null | undefined;

/** The notification as filters see it in both passes (§4.3). */
export type NotificationView = {
  /** The actual MQTT topic of the message, not the subscription pattern. */
  topic: string;
  /** Topic level 4 when level 3 is `wis2`, else null (see centreIdFromTopic). */
  centreId: string | null;
  /** `properties.data_id` */
  dataId: unknown;
  /** `properties.metadata_id` */
  metadataId: unknown;
  /** The chosen download URL (§5.2). */
  href: string | null;
  /** The chosen link's `length`, when the notification gives one. */
  linkLength: number | null;
  /** The chosen link's declared `type`. Not seen by filters (the reference ignores it). */
  linkType?: string | null;
  /** The message `geometry` (GeoJSON Point/Polygon or null). */
  geometry: unknown;
  /** The whole `properties` object (pubtime, datetime, … live here, reached with `property`). */
  properties: Readonly<Record<string, unknown>>;
};

/** Facts known only after the download (§4.3 post column). */
export type DownloadFacts = {
  /** Media type detected from the content (§5.6), or null if unknown. */
  mediaType: string | null;
  /** Actual byte count. */
  size: number;
};

export type FilterContext = { notification: NotificationView; download?: DownloadFacts };

/** The fields a condition reads, resolved for one pass (the §4.3 table). */
export type FilterFields = {
  topic: string;
  centre_id: string | null;
  data_id: unknown;
  metadata_id: unknown;
  href: string | null;
  size: number | null;
  media_type: string | null;
  geometry: unknown;
  properties: Readonly<Record<string, unknown>>;
};

export type FilterDecision = {
  action: 'accept' | 'reject';
  /** The deciding rule's `reason`, else its `id`; otherwise why nothing decided. */
  reason: string;
  /** The deciding rule: its id, its position in `rules` as given, and its effective order. */
  rule?: { id: string | null; index: number; order: number };
  /** True when the filter was falsy and the default (§4.6) was applied. */
  usedDefaultFilter: boolean;
  /** Rules whose evaluation raised and were therefore skipped (fail-open, §4.2). */
  skippedRules: Array<{ index: number; id: string | null; error: string }>;
  /** What the reference would log as warnings (unknown keys, non-array `in`, …); capped. */
  warnings: string[];
};
