// The S3 store: AWS or any S3-compatible endpoint. Keys live under the URL's prefix
// (s3://bucket/prefix/<key>). PutObject is atomic by itself; `ifAbsent` is a conditional write
// (If-None-Match: *), which AWS enforces and some S3-compatible servers (s3rver) ignore.
// Requests are retried by the AWS SDK alone (S3_MAX_ATTEMPTS, its standard strategy): the one
// retry layer of this hop (docs/GUARANTEES.md "Fault tolerance").
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import type { ListedObject, PutOptions, Store } from "./store.js";
import { StoreConflictError, checkKey, sameBytes, toBytes } from "./conflict.js";

export interface S3StoreOptions {
  /** An S3-compatible endpoint (http://127.0.0.1:4568); path-style addressing is used with it. */
  endpoint?: string;
  region?: string;
  credentials?: S3ClientConfig["credentials"];
  /** Use this client instead of creating one (its configuration is then the caller's). */
  client?: S3Client;
}

/**
 * Attempts per S3 request, the first included, by the SDK's standard retry strategy
 * (throttling, 5xx, timeouts, dropped connections; exponential backoff with full jitter from
 * 100 ms, 500 ms when throttled; a retry quota per client). More than the SDK's default of 3:
 * the only retry above it is the Worker Task's (5 attempts of a whole batch, seconds apart).
 */
export const S3_MAX_ATTEMPTS = 5;

export function s3ClientConfig(options: S3StoreOptions): S3ClientConfig {
  return {
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
    maxAttempts: S3_MAX_ATTEMPTS,
    retryMode: "standard",
    // Checksums only when an operation requires them: otherwise uploads are sent with
    // aws-chunked framing, which S3-compatible servers such as s3rver store verbatim (silent
    // corruption, ARCHITECTURE.md "Pitfalls"). AWS itself accepts either.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
}

export class S3Store implements Store {
  readonly url: string;
  readonly endpoint?: string;
  readonly client: S3Client;
  private readonly prefix: string;

  constructor(
    readonly bucket: string,
    prefix: string,
    options: S3StoreOptions = {},
  ) {
    this.prefix = prefix.replace(/^\/+|\/+$/g, "");
    this.url = `s3://${bucket}${this.prefix ? `/${this.prefix}` : ""}`;
    if (options.endpoint) this.endpoint = options.endpoint;
    this.client = options.client ?? new S3Client(s3ClientConfig(options));
  }

  /** The object key in the bucket for a store key. */
  objectKey(key: string): string {
    checkKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  objectLocation(key: string): { bucket: string; key: string } {
    return { bucket: this.bucket, key: this.objectKey(key) };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    if (length <= 0) return (await this.exists(key)) ? new Uint8Array() : undefined;
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Range: `bytes=${offset}-${offset + length - 1}` }),
      );
      const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      if (bytes.byteLength <= length) return bytes;
      // More than asked: the server ignored the range, or widened it (s3rver sends the whole
      // object for "bytes=0-0"). Cut the range out of what came, from where it starts.
      const start = Number(/^bytes (\d+)-/.exec(out.ContentRange ?? "")?.[1] ?? 0);
      return bytes.slice(offset - start, offset - start + length);
    } catch (error) {
      if (isMissing(error)) return undefined;
      // 416: the range starts past the end of the object.
      if (httpStatus(error) === 416) return new Uint8Array();
      throw error;
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    const bytes = toBytes(body);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Body: bytes,
          ContentLength: bytes.byteLength,
          ...(options.contentType ? { ContentType: options.contentType } : {}),
          ...(options.ifAbsent ? { IfNoneMatch: "*" } : {}),
        }),
      );
    } catch (error) {
      // 412: the object exists; 409: a concurrent conditional write is in flight. Either way the
      // first writer wins, and writing the same bytes again is not a conflict.
      const status = httpStatus(error);
      if (!options.ifAbsent || (status !== 412 && status !== 409)) throw error;
      const existing = await this.get(key);
      if (!existing || !sameBytes(existing, bytes)) throw new StoreConflictError(this.url, key);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    for await (const object of this.listObjects(prefix)) yield object.key;
  }

  async *listObjects(prefix: string): AsyncIterable<ListedObject> {
    const full = this.prefix ? `${this.prefix}/${prefix}` : prefix;
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key) continue;
        const etag = object.ETag?.replace(/^"|"$/g, "");
        yield { key: object.Key.slice(strip), size: object.Size ?? 0, ...(etag ? { etag } : {}) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function isMissing(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === "NoSuchKey" || name === "NotFound" || httpStatus(error) === 404;
}
