/**
 * What the APIs read of WIS2 downloads: the recorded outcomes page by page (newest first) and as they are published,
 * from whichever worker ran them. Built once by the app over its stores and event bus.
 */
import type { EventBus } from '../../infra/event-bus.js';
import type { Wis2DownloadEvent, Wis2Topics } from '../events.js';
import type { DownloadEntry, DownloadHistory, DownloadHistoryQuery, HistoryPage } from './history.js';

export class Wis2DownloadService {
  constructor(
    private readonly history: DownloadHistory,
    private readonly bus: EventBus<Wis2Topics>,
  ) {}

  page(query: DownloadHistoryQuery, page: HistoryPage): Promise<DownloadEntry[]> {
    return this.history.page(query, page);
  }

  count(query: DownloadHistoryQuery = {}): Promise<number> {
    return this.history.count(query);
  }

  /** Calls `listener` with every outcome recorded from now on; returns what stops it. */
  follow(listener: (event: Wis2DownloadEvent) => void): () => void {
    return this.bus.subscribe('wis2Download', listener);
  }
}
