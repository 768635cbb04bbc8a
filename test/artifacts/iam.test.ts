// (c) The bundles under the template's IAM policies, enforced by moto_server: each function runs
// with the credentials of an IAM user holding exactly its role's policies (iam.ts), the state
// machine's own store access (the maps' ItemReaders and ResultWriters) with its role's. Plan,
// Worker, Reduce and Aggregate succeed, the Worker run again finds every cell cached, and reads
// and writes outside a role's policy are refused.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../infra/stack.js";
import { stateNames } from "../../infra/sweepStateMachine.js";
import { type AggregateResult, type WorkerResult } from "../../shared/pipeline/contract.js";
import { keys } from "../../shared/store/layout.js";
import { submitSpec } from "../../shared/pipeline/plan.js";
import { s3ClientConfig } from "../../shared/store/s3.js";
import { startMoto, type Moto } from "../cloud/moto.js";
import { lambdaArtifacts, roles, templateEnvironment, type Role } from "./cdkOut.js";
import { artifactContext } from "./context.js";
import { account, createRoleUsers, enforceIam, type IamUsers } from "./iam.js";
import { FunctionPool } from "./lambda.js";
import { runThroughBundles } from "./pipeline.js";
import { createBucket, region, s3Store, sweepCells, type Credentials } from "./stores.js";

const ctx = artifactContext();
const artifacts = lambdaArtifacts(ctx.template, ctx.cdkOut);
const bucket = "dropsweep-iam";
const stateMachineRoleId = Object.entries(ctx.template.Resources).find(
  ([, r]) => r.Type === "AWS::IAM::Role" && JSON.stringify((r.Properties as any).AssumeRolePolicyDocument).includes("states.amazonaws.com"),
)![0];

let moto: Moto;
let users: IamUsers;

const credentialsOf = (roleId: string): Credentials => {
  const found = users.roles.get(roleId);
  if (!found) throw new Error(`no IAM user for role ${roleId}`);
  return found;
};

/** The S3 error name (AccessDenied...) of a request made with `credentials`, or "ok". */
async function attempt(credentials: Credentials, command: GetObjectCommand | PutObjectCommand): Promise<string> {
  const client = new S3Client(s3ClientConfig({ endpoint: moto.endpoint, region, credentials }));
  try {
    const out = await client.send(command as never);
    if (command instanceof GetObjectCommand)
      await (out as { Body?: { transformToByteArray(): Promise<Uint8Array> } }).Body?.transformToByteArray();
    return "ok";
  } catch (error) {
    return (error as Error).name;
  } finally {
    client.destroy();
  }
}

beforeAll(async () => {
  if (!ctx.moto)
    throw new Error(
      "moto_server is not installed: this test cannot run. The node machine image ships moto 5.2.1 (pip); .ci/run checks for it. Install moto[server] (Python) where the image lacks it.",
    );
  moto = await startMoto();
  users = await createRoleUsers(moto.endpoint, ctx.template, {
    bucket,
    topicArn: `arn:aws:sns:${region}:${account}:dropsweep-regressions`,
  });
  await createBucket(moto.endpoint, bucket, users.admin);
  await enforceIam(moto.endpoint);
});

afterAll(async () => {
  await moto?.stop();
});

