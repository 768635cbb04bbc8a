// The reference of the bundle comparison (bundles.test.ts): a spec run from source through the
// local runner with its own handlers, into a directory store, on whatever Node runs this file.
// The suite runs it with the pinned Node 20 x86-64 (lambdaNode.ts `referenceNodePackage`):
//   node --import tsx test/artifacts/sourceReference.ts SPEC.yaml STORE_DIR
// and reads one JSON line from stdout: the Node that ran it, the run's status, the sweep id and
// the cell counts.
import { readFileSync } from "node:fs";
import { runLocal } from "../../infra/local/index.js";
import { submitSpec } from "../../shared/pipeline/plan.js";
import { directoryUrl, openStore } from "../../shared/store/open.js";

export interface ReferenceRun {
  node: string;
  arch: string;
  status: string;
  error: unknown;
  sweepId: string | null;
  cells: unknown;
}

const [specPath, directory] = process.argv.slice(2);
if (!specPath || !directory) throw new Error("usage: node --import tsx test/artifacts/sourceReference.ts SPEC.yaml STORE_DIR");
const store = openStore(directoryUrl(directory));
const { event } = await submitSpec(store, readFileSync(specPath, "utf8"));
const run = await runLocal({ input: event, storeUrl: directoryUrl(directory), store, concurrency: 2 });
const reference: ReferenceRun = {
  node: process.version,
  arch: process.arch,
  status: run.status,
  error: run.error ?? null,
  sweepId: run.plan?.sweepId ?? null,
  cells: run.output?.cells ?? null,
};
process.stdout.write(`${JSON.stringify(reference)}\n`);
