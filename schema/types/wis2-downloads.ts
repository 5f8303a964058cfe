/**
 * WIS2 download: the outcome of one notification for one subscription (SUCCESS, SKIPPED or FAILED), as stored in
 * `wis2_downloads`. The history is a connection, newest first; live outcomes stream from the event bus.
 */
import { GraphQLError } from 'graphql';
import { resolveCursorConnection } from '@pothos/plugin-relay';
import { Repeater, SlidingBuffer } from 'graphql-yoga';
import { builder, type GraphqlContext } from '../builder.js';
import { MAX_PAGE_SIZE } from './task.js';
import { decodeCursor, encodeCursor, type DownloadEntry, type DownloadHistoryQuery, type HistoryCursor } from '../../src/wis2-service/downloads/history.js';
import type { Wis2DownloadEvent } from '../../src/wis2-service/events.js';

/** A slow client keeps at most this many undelivered events; older ones are dropped. */
const MAX_QUEUED = 256;

export const Wis2DownloadStatus = builder.enumType('Wis2DownloadStatus', {
  description: '`SUCCESS`: the file is saved; `SKIPPED`: not downloaded on purpose (filter, duplicate, …); `FAILED`: see errorClass and reason.',
  values: ['SUCCESS', 'SKIPPED', 'FAILED'] as const,
});

const optionalDate = (value: Date | string | null) => {
  if (value === null) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
};

export const Wis2Download = builder.objectRef<Wis2DownloadEvent>('Wis2Download').implement({
  description: 'What became of one notification for one subscription.',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: true, description: 'The record id; null only on a live event whose record could not be stored.' }),
    subscriptionId: t.exposeID('subscriptionId'),
    messageId: t.exposeString('messageId', { description: 'The notification message id.' }),
    dataId: t.exposeString('dataId', { nullable: true }),
    metadataId: t.exposeString('metadataId', { nullable: true }),
    topic: t.exposeString('topic', { description: 'The topic the notification came on.' }),
    centreId: t.exposeString('centreId', { nullable: true }),
    cache: t.exposeString('cache', { description: 'Host of the download URL (empty when skipped before download).' }),
    href: t.exposeString('href', { description: 'The download URL (empty when skipped before download).' }),
    status: t.expose('status', { type: Wis2DownloadStatus }),
    errorClass: t.exposeString('errorClass', { nullable: true, description: 'Why it was skipped or failed, as a class name, e.g. `HTTPError`.' }),
    reason: t.exposeString('reason', { nullable: true }),
    path: t.exposeString('path', { nullable: true, description: 'Where the file was saved.' }),
    size: t.exposeFloat('size', { nullable: true, description: 'Bytes received.' }),
    expectedSize: t.exposeFloat('expectedSize', { nullable: true, description: 'Bytes the notification announced.' }),
    mediaType: t.exposeString('mediaType', { nullable: true }),
    hashMethod: t.exposeString('hashMethod', { nullable: true, description: 'e.g. `sha512`.' }),
    expectedHash: t.exposeString('expectedHash', { nullable: true, description: 'The checksum the notification announced.' }),
    actualHash: t.exposeString('actualHash', { nullable: true, description: 'The checksum of the bytes received.' }),
    validHash: t.exposeBoolean('validHash', { nullable: true }),
    overwrite: t.exposeBoolean('overwrite', { description: 'True when an update replaced a file saved before.' }),
    attempts: t.exposeInt('attempts'),
    receivedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the notification arrived.', resolve: (download) => optionalDate(download.receivedAt) }),
    downloadStart: t.expose('downloadStart', { type: 'DateTime', nullable: true }),
    downloadEnd: t.expose('downloadEnd', { type: 'DateTime', nullable: true }),
    recordedAt: t.expose('recordedAt', { type: 'DateTime', description: 'When the outcome was recorded (the order of the history).' }),
    durationMs: t.exposeInt('durationMs'),
  }),
});

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

function cursor(value: string | undefined, name: string): HistoryCursor | undefined {
  if (value === undefined) return undefined;
  const decoded = decodeCursor(value);
  if (!decoded) throw badInput(`Invalid parameter: ${name} is not a cursor of this connection`);
  return decoded;
}

builder.queryFields((t) => ({
  wis2Downloads: t.connection(
    {
      type: Wis2Download,
      description: `Download outcomes, newest first; page with first/after (or last/before), at most ${MAX_PAGE_SIZE} per page.`,
      args: {
        subscriptionId: t.arg.id({ description: 'Only this subscription.' }),
        status: t.arg({ type: [Wis2DownloadStatus], description: 'Only these outcomes (all when absent or empty).' }),
        since: t.arg({ type: 'DateTime', description: 'Recorded at or after.' }),
        until: t.arg({ type: 'DateTime', description: 'Recorded before.' }),
      },
      resolve: async (_root, args, context) => {
        for (const key of ['first', 'last'] as const) {
          const value = args[key];
          if (value != null && (value < 0 || value > MAX_PAGE_SIZE)) throw badInput(`Invalid parameter: ${key} must be between 0 and ${MAX_PAGE_SIZE}`);
        }
        const query: DownloadHistoryQuery = {
          subscriptionId: args.subscriptionId ?? undefined,
          statuses: args.status ?? undefined,
          since: args.since ?? undefined,
          until: args.until ?? undefined,
        };
        const connection = await resolveCursorConnection<Promise<DownloadEntry[]>>(
          { args, toCursor: (entry) => encodeCursor(entry), defaultSize: 20, maxSize: MAX_PAGE_SIZE },
          ({ before, after, limit, inverted }) =>
            context.services.wis2Downloads.page(query, { before: cursor(before, 'before'), after: cursor(after, 'after'), limit, inverted }),
        );
        return { ...connection, query };
      },
    },
    {
      name: 'Wis2DownloadConnection',
      fields: (c) => ({
        totalCount: c.int({
          description: 'Outcomes matching the filter (whatever the page).',
          resolve: (connection, _args, context) => context.services.wis2Downloads.count(connection.query),
        }),
      }),
    },
    { name: 'Wis2DownloadEdge' },
  ),
}));

/** Each outcome published on the bus from now on; a client going away (return()) detaches the listener. */
function liveDownloads(context: GraphqlContext, accept: (event: Wis2DownloadEvent) => boolean): AsyncIterable<Wis2DownloadEvent> {
  return new Repeater<Wis2DownloadEvent>(async (push, stop) => {
    const unsubscribe = context.services.wis2Downloads.follow((event) => {
      if (accept(event)) void push(event);
    });
    await stop;
    unsubscribe();
  }, new SlidingBuffer(MAX_QUEUED));
}

builder.subscriptionFields((t) => ({
  wis2Downloads: t.field({
    type: Wis2Download,
    description: 'Every download outcome as it is recorded, from now on; only those of one subscription when subscriptionId is given.',
    args: { subscriptionId: t.arg.id() },
    subscribe: (_root, { subscriptionId }, context) =>
      liveDownloads(context, (event) => subscriptionId == null || event.subscriptionId === subscriptionId),
    resolve: (event) => event,
  }),
}));
