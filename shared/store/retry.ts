// Retry of transient store failures (a dropped connection, a throttled request, a full disk that
// frees up): every call is retried a few times with exponential backoff and full jitter before
// it fails with StoreUnavailableError, which the state machine retries as a whole (the Worker's
// Retry). Safe because every write the pipeline makes is idempotent: derived objects are
// rewritten with the same bytes, results with `ifAbsent` (a write whose acknowledgement was
// lost is found in place, with the same bytes, on the next attempt).
import { StoreConflictError } from "./conflict.js";
import type { PutOptions, Store } from "./store.js";

/** The store failed every attempt of one call. The error name is what Retry/Catch match. */
export class StoreUnavailableError extends Error {
  constructor(
    readonly operation: string,
    readonly key: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`store ${operation} ${key} failed ${attempts} times: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "Dropsweep.StoreUnavailable";
  }
}

export interface RetryOptions {
  /** Attempts per call, the first included. @default 5 */
  attempts?: number;
  /** Delay before the first retry; doubled each time, full jitter. @default 25 */
  baseDelayMs?: number;
  /** Called before each retry (logging). */
  onRetry?: (operation: string, key: string, attempt: number, error: unknown) => void;
}

/** Failures that are answers, not outages: a different object is in place, a key is malformed. */
function isPermanent(error: unknown): boolean {
  return error instanceof StoreConflictError || (error instanceof Error && /^store: invalid key/.test(error.message));
}

export function retryingStore(store: Store, options: RetryOptions = {}): Store {
  if (store instanceof RetryingStore) return store;
  return new RetryingStore(store, options.attempts ?? 5, options.baseDelayMs ?? 25, options.onRetry);
}

class RetryingStore implements Store {
  readonly url: string;
  constructor(
    readonly inner: Store,
    private readonly attempts: number,
    private readonly baseDelayMs: number,
    private readonly onRetry: RetryOptions["onRetry"],
  ) {
    this.url = inner.url;
  }

  private async call<T>(operation: string, key: string, run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (isPermanent(error)) throw error;
        if (attempt >= this.attempts) throw new StoreUnavailableError(operation, key, attempt, error);
        this.onRetry?.(operation, key, attempt, error);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * this.baseDelayMs * 2 ** (attempt - 1)));
      }
    }
  }

  get(key: string) {
    return this.call("get", key, () => this.inner.get(key));
  }
  put(key: string, body: Uint8Array | string, options?: PutOptions) {
    return this.call("put", key, () => this.inner.put(key, body, options));
  }
  exists(key: string) {
    return this.call("exists", key, () => this.inner.exists(key));
  }
  delete(key: string) {
    return this.call("delete", key, () => this.inner.delete(key));
  }
  async *list(prefix: string): AsyncIterable<string> {
    // A listing is restarted as a whole: S3 continuation tokens do not survive every failure.
    const keys = await this.call("list", prefix, async () => {
      const out: string[] = [];
      for await (const key of this.inner.list(prefix)) out.push(key);
      return out;
    });
    yield* keys;
  }
}
