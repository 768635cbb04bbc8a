// Safe defaults for the sweep bucket as a pure function merged with overrides; the stack only
// wires (STYLE.md, aws-solutions-constructs core/lib/s3-bucket-defaults.ts).
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import { keys } from "../shared/store/layout.js";

/** The top-level folder of a key of the layout (`definitions/`, `partials/`). */
const folderOf = (key: string) => key.slice(0, key.indexOf("/") + 1);
const definitionsPrefix = folderOf(keys.definitions(""));
const partialsPrefix = folderOf(keys.partial("", ""));

/** `resultPrefix`: where the Distributed Map writes its result manifests (SweepMapSettings). */
function sweepBucketDefaults(resultPrefix: string): s3.BucketProps {
  return {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    // Results are content-addressed and rewritten with the same bytes; old versions are noise.
    lifecycleRules: [
      { id: "expire-noncurrent", noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7) },
      // The Distributed Map's result manifests are only read by Aggregate in the same run.
      { id: "expire-map-runs", prefix: `${resultPrefix}/`, expiration: Duration.days(30) },
      // Definitions bundles are derived and rewritten by every plan that needs them; one not
      // planned again for 90 days belongs to a finished sweep (a later redrive of it is told to
      // plan again).
      { id: "expire-definitions", prefix: definitionsPrefix, expiration: Duration.days(90) },
      // Partials are rebuilt by every run's Reduce map and read by its Aggregate (a missing one
      // is rebuilt from its slice's results).
      { id: "expire-partials", prefix: partialsPrefix, expiration: Duration.days(30) },
    ],
    // Sweep results are the product: keep them when the stack goes.
    removalPolicy: RemovalPolicy.RETAIN,
  };
}

/** Defaults with `overrides` on top (overrides win field by field). */
export function sweepBucketProps(resultPrefix: string, overrides: Partial<s3.BucketProps> = {}): s3.BucketProps {
  return { ...sweepBucketDefaults(resultPrefix), ...overrides };
}
