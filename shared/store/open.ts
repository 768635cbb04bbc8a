// Open the store a URL names: file:///abs/dir (or a plain path) -> FileStore, s3://bucket/prefix
// -> S3Store. Handlers read the URL from DROPSWEEP_STORE and the endpoint from
// DROPSWEEP_S3_ENDPOINT; the CLI from --out/--store/--endpoint.
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { UsageError } from "../errors.js";
import { FileStore } from "./fs.js";
import { S3Store, type S3StoreOptions } from "./s3.js";
import type { Store } from "./store.js";

export type OpenStoreOptions = S3StoreOptions;

export function openStore(url: string, options: OpenStoreOptions = {}): Store {
  if (url.startsWith("s3://")) {
    const rest = url.slice("s3://".length);
    const slash = rest.indexOf("/");
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
      throw new UsageError(`store ${url}: expected s3://BUCKET[/PREFIX] with a valid bucket name, got bucket "${bucket}"`);
    return new S3Store(bucket, slash < 0 ? "" : rest.slice(slash + 1), options);
  }
  if (options.endpoint) throw new UsageError(`store ${url}: an S3 endpoint applies only to s3:// stores`);
  if (url.startsWith("file://")) {
    // file://relative/dir reads "relative" as a host name: refused like any malformed URL.
    let path: string;
    try {
      path = fileURLToPath(url);
    } catch {
      throw new UsageError(badUrl(url));
    }
    return directoryStore(path);
  }
  // Any other scheme (including a mistyped "s3:/bucket") is refused rather than taken as a
  // directory name, so a typo never sends results somewhere the user did not mean.
  if (/^[a-z][a-z0-9+.-]+:/i.test(url)) throw new UsageError(badUrl(url));
  return directoryStore(resolve(url));
}

function badUrl(url: string): string {
  return `store ${url}: expected a file:///absolute/dir URL, an s3://bucket/prefix URL or a directory`;
}

function directoryStore(path: string): FileStore {
  let isDirectory = true;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // Not there yet: the store creates it on its first write.
  }
  if (!isDirectory) throw new UsageError(`store ${path}: is a file, expected a directory`);
  return new FileStore(path);
}

/** A directory as a store URL (`--out runs/` -> file:///abs/runs). */
export function directoryUrl(path: string): string {
  return pathToFileURL(resolve(path)).href;
}

/**
 * Where a key is, for things that address objects directly (the Distributed Map's ItemReader):
 * the bucket and full object key for S3; for a directory, its URL as `bucket` and the key.
 */
export function locate(store: Store, key: string): { bucket: string; key: string } {
  return store.objectLocation?.(key) ?? { bucket: store.url, key };
}
