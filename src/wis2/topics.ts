/**
 * WIS2 topics: validation of subscription topics (spec §2.6), MQTT wildcard matching and
 * what the pipeline reads from a message topic (§5.3).
 *
 * The code lists are our own short encoding of the WIS2 Topic Hierarchy levels 1–7
 * (wmo-im/wis2-topic-hierarchy). Centre ids are an open, growing list, so only their syntax is
 * checked, never membership.
 */

export const CHANNELS = ['origin', 'cache'] as const;
export const VERSIONS = ['a'] as const;
export const SYSTEMS = ['wis2'] as const;
export const NOTIFICATION_TYPES = ['data', 'metadata'] as const;
export const DATA_POLICIES = ['core', 'recommended'] as const;
export const EARTH_SYSTEM_DISCIPLINES = [
  'atmospheric-composition',
  'climate',
  'cryosphere',
  'hydrology',
  'ocean',
  'space-weather',
  'weather',
] as const;

export type Channel = (typeof CHANNELS)[number];
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
export type DataPolicy = (typeof DATA_POLICIES)[number];
export type EarthSystemDiscipline = (typeof EARTH_SYSTEM_DISCIPLINES)[number];

/** `tld-centre-name`: lower-case ASCII letters and digits, words joined by single dashes, no dots. */
export const CENTRE_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)+$/;

/** The metrics label used when a topic carries no centre id (§5.3). */
export const UNKNOWN_CENTRE = 'unknown';

/** Largest MQTT topic: a UTF-8 string of at most 65535 bytes. */
export const MAX_TOPIC_BYTES = 65535;

export type TopicErrorCode =
  | 'empty'
  | 'too_long'
  | 'nul'
  | 'wildcard_in_level'
  | 'hash_not_last'
  | 'channel'
  | 'version'
  | 'system'
  | 'centre_id'
  | 'notification_type'
  | 'metadata_not_allowed'
  | 'data_policy'
  | 'discipline'
  | 'too_short';

export type TopicValidation =
  | { ok: true; topic: string; levels: string[] }
  | { ok: false; code: TopicErrorCode; error: string };

export interface TopicValidationOptions {
  /** Check the WIS2 shape (levels 1–5) on top of MQTT syntax. Default true. */
  wis2?: boolean;
  /** Also check data policy (level 6) and discipline (level 7) against the code lists. Default false. */
  codeLists?: boolean;
  /** Allow `metadata` at level 5. Default true (the reference UI allows `data` only). */
  allowMetadata?: boolean;
}

/** The compatibility message for a missing or blank topic (§2.4/§2.6). */
export const NO_TOPIC_PROVIDED = 'No topic provided';

/**
 * Python `urllib.parse.unquote` followed by trimming, as the reference API applies to the topic
 * body value: valid `%XX` runs are decoded as UTF-8 (invalid bytes become U+FFFD), anything else
 * is kept literally, so `%23` becomes `#`.
 */
export function unquoteTopic(raw: string): string {
  const decoded = raw.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    return new TextDecoder('utf-8').decode(bytes);
  });
  return decoded.trim();
}

function invalid(code: TopicErrorCode, detail: string): TopicValidation {
  return { ok: false, code, error: code === 'empty' ? NO_TOPIC_PROVIDED : `Invalid topic: ${detail}` };
}

/** MQTT topic-filter syntax only: what every topic must satisfy before it reaches a broker. */
export function validateMqttTopicFilter(topic: string): TopicValidation {
  if (topic.length === 0) return invalid('empty', 'empty');
  if (Buffer.byteLength(topic, 'utf8') > MAX_TOPIC_BYTES) {
    return invalid('too_long', `longer than ${MAX_TOPIC_BYTES} bytes`);
  }
  if (topic.includes('\u0000')) return invalid('nul', 'contains a NUL character');
  const levels = topic.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level !== '+' && level !== '#' && (level.includes('+') || level.includes('#'))) {
      return invalid('wildcard_in_level', `level ${i + 1} ('${level}') mixes a wildcard with text; + and # must each be a whole level`);
    }
    if (level === '#' && i !== levels.length - 1) {
      return invalid('hash_not_last', '# is only allowed as the last level');
    }
  }
  return { ok: true, topic, levels };
}

