// The filesystem store: keys are files under one directory, so a person can browse a sweep.
// Writes are atomic (temporary file in the same directory, fsync, rename); `ifAbsent` uses
// link(2), which fails if the name exists, so the first writer wins even across processes.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { link, mkdir, open, readdir, readFile, rename, rm, unlink } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type { PutOptions, Store } from "./store.js";
import { StoreConflictError, checkKey, sameBytes, toBytes } from "./conflict.js";

/** Temporary files carry this marker; `list` never shows them. */
const TEMP_MARK = ".dropsweep-tmp-";

export class FileStore implements Store {
  readonly url: string;
  constructor(readonly root: string) {
    this.url = pathToFileURL(root).href;
  }

  private path(key: string): string {
    checkKey(key);
    return join(this.root, ...key.split("/"));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.path(key)));
    } catch (error) {
      if (isCode(error, "ENOENT") || isCode(error, "EISDIR")) return undefined;
      throw error;
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    const path = this.path(key);
    const bytes = toBytes(body);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}${TEMP_MARK}${process.pid}-${randomBytes(6).toString("hex")}`;
    const file = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      if (options.ifAbsent) {
        try {
          await link(temp, path);
        } catch (error) {
          if (!isCode(error, "EEXIST")) throw error;
          const existing = await this.get(key);
          if (!existing || !sameBytes(existing, bytes)) throw new StoreConflictError(this.url, key);
        }
      } else {
        await rename(temp, path);
      }
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    await syncDirectory(dirname(path));
  }

  async exists(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async *list(prefix: string): AsyncIterable<string> {
    // The prefix need not end at a "/": walk the directory holding its last complete segment.
    const slash = prefix.lastIndexOf("/");
    const directory = slash < 0 ? "" : prefix.slice(0, slash);
    const found: string[] = [];
    await walk(directory ? join(this.root, ...directory.split("/")) : this.root, directory, found);
    yield* found.filter((k) => k.startsWith(prefix) && !k.includes(TEMP_MARK)).sort(compareKeys);
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
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
    const child = key ? `${key}/${entry.name}` : entry.name;
    if (entry.isDirectory()) await walk(join(path, entry.name), child, out);
    else if (entry.isFile()) out.push(child);
  }
}

/** Make the rename itself durable (the directory entry), where the platform allows it. */
async function syncDirectory(path: string): Promise<void> {
  if (sep !== "/") return;
  const handle = await open(path, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}
