// Who may read and write which keys of the store bucket: least privilege, derived from the key
// layout of shared/store/layout.ts (each pattern is a `keys` function with "*" for its
// variable parts), so a change of layout changes the grants with it. Nothing deletes.
//
//   Plan      reads the submitted spec and cached results; writes the sweep's files and cells
//   Worker    reads cell definitions and results (cached?); writes results, timings, errors
//   Reduce    reads its slice's rows, their results and errors; writes the slice's partial
//   Aggregate reads the slices and their partials (a damaged one is rebuilt from its rows,
//             results and errors), the few results the report draws, baselines (and the files
//             an older plan wrote instead of slices); writes the report
//   machine   reads the manifest and the slices (ItemReaders); writes map results (ResultWriter) under its prefix
import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { keys } from "../shared/store/layout.js";

/** Baselines the scheduled run (or `dropsweep cloud start --baseline`) compares with. */
const baselinePrefix = "baselines/";

export interface StoreAccess {
  readonly read: readonly string[];
  readonly write: readonly string[];
}

const any = "*";

export function storeAccess(resultPrefix: string): Record<"plan" | "worker" | "reduce" | "aggregate" | "stateMachine", StoreAccess> {
  return {
    plan: {
      read: [keys.spec(any), keys.result(any)],
      write: [
        keys.spec(any),
        keys.resolved(any),
        keys.cells(any),
        keys.manifest(any),
        keys.rows(any),
        keys.slices(any),
        keys.definitions(any),
      ],
    },
    worker: {
      read: [keys.definitions(any), keys.result(any)],
      write: [keys.result(any), keys.timings(any), keys.error(any)],
    },
    reduce: {
      read: [keys.rows(any), keys.result(any), keys.error(any)],
      write: [keys.partial(any, any)],
    },
    aggregate: {
      read: [
        keys.slices(any),
        keys.partial(any, any),
        keys.rows(any),
        // A sweep an older dropsweep planned has no slices: they are built from these.
        keys.resolved(any),
        keys.cells(any),
        keys.manifest(any),
        keys.result(any),
        keys.error(any),
        `${baselinePrefix}*`,
      ],
      write: [keys.report(any, any)],
    },
    stateMachine: {
      read: [keys.manifest(any), keys.slices(any)],
      write: [`${resultPrefix}/*`],
    },
  };
}

/**
 * Statements granting `access` on `bucket`. s3:ListBucket is on the bucket itself: without it
 * S3 answers a read of a missing key with 403 instead of 404, and the store would take a
 * result not computed yet for an outage. It reveals key names, not contents.
 */
export function storeStatements(bucket: s3.IBucket, access: StoreAccess, options: { list?: boolean } = {}): iam.PolicyStatement[] {
  const objects = (patterns: readonly string[]) => patterns.map((p) => bucket.arnForObjects(p));
  const statements = [
    new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: objects(access.read) }),
    new iam.PolicyStatement({ actions: ["s3:PutObject"], resources: objects(access.write) }),
  ];
  if (options.list ?? true) statements.push(new iam.PolicyStatement({ actions: ["s3:ListBucket"], resources: [bucket.bucketArn] }));
  return statements;
}