function checkLevel(
  levels: string[],
  index: number,
  accept: (value: string) => boolean,
  code: TopicErrorCode,
  expected: string,
): TopicValidation | null {
  const value = levels[index];
  if (value === undefined || value === '+') return null;
  if (value === '#') return null;
  if (accept(value)) return null;
  return invalid(code, `level ${index + 1} is '${value}', expected ${expected}`);
}

/**
 * Validates a subscription topic: MQTT syntax always, then (by default) the WIS2 shape
 * `{origin|cache}/a/wis2/{centre-id}/{data|metadata}/…`, where any level may be `+` and a `#`
 * may end the topic after any level. A topic that stops before level 5 without `#` is too short.
 */
export function validateTopic(topic: string, options: TopicValidationOptions = {}): TopicValidation {
  const syntax = validateMqttTopicFilter(topic);
  if (!syntax.ok || options.wis2 === false) return syntax;
  const { levels } = syntax;
  const allowMetadata = options.allowMetadata ?? true;
  const endsWithHash = levels[levels.length - 1] === '#';
  const concrete = endsWithHash ? levels.length - 1 : levels.length;
  if (concrete < 5 && !endsWithHash) {
    return invalid('too_short', 'a WIS2 topic has at least {channel}/a/wis2/{centre-id}/{data|metadata}');
  }
  const checks: Array<TopicValidation | null> = [
    checkLevel(levels, 0, (v) => (CHANNELS as readonly string[]).includes(v), 'channel', "'origin' or 'cache'"),
    checkLevel(levels, 1, (v) => (VERSIONS as readonly string[]).includes(v), 'version', "'a'"),
    checkLevel(levels, 2, (v) => (SYSTEMS as readonly string[]).includes(v), 'system', "'wis2'"),
    checkLevel(levels, 3, (v) => CENTRE_ID_PATTERN.test(v), 'centre_id', 'a centre id such as de-dwd (lower case, words joined by dashes)'),
    checkLevel(
      levels,
      4,
      (v) => v === 'data' || (allowMetadata && v === 'metadata'),
      v4Code(levels[4], allowMetadata),
      allowMetadata ? "'data' or 'metadata'" : "'data'",
    ),
  ];
  if (options.codeLists) {
    checks.push(
      checkLevel(levels, 5, (v) => (DATA_POLICIES as readonly string[]).includes(v), 'data_policy', "'core' or 'recommended'"),
      checkLevel(
        levels,
        6,
        (v) => (EARTH_SYSTEM_DISCIPLINES as readonly string[]).includes(v),
        'discipline',
        `one of ${EARTH_SYSTEM_DISCIPLINES.join(', ')}`,
      ),
    );
  }
  return checks.find((c) => c !== null) ?? syntax;
}

function v4Code(value: string | undefined, allowMetadata: boolean): TopicErrorCode {
  return !allowMetadata && value === 'metadata' ? 'metadata_not_allowed' : 'notification_type';
}

/**
 * MQTT matching of a concrete topic against a filter with `+` and `#`. `#` also matches the
 * parent level (`a/#` matches `a`), and wildcards at the first level never match `$`-topics.
 */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export interface Wis2Topic {
  channel: string;
  version: string;
  system: string;
  centreId: string;
  notificationType: string;
  dataPolicy: string | null;
  discipline: string | null;
  /** Level 8 and beyond (sub-discipline levels). */
  subLevels: string[];
}

/** Splits a concrete WIS2 message topic into its named levels; null when it is not WIS2-shaped. */
export function parseWis2Topic(topic: string): Wis2Topic | null {
  const levels = topic.split('/');
  if (levels.length < 5 || levels[2] !== 'wis2') return null;
  return {
    channel: levels[0],
    version: levels[1],
    system: levels[2],
    centreId: levels[3],
    notificationType: levels[4],
    dataPolicy: levels[5] ?? null,
    discipline: levels[6] ?? null,
    subLevels: levels.slice(7),
  };
}

/**
 * The reference rule (§5.3): level 4 when the topic has more than three levels and level 3 is
 * `wis2`; otherwise null (metrics show `unknown`, filters see null).
 */
export function centreIdFromTopic(topic: string | null | undefined): string | null {
  if (!topic) return null;
  const levels = topic.split('/');
  return levels.length > 3 && levels[2] === 'wis2' ? levels[3] : null;
}

/** The channel of a message topic (`origin` / `cache`), or null. Only subscription matching uses it. */
export function channelFromTopic(topic: string | null | undefined): Channel | null {
  const first = topic?.split('/')[0];
  return first === 'origin' || first === 'cache' ? first : null;
}
