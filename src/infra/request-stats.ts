/** HTTP request statistics of this process, for GET /health and GET /stats (reset by POST /stats/reset). */
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
}

const MAX_TRACKED_ENDPOINTS = 1000;

export class RequestStats {
  private since = new Date();
  private total = 0;
  private errors = 0;
  private byMethod = new Map<string, number>();
  private byStatus = new Map<string, number>();
  private byEndpoint = new Map<string, number>();
  private sumMs = 0;
  private maxMs = 0;
  private minMs = Infinity;

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
  }

  reset(): void {
    Object.assign(this, new RequestStats());
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
    };
  }
}
