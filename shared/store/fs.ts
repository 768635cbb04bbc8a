// The filesystem store: keys are files under one directory, so a person can browse a sweep.
// Writes are atomic (temporary file, fsync, rename into place); `ifAbsent` uses link(2), which
// fails if the name exists, so the first writer wins even across processes.
//
// Synchronous system calls on purpose: the objects are small and the calls take ~10-50 us,
// while a promise round trip through libuv's thread pool costs several times that; planning
// 100,000 cells is ~300,000 such calls (docs/BENCHMARKS.md "Hardening: load"). The event loop is
// blocked only for one call at a time.
//
// Temporary files live in one directory of the store (TEMP_DIRECTORY, same filesystem, so the
// rename is still atomic), not next to their target: on ext4 the first file created in a
// brand-new directory (a new cell's) cost ~300 us of kernel time here, against ~20 us in a
// directory already in use; renaming it in costs ~10 us. A read of a missing key is a stat
// that does not throw (~1 us) rather than a failed open and its exception (~6 us).
import {
  closeSync,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { readdir } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { threadId } from "node:worker_threads";
import type { PutOptions, Store } from "./store.js";
import { StoreConflictError, checkKey, sameBytes, toBytes } from "./conflict.js";

/** Temporary files carry this marker; `list` never shows them. */
const TEMP_MARK = ".dropsweep-tmp-";
/** Where temporary files are created (under the root); never listed. */
const TEMP_DIRECTORY = ".dropsweep-tmp";

/** Unique per process and thread (O_EXCL would refuse a clash anyway). */
let tempCounter = 0;
const tempTag = `${process.pid}-${threadId}-${Date.now().toString(36)}`;

export class FileStore implements Store {
  readonly url: string;
  private readonly temp: string;
  private tempReady = false;
  constructor(readonly root: string) {
    this.url = pathToFileURL(root).href;
    this.temp = join(root, TEMP_DIRECTORY);
  }

  private path(key: string): string {
    checkKey(key);
    return join(this.root, ...key.split("/"));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const path = this.path(key);
    try {
      if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return undefined;
      return new Uint8Array(readFileSync(path));
    } catch (error) {
      if (isCode(error, "ENOENT") || isCode(error, "EISDIR") || isCode(error, "ENOTDIR")) return undefined;
      throw error;
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    const path = this.path(key);
    let file: number;
    try {
      file = openSync(path, "r");
    } catch (error) {
      if (isCode(error, "ENOENT") || isCode(error, "EISDIR") || isCode(error, "ENOTDIR")) return undefined;
      throw error;
    }
    try {
      // Sized by what is there, not by what was asked: a wrong length must not allocate it.
      const bytes = new Uint8Array(Math.max(0, Math.min(length, fstatSync(file).size - offset)));
      length = bytes.byteLength;
      let read = 0;
      for (let n = -1; read < length && n !== 0; read += n) n = readSync(file, bytes, read, length - read, offset + read);
      return bytes.subarray(0, read);
    } catch (error) {
      if (isCode(error, "EISDIR")) return undefined;
      throw error;
    } finally {
      closeSync(file);
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    const path = this.path(key);
    const bytes = toBytes(body);
    const durable = options.durable !== false;
    mkdirSync(dirname(path), { recursive: true });
    const temp = join(this.temp, `${key.slice(key.lastIndexOf("/") + 1)}${TEMP_MARK}${tempTag}-${(tempCounter++).toString(36)}`);
    const file = this.createTemp(temp);
    try {
      for (let at = 0; at < bytes.byteLength;) at += writeSync(file, bytes, at, bytes.byteLength - at);
      if (durable) fsyncSync(file);
    } catch (error) {
      closeSync(file);
      unlinkQuietly(temp);
      throw error;
    }
    closeSync(file);
    if (options.ifAbsent) {
      try {
        linkSync(temp, path);
      } catch (error) {
        if (!isCode(error, "EEXIST")) throw error;
        const existing = await this.get(key);
        if (!existing || !sameBytes(existing, bytes)) throw new StoreConflictError(this.url, key);
      } finally {
        unlinkQuietly(temp);
      }
    } else {
      try {
        renameSync(temp, path);
      } catch (error) {
        unlinkQuietly(temp);
        throw error;
      }
    }
    if (durable) syncDirectory(dirname(path));
  }

  /** Create a temporary file (and, the first time or if it was removed, its directory). */
  private createTemp(temp: string): number {
    if (!this.tempReady) {
      mkdirSync(this.temp, { recursive: true });
      this.tempReady = true;
    }
    try {
      return openSync(temp, "wx", 0o644);
    } catch (error) {
      if (!isCode(error, "ENOENT")) throw error;
      mkdirSync(this.temp, { recursive: true });
      return openSync(temp, "wx", 0o644);
    }
  }

  async exists(key: string): Promise<boolean> {
    const path = this.path(key);
    try {
      return statSync(path).isFile();
    } catch (error) {
      if (isCode(error, "ENOENT") || isCode(error, "ENOTDIR")) return false;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    // The prefix need not end at a "/": walk the directory holding its last complete segment.
    const slash = prefix.lastIndexOf("/");
    const directory = slash < 0 ? "" : prefix.slice(0, slash);
    const found: string[] = [];
    await walk(directory ? join(this.root, ...directory.split("/")) : this.root, directory, found);
    // TEMP_DIRECTORY is not a key (walk skips it at the root); a leftover old-style temporary
    // file next to its target is skipped by its marker.
    yield* found.filter((k) => k.startsWith(prefix) && !k.includes(TEMP_MARK)).sort(compareKeys);
  }

  async delete(key: string): Promise<void> {
    rmSync(this.path(key), { force: true });
  }
}

/** S3 orders keys by their UTF-8 bytes; do the same so both stores list alike. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

async function walk(path: string, key: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (error) {
    if (isCode(error, "ENOENT") || isCode(error, "ENOTDIR")) return;
    throw error;
  }
  for (const entry of entries) {
    if (!key && entry.name === TEMP_DIRECTORY) continue;
    const child = key ? `${key}/${entry.name}` : entry.name;
    if (entry.isDirectory()) await walk(join(path, entry.name), child, out);
    else if (entry.isFile()) out.push(child);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already renamed or linked away (ENOENT): nothing left behind.
  }
}

/** Make the rename itself durable (the directory entry), where the platform allows it. */
function syncDirectory(path: string): void {
  if (sep !== "/") return;
  const handle = openSync(path, "r");
  try {
    fsyncSync(handle);
  } finally {
    closeSync(handle);
  }
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}
