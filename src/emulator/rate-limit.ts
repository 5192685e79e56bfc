/**
 * Atlas' token bucket: `capacity` requests at once, refilled continuously at `perMinute`. Time comes from
 * the emulator clock, so advancing it refills the bucket.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly capacity: number,
    readonly perMinute: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  /** Takes one token; when none is left, says how many whole seconds until one is. */
  take(now: number): { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number } {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true, remaining: Math.floor(this.tokens) };
    }
    const msPerToken = 60_000 / this.perMinute;
    const waitMs = (1 - this.tokens) * msPerToken;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.perMinute) / 60_000);
    this.updatedAt = now;
  }
}

/** One bucket per (project, resource family): databaseUsers and clusters share one, projects have their own. */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly limits: Record<string, { capacity: number; perMinute: number }>) {}

  take(key: string, family: string, now: number): ReturnType<TokenBucket['take']> & { limit: number } {
    const limits = this.limits[family];
    if (!limits) throw new Error(`no rate limit family ${family}`);
    const id = `${family}:${key}`;
    let bucket = this.buckets.get(id);
    if (!bucket) {
      bucket = new TokenBucket(limits.capacity, limits.perMinute, now);
      this.buckets.set(id, bucket);
    }
    return { ...bucket.take(now), limit: limits.capacity };
  }

  clear(): void {
    this.buckets.clear();
  }
}
