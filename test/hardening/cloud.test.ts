// The cloud side of "nothing lost": state payloads stay small whatever the sweep's size (items
// are references), an execution is named after its sweep (a duplicate start is refused by Step
// Functions), a result write never replaces a different result (first writer wins, on the
// filesystem and on S3), and the template keeps the Worker to least privilege.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noopSpec, runNoopSweep } from "../../bench/load.js";
import { executionName } from "../../cli/commands/cloud/stack.js";
import { renderStateMachine } from "../../infra/local/render.js";
import { stateNames } from "../../infra/sweepStateMachine.js";
import { synthStack, type CfnTemplate } from "../../infra/synth.js";
import { keys } from "../../shared/store/layout.js";
import { emptyMetrics } from "../../shared/results/metrics.js";
import { RESULT_FORMAT, ResultConflictError, openResult, sealResult, writeResult, type CellResult } from "../../shared/results/result.js";
import { parseSpec } from "../../shared/spec/spec.js";
import { FileStore } from "../../shared/store/fs.js";
import { S3Store, s3ClientConfig } from "../../shared/store/s3.js";
import type { Store } from "../../shared/store/store.js";
import { startS3rver, type LocalS3 } from "../store/s3rver.js";

const root = mkdtempSync(join(tmpdir(), "dropsweep-cloud-"));
let s3: LocalS3;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await s3?.close();
});

describe("state payloads", () => {
  it("stay far below 256 KiB and do not grow with the sweep (measured on every Task of local runs of 40 and 800 cells)", async () => {
    const small = await runNoopSweep(join(root, "small"), 40, { concurrency: 2 });
    const large = await runNoopSweep(join(root, "large"), 800, { concurrency: 2 });
    for (const { run } of [small, large]) {
      expect(run.status).toBe("SUCCEEDED");
      expect([...run.payloadSizes.keys()].sort()).toEqual(
        [stateNames.aggregate, stateNames.plan, stateNames.reduce, stateNames.worker].sort(),
      );
    }
    expect(large.run.output?.cells).toMatchObject({ total: 800, computed: 800, failed: 0 });
    for (const [state, sizes] of large.run.payloadSizes) {
      // 256 KiB is the limit; references only keep every payload under 4 KiB at the default batch
      // of 8 (a Worker's input is ~200 bytes a cell).
      expect(sizes.input, state).toBeLessThan(4096);
      expect(sizes.output, state).toBeLessThan(4096);
      // 20 times the cells: at most a few more digits in counts.
      const before = small.run.payloadSizes.get(state)!;
      expect(sizes.input - before.input, state).toBeLessThan(32);
      expect(sizes.output - before.output, state).toBeLessThan(32);
    }
  });
});

describe("execution names", () => {
  it("derive from the sweep id: the same spec always names the same execution, so a second start is refused", () => {
    const a = parseSpec(noopSpec("names", 3), { kernelVersion: 1 });
    const again = parseSpec(`# a comment changes nothing\n${noopSpec("names", 3)}`, { kernelVersion: 1 });
    const other = parseSpec(noopSpec("names", 4), { kernelVersion: 1 });
    expect(executionName(a.sweepId)).toBe(executionName(again.sweepId));
    expect(executionName(a.sweepId)).not.toBe(executionName(other.sweepId));
    // Step Functions: 1 to 80 characters of letters, digits, - and _.
    for (const name of [executionName(a.sweepId), executionName(a.sweepId, 2), executionName(a.sweepId, 99)])
      expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(executionName(a.sweepId, 2)).not.toBe(executionName(a.sweepId));
    expect(executionName(a.sweepId)).toContain(a.sweepId);
  });
});

/** S3 enforces If-None-Match: *; s3rver does not, so enforce it in the client as S3 would. */
function enforcingClient(bucket: string): S3Client {
  const client = new S3Client(s3ClientConfig({ endpoint: s3.endpoint, credentials: s3.credentials }));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string; IfNoneMatch?: string };
      if (context.commandName === "PutObjectCommand" && input.IfNoneMatch === "*") {
        const exists = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: input.Key! })).then(
          () => true,
          () => false,
        );
        if (exists)
          throw Object.assign(new Error("PreconditionFailed"), { name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });
      }
      return next(args);
    },
    { step: "initialize", name: "enforceIfNoneMatch" },
  );
  return client;
}

