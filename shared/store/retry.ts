// Retry of the store calls that no layer below retries: filesystem calls (a full disk that frees
// up, a network filesystem that drops out), the reading of an S3 response's body (the AWS SDK
// retries a request, not a body cut off while it streams in) and the local runner's injected
// store faults (infra/local/faults.ts). S3 requests are retried by the AWS SDK alone
// (S3_MAX_ATTEMPTS, shared/store/s3.ts): its errors carry `$metadata.attempts` and are not
// retried again here, so one S3 outage costs at most S3_MAX_ATTEMPTS requests per call and
// Worker attempt (docs/GUARANTEES.md "Fault tolerance" says which layer retries what).
// A call retried here waits with exponential backoff and full jitter and fails with
// StoreUnavailableError, which the state machine retries as a whole (the Worker's Retry). Safe
// because every write the pipeline makes is idempotent: derived objects are rewritten with the
// same bytes, results with `ifAbsent` (a write whose acknowledgement was lost is found in place,
// with the same bytes, on the next attempt).
import { StoreConflictError } from "./conflict.js";
import type { ListedObject, PutOptions, Store } from "./store.js";

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

/** Attempts the AWS SDK made before this error (its retry strategy's verdict), if it is the SDK's. */
function sdkAttempts(error: unknown): number | undefined {
  const attempts = (error as { $metadata?: { attempts?: unknown } } | undefined)?.$metadata?.attempts;
  return typeof attempts === "number" ? attempts : undefined;
}

export function retryingStore(store: Store, options: RetryOptions = {}): Store {
  if (store instanceof RetryingStore) return store;
  return new RetryingStore(store, options.attempts ?? 5, options.baseDelayMs ?? 25, options.onRetry);
}

class RetryingStore implements Store {
  readonly url: string;
  readonly endpoint?: string;
  readonly listObjects?: (prefix: string) => AsyncIterable<ListedObject>;
  readonly objectLocation?: (key: string) => { bucket: string; key: string };
  constructor(
    readonly inner: Store,
    private readonly attempts: number,
    private readonly baseDelayMs: number,
    private readonly onRetry: RetryOptions["onRetry"],
  ) {
    this.url = inner.url;
    if (inner.endpoint) this.endpoint = inner.endpoint;
    const listObjects = inner.listObjects?.bind(inner);
    if (listObjects) this.listObjects = (prefix) => this.resumed(prefix, () => listObjects(prefix));
    if (inner.objectLocation) this.objectLocation = inner.objectLocation.bind(inner);
  }

  private async call<T>(operation: string, key: string, run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        await this.failed(operation, key, attempt, error);
      }
    }
  }

  /**
   * After a failed attempt: throw if it was the last, the failure is an answer, or the SDK has
   * retried it already (an outage it gave up on is named StoreUnavailable too); else wait.
   */
  private async failed(operation: string, key: string, attempt: number, error: unknown): Promise<void> {
    if (isPermanent(error)) throw error;
    const bySdk = sdkAttempts(error);
    if (bySdk !== undefined) throw bySdk > 1 ? new StoreUnavailableError(operation, key, bySdk, error) : error;
    if (attempt >= this.attempts) throw new StoreUnavailableError(operation, key, attempt, error);
    this.onRetry?.(operation, key, attempt, error);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * this.baseDelayMs * 2 ** (attempt - 1)));
  }

  get(key: string) {
    return this.call("get", key, () => this.inner.get(key));
  }
  getRange(key: string, offset: number, length: number) {
    return this.call("getRange", key, () => this.inner.getRange(key, offset, length));
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
  list(prefix: string): AsyncIterable<string> {
    return this.listed("list", prefix, () => this.inner.list(prefix));
  }

  /**
   * A streamed listing (read as it arrives, so a caller may stop early): after a failure it is
   * listed again from the start, skipping the keys already passed on (listings are in key
   * order, UTF-8 bytes as S3 orders them).
   */
  private async *resumed(prefix: string, list: () => AsyncIterable<ListedObject>): AsyncIterable<ListedObject> {
    let last: Buffer | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        for await (const item of list()) {
          const key = Buffer.from(item.key);
          if (last !== undefined && Buffer.compare(key, last) <= 0) continue;
          last = key;
          yield item;
        }
        return;
      } catch (error) {
        await this.failed("listObjects", prefix, attempt, error);
      }
    }
  }

  /** A listing is restarted as a whole: S3 continuation tokens do not survive every failure. */
  private async *listed<T>(operation: string, prefix: string, list: () => AsyncIterable<T>): AsyncIterable<T> {
    const items = await this.call(operation, prefix, async () => {
      const out: T[] = [];
      for await (const item of list()) out.push(item);
      return out;
    });
    yield* items;
  }
}
