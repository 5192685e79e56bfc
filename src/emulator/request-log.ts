export type AuthKind = 'digest' | 'bearer' | 'basic' | 'none';

export interface LoggedRequest {
  method: string;
  /** Raw path and query as received. */
  path: string;
  /** 0 when the connection was reset without an answer. */
  status: number;
  auth: AuthKind;
}

const MAX_ENTRIES = 10_000;

/** Every `/api/…` request in order, 401 challenges included: how tests count HTTP round trips. */
export class RequestLog {
  private entries: LoggedRequest[] = [];

  add(entry: LoggedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
  }

  list(): LoggedRequest[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }
}

/** Which credentials a request carried, by its Authorization scheme. */
export function authKind(header: string | undefined): AuthKind {
  const scheme = header?.trimStart().split(/\s/, 1)[0]?.toLowerCase();
  if (scheme === 'digest') return 'digest';
  if (scheme === 'bearer') return 'bearer';
  if (scheme === 'basic') return 'basic';
  return 'none';
}
