// Stores the artifact tests read and write from the test process: S3 buckets of an
// S3-compatible server (s3rver, moto_server) with explicit credentials, and byte comparisons
// of the results two runs wrote.
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { keys } from "../../shared/store/layout.js";
import { S3Store, s3ClientConfig } from "../../shared/store/s3.js";
import type { Store } from "../../shared/store/store.js";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export const region = "us-east-1";

export function s3Store(endpoint: string, bucket: string, credentials: Credentials): S3Store {
  return new S3Store(bucket, "", { endpoint, region, credentials });
}

export async function createBucket(endpoint: string, bucket: string, credentials: Credentials): Promise<void> {
  const client = new S3Client(s3ClientConfig({ endpoint, region, credentials }));
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

/** The cells of a sweep (cells.jsonl), in grid order. */
export async function sweepCells(store: Store, sweepId: string): Promise<string[]> {
  const text = new TextDecoder().decode(await store.get(keys.cells(sweepId)));
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { hash: string }).hash);
}

/** Cells whose result.json differs between two stores (missing on either side counts). */
export async function differingResults(hashes: readonly string[], a: Store, b: Store): Promise<string[]> {
  const differing: string[] = [];
  for (const hash of hashes) {
    const [x, y] = await Promise.all([a.get(keys.result(hash)).catch(() => undefined), b.get(keys.result(hash)).catch(() => undefined)]);
    if (!x || !y || Buffer.compare(Buffer.from(x), Buffer.from(y)) !== 0) differing.push(hash);
  }
  return differing;
}