describe("(c) the bundles under the template's IAM policies (moto_server, IAM enforced)", () => {
  let sweepId = "";

  it("holds one user per role of the template, each with exactly that role's policies", () => {
    const roleIds = Object.entries(ctx.template.Resources)
      .filter(([, r]) => r.Type === "AWS::IAM::Role")
      .map(([id]) => id);
    expect([...users.roles.keys()].sort()).toEqual(roleIds.sort());
    for (const role of roles)
      expect(Object.keys(users.policies.find((p) => p.roleId === artifacts[role].roleId)!.documents).length).toBeGreaterThan(0);
    // Enforced: unknown credentials are refused.
    return expect(
      attempt({ accessKeyId: "AKIANOBODY", secretAccessKey: "nobody" }, new GetObjectCommand({ Bucket: bucket, Key: "x" })),
    ).resolves.not.toBe("ok");
  });

  it("runs Plan, Worker, Reduce and Aggregate with their roles' credentials; the Worker run again finds every cell cached", async () => {
    const text = readFileSync(join(projectRoot, "test/artifacts/fixtures/representative.yaml"), "utf8");
    // The person starting the sweep (dropsweep cloud start) puts the spec: admin credentials.
    const { event } = await submitSpec(s3Store(moto.endpoint, bucket, users.admin), text);
    const pools = Object.fromEntries(
      roles.map((role) => [
        role,
        new FunctionPool(
          { label: "Node 22 x86-64", node: ctx.nodes.x64 },
          {
            artifact: artifacts[role],
            taskRoot: ctx.bare[role],
            environment: templateEnvironment(artifacts[role], ctx.bare[role], bucket),
            credentials: credentialsOf(artifacts[role].roleId),
            region,
            extra: { DROPSWEEP_S3_ENDPOINT: moto.endpoint },
          },
          role === "worker" ? 2 : 1,
        ),
      ]),
    ) as Record<Role, FunctionPool>;
    try {
      const outcome = await runThroughBundles({
        template: ctx.template,
        artifacts,
        pools,
        input: event,
        store: s3Store(moto.endpoint, bucket, credentialsOf(stateMachineRoleId)),
        concurrency: 2,
      });
      expect(outcome.status, JSON.stringify(outcome.error)).toBe("SUCCEEDED");
      const aggregated = outcome.taskResults.get(stateNames.aggregate) as AggregateResult;
      expect(aggregated.cells).toEqual({ total: 5, computed: 5, cached: 0, failed: 0 });
      sweepId = aggregated.sweepId;
      const admin = s3Store(moto.endpoint, bucket, users.admin);
      const hashes = await sweepCells(admin, sweepId);
      for (const hash of hashes) expect(await admin.exists(keys.result(hash)), hash).toBe(true);
      expect(await admin.exists(aggregated.summaryKey)).toBe(true);

      // The state machine's Worker events again (a redriven or duplicated batch): all cached.
      expect(pools.worker.events.length).toBeGreaterThan(0);
      const again = (await Promise.all(pools.worker.events.map((e) => pools.worker.invoke(e)))) as WorkerResult[];
      expect(again.flatMap((r) => r.computed)).toEqual([]);
      expect(again.flatMap((r) => r.failed)).toEqual([]);
      expect(again.flatMap((r) => r.cached).sort()).toEqual([...hashes].sort());
    } finally {
      await Promise.all(roles.map((role) => pools[role].close()));
    }
  });

  it("refuses reads and writes outside a role's policy (and allows the ones inside it)", async () => {
    expect(sweepId).not.toBe("");
    const worker = credentialsOf(artifacts.worker.roleId);
    const plan = credentialsOf(artifacts.plan.roleId);
    const reduce = credentialsOf(artifacts.reduce.roleId);
    const aggregate = credentialsOf(artifacts.aggregate.roleId);
    const machine = credentialsOf(stateMachineRoleId);
    const [someCell] = await sweepCells(s3Store(moto.endpoint, bucket, users.admin), sweepId);
    const get = (key: string) => new GetObjectCommand({ Bucket: bucket, Key: key });
    const put = (key: string) => new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" });
    // Inside: the Worker reads results, Aggregate reads the resolved sweep, the machine its manifest.
    expect(await attempt(worker, get(keys.result(someCell!)))).toBe("ok");
    expect(await attempt(aggregate, get(keys.resolved(sweepId)))).toBe("ok");
    expect(await attempt(machine, get(keys.manifest(sweepId)))).toBe("ok");
    expect(await attempt(machine, get(keys.slices(sweepId)))).toBe("ok");
    // Reduce reads its slice's rows and results and writes its partial; Aggregate reads partials.
    expect(await attempt(reduce, get(keys.rows(sweepId)))).toBe("ok");
    expect(await attempt(reduce, get(keys.result(someCell!)))).toBe("ok");
    expect(await attempt(aggregate, get(keys.partial(sweepId, 0)))).toBe("ok");
    // Outside: reads.
    expect(await attempt(worker, get(keys.spec(sweepId)))).toBe("AccessDenied");
    expect(await attempt(plan, get(keys.report(sweepId, "summary.json")))).toBe("AccessDenied");
    expect(await attempt(machine, get(keys.result(someCell!)))).toBe("AccessDenied");
    // Outside: writes (no function may replace another's files).
    expect(await attempt(aggregate, put(keys.result(someCell!)))).toBe("AccessDenied");
    expect(await attempt(worker, put(keys.spec(sweepId)))).toBe("AccessDenied");
    expect(await attempt(plan, put(keys.report(sweepId, "summary.json")))).toBe("AccessDenied");
    expect(await attempt(reduce, get(keys.spec(sweepId)))).toBe("AccessDenied");
    expect(await attempt(reduce, put(keys.result(someCell!)))).toBe("AccessDenied");
    expect(await attempt(reduce, put(keys.report(sweepId, "summary.json")))).toBe("AccessDenied");
    expect(await attempt(aggregate, put(keys.partial(sweepId, 0)))).toBe("AccessDenied");
    expect(await attempt(worker, put(keys.partial(sweepId, 0)))).toBe("AccessDenied");
  });
});
