/** Building what a filter sees from a notification (§4.3, §5.1). */
import type { DownloadFacts, FilterContext, FilterFields, FilterPass, NotificationView } from './types.js';
import { isPlainObject } from './values.js';

/** Topic level 4 (index 3) when level 3 is `wis2`, else null: `cache/a/wis2/de-dwd/…` → `de-dwd`. */
export function centreIdFromTopic(topic: string): string | null {
  const levels = topic.split('/');
  return levels[2] === 'wis2' && levels[3] !== undefined ? levels[3] : null;
}

/**
 * The notification view for one message. `link` is the link the downloader chose (§5.2);
 * its `length` becomes the pre-download size when it is a finite number.
 */
export function notificationView(input: {
  topic: string;
  message: { geometry?: unknown; properties?: unknown };
  link?: { href?: unknown; length?: unknown; type?: unknown } | null;
}): NotificationView {
  const properties = isPlainObject(input.message.properties) ? input.message.properties : {};
  const { link } = input;
  const length = link?.length;
  return {
    topic: input.topic,
    centreId: centreIdFromTopic(input.topic),
    dataId: properties.data_id ?? null,
    metadataId: properties.metadata_id ?? null,
    href: typeof link?.href === 'string' ? link.href : null,
    linkLength: typeof length === 'number' && Number.isFinite(length) ? length : null,
    linkType: typeof link?.type === 'string' ? link.type : null,
    geometry: input.message.geometry ?? null,
    properties,
  };
}

/** The §4.3 table: size is the link length before download and the byte count after; media_type is null before. */
export function resolveFilterFields(context: FilterContext, pass: FilterPass): FilterFields {
  const n = context.notification;
  let download: DownloadFacts | undefined;
  if (pass === 'post') {
    download = context.download;
    if (!download) throw new TypeError('the post-download pass needs context.download');
  }
  return {
    topic: n.topic,
    centre_id: n.centreId ?? null,
    data_id: n.dataId ?? null,
    metadata_id: n.metadataId ?? null,
    href: n.href ?? null,
    size: download ? download.size : (n.linkLength ?? null),
    media_type: download ? download.mediaType : null,
    geometry: n.geometry ?? null,
    properties: n.properties ?? {},
  };
}