describe.each<[string, () => Store]>([
  ["filesystem", () => new FileStore(join(root, `fs-${Math.random()}`))],
  ["s3 (s3rver)", () => new S3Store(s3.bucket, `p-${Math.random().toString(36).slice(2)}`, { client: enforcingClient(s3.bucket) })],
])("result writes on the %s store", (_name, make) => {
  const hash = "ab".repeat(32);
  const result = (checksum: number): CellResult => ({
    format: RESULT_FORMAT,
    hash,
    kernelVersion: 1,
    cell: { experiment: "noop", seed: 0, work: { iterations: 1, fail: false } } as unknown as CellResult["cell"],
    status: "ok",
    metrics: { ...emptyMetrics(), checksum },
    spectra: {},
    curves: {},
  });
  const stored = async (store: Store) => new TextDecoder().decode(await store.get(keys.result(hash)));

  it("first writer wins: the same bytes again are fine, a different result is refused and the first kept", async () => {
    const store = make();
    await writeResult(store, result(1));
    await writeResult(store, result(1));
    await expect(writeResult(store, result(2))).rejects.toBeInstanceOf(ResultConflictError);
    expect(await stored(store)).toBe(sealResult(result(1)));
  });

  it("concurrent writers of one cell (a retry racing a timed-out attempt) leave one valid result", async () => {
    const store = make();
    await Promise.all(Array.from({ length: 6 }, () => writeResult(store, result(3))));
    const bytes = (await store.get(keys.result(hash)))!;
    expect(openResult(hash, bytes).state).toBe("valid");
    expect(new TextDecoder().decode(bytes)).toBe(sealResult(result(3)));
  });

  it("a corrupt object in the way is replaced, never kept", async () => {
    const store = make();
    await store.put(keys.result(hash), sealResult(result(4)).slice(0, 50));
    await writeResult(store, result(4));
    expect(await stored(store)).toBe(sealResult(result(4)));
  });
});

describe("least privilege for the Worker (template)", () => {
  let template: CfnTemplate;
  beforeAll(() => {
    ({ template } = synthStack({ schedule: true, context: { "dropsweep:scheduledSpec": "sweeps/smoke.yaml" } }));
  });
  const documents = (filter: (id: string) => boolean) =>
    Object.entries(template.Resources)
      .filter(([id, r]) => filter(id) && (r.Type === "AWS::IAM::Policy" || r.Type === "AWS::IAM::Role"))
      .flatMap(([, r]) => [
        (r.Properties as any).PolicyDocument,
        ...((r.Properties as any).Policies ?? []).map((p: any) => p.PolicyDocument),
      ])
      .filter(Boolean);
  const actionsOf = (filter: (id: string) => boolean): string[] =>
    documents(filter).flatMap((d: any) => d.Statement.filter((s: any) => s.Effect === "Allow").flatMap((s: any) => [s.Action].flat()));
  const workerRole = () =>
    Object.keys(template.Resources).find((id) => id.startsWith("WorkerRole") && template.Resources[id]!.Type === "AWS::IAM::Role")!;

  it("no role can delete or re-permission objects, or touch IAM: a stored result can only be added", () => {
    const actions = actionsOf(() => true);
    expect(actions.length).toBeGreaterThan(10);
    for (const action of actions)
      expect(action, action).not.toMatch(
        /^s3:(Delete|PutObjectAcl|PutBucket|PutLifecycle|PutObjectVersion|BypassGovernance)|^iam:|^kms:Disable|^kms:ScheduleKeyDeletion/,
      );
  });

  it("the Worker can call nothing but the store, its logs and X-Ray: no Lambda, Step Functions, SNS", () => {
    const role = workerRole();
    expect(role).toBeDefined();
    const policies = Object.entries(template.Resources).filter(
      ([, r]) => r.Type === "AWS::IAM::Policy" && JSON.stringify((r.Properties as any).Roles ?? []).includes(role),
    );
    const actions = [
      ...actionsOf((id) => id === role),
      ...policies.flatMap(([, r]) => (r.Properties as any).PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat())),
    ];
    expect(actions.length).toBeGreaterThan(3);
    for (const action of actions)
      expect(action, action).toMatch(
        /^(s3:(GetObject|PutObject|ListBucket)|logs:(CreateLogStream|PutLogEvents)|xray:(PutTraceSegments|PutTelemetryRecords)|kms:(Decrypt|GenerateDataKey\*?|Encrypt|ReEncrypt\*?))$/,
      );
  });

  it("a timed-out Worker Task cannot outlive its Lambda by much: the function's timeout is at most the Task's", () => {
    const workerFn = Object.entries(template.Resources).find(([id, r]) => r.Type === "AWS::Lambda::Function" && id.startsWith("Worker"))!;
    const fnTimeout = (workerFn[1].Properties as any).Timeout as number;
    const { definition } = renderStateMachine(template);
    const task = (definition.States[stateNames.cells] as any).ItemProcessor.States[stateNames.worker];
    expect(typeof task.TimeoutSeconds).toBe("number");
    expect(fnTimeout).toBeGreaterThan(0);
    expect(fnTimeout).toBeLessThanOrEqual(task.TimeoutSeconds);
  });
});
