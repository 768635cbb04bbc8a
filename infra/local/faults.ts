// Fault injection for the local runner (`dropsweep run --inject-faults RATE`): Worker
// invocations throw, time out, and their store writes fail, at a given rate, deterministically.
//
// Every decision is a pure function of (seed, function, the invocation's event, attempt number),
// so a run is reproducible however the thread pool schedules it: the same batch on its second
// attempt draws again, independently of which thread runs it or what else ran before. Decided
// here in the main thread (which counts attempts), acted on in the worker thread by
// faultyWorker.ts (the real runWorker over a store that fails on purpose).
//
// Kinds, each an equal share of the faulty invocations:
//   throw-before   crash before any work
//   throw-midway   crash after the first half of the batch (results of that half are stored)
//   throw-after    crash after all the work, before replying (the reply is lost)
//   hang-before    never reply: the Task times out (the runner terminates the thread)
//   hang-after     do all the work, then never reply: the Task times out
// and, independently, every store write of the invocation fails at the same rate, half of them
// before reaching the store and half after (the write landed, the acknowledgement was lost).
import { createHash } from "node:crypto";
import type { PutOptions, Store } from "../../shared/store/store.js";

export const workerFaultKinds = ["throw-before", "throw-midway", "throw-after", "hang-before", "hang-after"] as const;
export type WorkerFaultKind = (typeof workerFaultKinds)[number];

export interface FaultSettings {
  /** Probability (0..1) that an invocation fails, and that each of its store writes fails. */
  rate: number;
  /** Any string or number; the same seed gives the same faults. @default 1 */
  seed?: string | number;
}

/** What one invocation is to suffer; travels to the worker thread in the Lambda context. */
export interface InjectedFault {
  kind?: WorkerFaultKind;
  storeFailureRate: number;
  /** Seeds the store failures of this invocation. */
  seed: string;
  /** Filled in by the worker thread: store writes it failed on purpose. */
  storeFailures?: number;
}

/** The error name of injected crashes and store failures. */
export const injectedFaultError = "Dropsweep.InjectedFault";

/** A number in [0, 1) determined by the parts (SHA-256, first 48 bits). */
export function uniform(...parts: (string | number)[]): number {
  const digest = createHash("sha256").update(parts.join("\u0000")).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

export interface FaultCounts {
  /** Invocations, retries included. */
  invocations: number;
  /** Distinct invocations (events: the Worker's batches), retries not counted. */
  batches: number;
  byKind: Record<WorkerFaultKind, number>;
  storeFailures: number;
}

export class FaultPlan {
  readonly rate: number;
  readonly seed: string;
  private readonly attempts = new Map<string, number>();
  readonly counts: FaultCounts = {
    invocations: 0,
    batches: 0,
    byKind: Object.fromEntries(workerFaultKinds.map((k) => [k, 0])) as Record<WorkerFaultKind, number>,
    storeFailures: 0,
  };

  constructor(settings: FaultSettings) {
    if (!(settings.rate >= 0 && settings.rate <= 1)) throw new RangeError(`fault rate must be from 0 to 1 (got ${settings.rate})`);
    this.rate = settings.rate;
    this.seed = String(settings.seed ?? 1);
  }

  /** The fault for the next attempt of `functionName` on `event`. */
  next(functionName: string, event: unknown): InjectedFault {
    const eventKey = createHash("sha256")
      .update(JSON.stringify(event) ?? "undefined")
      .digest("hex");
    const id = `${functionName}\u0000${eventKey}`;
    const attempt = (this.attempts.get(id) ?? 0) + 1;
    this.attempts.set(id, attempt);
    this.counts.invocations++;
    if (attempt === 1) this.counts.batches++;
    const fault: InjectedFault = { storeFailureRate: this.rate, seed: `${this.seed}/${id}/${attempt}` };
    if (uniform(this.seed, id, attempt, "fails") < this.rate) {
      fault.kind = workerFaultKinds[Math.floor(uniform(this.seed, id, attempt, "kind") * workerFaultKinds.length)]!;
      this.counts.byKind[fault.kind]++;
    }
    return fault;
  }

  /** Record what a worker thread reported back. */
  report(fault: InjectedFault | undefined): void {
    this.counts.storeFailures += fault?.storeFailures ?? 0;
  }
}

/** `store` whose writes fail as `fault` says (counted in fault.storeFailures). */
export function faultyStore(store: Store, fault: InjectedFault): Store {
  const writes = new Map<string, number>();
  const fail = (key: string, when: string) => {
    fault.storeFailures = (fault.storeFailures ?? 0) + 1;
    const error = new Error(`injected transient store failure (${when}) writing ${key}`);
    error.name = injectedFaultError;
    return error;
  };
  return {
    url: store.url,
    ...(store.endpoint ? { endpoint: store.endpoint } : {}),
    get: (key) => store.get(key),
    getRange: (key, offset, length) => store.getRange(key, offset, length),
    exists: (key) => store.exists(key),
    list: (prefix) => store.list(prefix),
    delete: (key) => store.delete(key),
    async put(key: string, body: Uint8Array | string, options?: PutOptions) {
      const n = (writes.get(key) ?? 0) + 1;
      writes.set(key, n);
      if (uniform(fault.seed, key, n, "put") >= fault.storeFailureRate) return store.put(key, body, options);
      if (uniform(fault.seed, key, n, "when") < 0.5) throw fail(key, "before the write");
      await store.put(key, body, options);
      throw fail(key, "acknowledgement lost");
    },
  };
}
