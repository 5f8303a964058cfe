/**
 * HTTP request statistics of this process, for GET /health and GET /stats (reset by POST /stats/reset).
 *
 * Two views: counters since the start or the last reset (what /stats reports: every status ≥ 400 is an error), and a
 * sliding window of recent traffic with its server errors (5xx), which is what /health judges. The window leaves out
 * the health probes themselves: a degraded /health answers 503, and counting those would keep it degraded after the
 * cause is gone, while a busy prober's 200s would hide real failures.
 */
export interface RequestStatsSnapshot {
  since: Date;
  total: number;
  errors: number;
  byMethod: Record<string, number>;
  byStatus: Record<string, number>;
  topEndpoints: Record<string, number>;
  avgMs: number;
  maxMs: number;
  minMs: number;
  /** Requests answered within the last `windowMs` (health probes left out) and how many of them were 5xx. */
  recent: RecentRequests;
}

export interface RecentRequests {
  windowMs: number;
  total: number;
  serverErrors: number;
}

export interface RequestStatsOptions {
  /** Milliseconds since the epoch; tests pass a clock they move. */
  now?: () => number;
  windowMs?: number;
}

const MAX_TRACKED_ENDPOINTS = 1000;
/** Five minutes: long enough to see a trend, short enough that the service recovers soon after the cause is gone. */
export const RECENT_WINDOW_MS = 5 * 60_000;
/** The window is kept in buckets of this length, so it slides in steps of at most this much. */
const BUCKET_MS = 10_000;
/** Paths whose answers are reports about the service, not service given (see the module comment). */
const HEALTH_PROBES = new Set(['/health']);

interface Bucket {
  start: number;
  total: number;
  serverErrors: number;
}

export class RequestStats {
  private readonly now: () => number;
  private readonly windowMs: number;
  private since: Date;
  private total = 0;
  private errors = 0;
  private byMethod = new Map<string, number>();
  private byStatus = new Map<string, number>();
  private byEndpoint = new Map<string, number>();
  private sumMs = 0;
  private maxMs = 0;
  private minMs = Infinity;
  private buckets: Bucket[] = [];

  constructor(private readonly options: RequestStatsOptions = {}) {
    this.now = options.now ?? Date.now;
    this.windowMs = options.windowMs ?? RECENT_WINDOW_MS;
    this.since = new Date(this.now());
  }

  record(method: string, path: string, status: number, ms: number): void {
    this.total += 1;
    if (status >= 400) this.errors += 1;
    this.byMethod.set(method, (this.byMethod.get(method) ?? 0) + 1);
    this.byStatus.set(String(status), (this.byStatus.get(String(status)) ?? 0) + 1);
    if (this.byEndpoint.has(path) || this.byEndpoint.size < MAX_TRACKED_ENDPOINTS) {
      this.byEndpoint.set(path, (this.byEndpoint.get(path) ?? 0) + 1);
    }
    this.sumMs += ms;
    this.maxMs = Math.max(this.maxMs, ms);
    this.minMs = Math.min(this.minMs, ms);
    if (!HEALTH_PROBES.has(path)) this.recordRecent(status >= 500);
  }

  reset(): void {
    Object.assign(this, new RequestStats(this.options));
  }

  snapshot(): RequestStatsSnapshot {
    const top = [...this.byEndpoint.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
    return {
      since: this.since,
      total: this.total,
      errors: this.errors,
      byMethod: Object.fromEntries(this.byMethod),
      byStatus: Object.fromEntries(this.byStatus),
      topEndpoints: Object.fromEntries(top),
      avgMs: this.total ? this.sumMs / this.total : 0,
      maxMs: this.maxMs,
      minMs: this.total ? this.minMs : 0,
      recent: this.recent(),
    };
  }

  private recordRecent(serverError: boolean): void {
    const start = Math.floor(this.now() / BUCKET_MS) * BUCKET_MS;
    let bucket = this.buckets.at(-1);
    if (bucket?.start !== start) {
      bucket = { start, total: 0, serverErrors: 0 };
      this.buckets.push(bucket);
      this.dropExpired();
    }
    bucket.total += 1;
    if (serverError) bucket.serverErrors += 1;
  }

  private recent(): RecentRequests {
    this.dropExpired();
    let total = 0;
    let serverErrors = 0;
    for (const bucket of this.buckets) {
      total += bucket.total;
      serverErrors += bucket.serverErrors;
    }
    return { windowMs: this.windowMs, total, serverErrors };
  }

  private dropExpired(): void {
    const oldest = this.now() - this.windowMs;
    while (this.buckets.length && this.buckets[0].start <= oldest) this.buckets.shift();
  }
}
