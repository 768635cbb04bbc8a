// The one store interface: a flat key space of immutable-ish objects, implemented by a plain
// directory (the default; a person can browse it) and by S3 (AWS or any S3-compatible endpoint).
// Keys use "/" separators and never start with "/"; see shared/store/layout.ts for the layout.

export interface PutOptions {
  /** Refuse to replace an existing object with different bytes (first writer wins). */
  ifAbsent?: boolean;
  contentType?: string;
  /**
   * false: the write need not survive a power loss (the filesystem store skips fsync). Still
   * atomic. Only for objects that are derived and verified on read, so a lost or damaged one is
   * detected and written again (cell definitions: their name is their hash). @default true
   */
  durable?: boolean;
}

/** One object of a listing. */
export interface ListedObject {
  key: string;
  size: number;
  /**
   * The store's entity tag, without quotes. S3 reports the MD5 (hex) of the bytes of a
   * single-part upload that is not KMS-encrypted; anything else (multipart, KMS) is opaque.
   */
  etag?: string;
}

export interface Store {
  /** The URL this store was opened from (file:///abs/dir or s3://bucket/prefix). */
  readonly url: string;
  /** The S3-compatible endpoint an s3:// store was opened with, when not AWS (the URL does not record it). */
  readonly endpoint?: string;
  /** Bytes of `key`, or undefined when there is no such object. */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Bytes `offset` to `offset + length` (exclusive) of `key`, fewer where the object ends
   * first, or undefined when there is no such object. For reading one record of a bundle (cell
   * definitions, shared/store/layout.ts); the caller verifies what it reads.
   */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined>;
  /** Atomic: a reader sees the old object, the new one, or none; never a partial write. */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Every key under `prefix`, in lexicographic order. */
  list(prefix: string): AsyncIterable<string>;
  /**
   * Like `list`, with sizes and entity tags, where a listing is much cheaper than reading keys
   * one by one (S3: one request lists 1,000 keys). Stores without it are read key by key.
   */
  listObjects?(prefix: string): AsyncIterable<ListedObject>;
  /**
   * Where `key` is for things that address objects directly (the Distributed Map's ItemReader):
   * S3's bucket and object key. Stores without buckets leave it out (`locate` of open.ts).
   */
  objectLocation?(key: string): { bucket: string; key: string };
  delete(key: string): Promise<void>;
}
