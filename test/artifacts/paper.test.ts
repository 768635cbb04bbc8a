// (d) The whole reproduction sweep (sweeps/paper.yaml, 381 cells) through the local runner with
// its three handlers pointed at the cdk.out bundles (Node 22 x86-64 containers, bare
// directories, the template's environment) on an S3-compatible store: every result.json and the
// summary byte-identical to the run from source. (e) Then the scheduled path on moto_server (S3,
// SNS, SQS; IAM enforced): the deployment's spec upload and the Scheduler's target input, run
// through cdk.out's state machine with every cell already in the store (an unchanged rerun),
// Aggregate's check against a stored baseline, and the SNS message as its subscriber receives it.
// Between them, the paper sweep's report.html measured in Chromium at 1400 px as issue 14 asks
// (test/report/measure.ts, the same measurements as the synthetic sweep's in npm test).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  formatProgress,
  localStateMachine,
  renderStateMachine,
  runLocal,
  type LocalProgress,
  type Notice,
} from "../../infra/local/index.js";
import { projectRoot } from "../../infra/stack.js";
import { regressionError, stateNames } from "../../infra/sweepStateMachine.js";
import { type AggregateResult, type PlanResult } from "../../shared/pipeline/contract.js";
import { keys } from "../../shared/store/layout.js";
import { submitSpec } from "../../shared/pipeline/plan.js";
import { directoryUrl, openStore } from "../../shared/store/open.js";
import type { Store } from "../../shared/store/store.js";
import { startMoto, type Moto } from "../cloud/moto.js";
import { startS3rver, type LocalS3 } from "../store/s3rver.js";
import { claims as claimModules } from "../../shared/claims/list.js";
import { chromiumAvailable, chromiumPath, launchChromium } from "../report/browser.js";
import { describeMeasure, exerciseCellsTable, measureReport, readabilityProblems, readingWidth } from "../report/measure.js";
import { lambdaArtifacts, roles, templateEnvironment, type Role } from "./cdkOut.js";
import { artifactContext } from "./context.js";
import { createRoleUsers, enforceIam, type IamUsers } from "./iam.js";
import { FunctionPool } from "./lambda.js";
import { runThroughBundles } from "./pipeline.js";
import { scheduledRun } from "./schedule.js";
import { createBucket, differingResults, region, s3Store, sweepCells, type Credentials } from "./stores.js";

const ctx = artifactContext();
const artifactsDir = resolve("test-artifacts");
const artifacts = lambdaArtifacts(ctx.template, ctx.cdkOut);
const paper = readFileSync(join(projectRoot, "sweeps/paper.yaml"), "utf8");

function progressPrinter(label: string): (p: LocalProgress) => void {
  let last = 0;
  return (p) => {
    if (Date.now() - last < 20_000 && p.phase !== "done") return;
    last = Date.now();
    process.stderr.write(`artifacts (${label}): ${formatProgress(p)}\n`);
  };
}

function pools(bucket: string, credentials: (role: Role) => Credentials, endpoint: string, workers: number): Record<Role, FunctionPool> {
  return Object.fromEntries(
    roles.map((role) => [
      role,
      new FunctionPool(
        { label: "Node 22 x86-64", node: ctx.nodes.x64 },
        {
          artifact: artifacts[role],
          taskRoot: ctx.bare[role],
          environment: templateEnvironment(artifacts[role], ctx.bare[role], bucket),
          credentials: credentials(role),
          region,
          extra: { DROPSWEEP_S3_ENDPOINT: endpoint },
        },
        role === "worker" ? workers : 1,
      ),
    ]),
  ) as Record<Role, FunctionPool>;
}

let s3: LocalS3;
let sourceDir: string;
const paperRun = { sweepId: "", hashes: [] as string[], store: undefined as Store | undefined };

beforeAll(async () => {
  s3 = await startS3rver("dropsweep-paper");
  sourceDir = mkdtempSync(join(tmpdir(), "dropsweep-paper-source-"));
});

afterAll(async () => {
  await s3?.close();
  if (sourceDir) rmSync(sourceDir, { recursive: true, force: true });
});

describe("(d) the paper sweep through the local runner with the cdk.out bundles", () => {
  it("computes all 381 cells through the bundles (Node 22 x86-64, S3-compatible store), byte-identical to the run from source", async () => {
    // The local runner's state machine is cdk.out's.
    expect(renderStateMachine(ctx.template).definition).toEqual(localStateMachine().machine.definition);

    const source = openStore(directoryUrl(sourceDir));
    const submitted = await submitSpec(source, paper);
    const fromSource = await runLocal({
      input: submitted.event,
      storeUrl: directoryUrl(sourceDir),
      store: source,
      concurrency: 2,
      progress: progressPrinter("paper from source"),
    });
    expect(fromSource.status, JSON.stringify(fromSource.error)).toBe("SUCCEEDED");
    expect(fromSource.output!.cells).toEqual({ total: 381, computed: 381, cached: 0, failed: 0 });

    const store = s3Store(s3.endpoint, s3.bucket, s3.credentials);
    const { event } = await submitSpec(store, paper);
    const functions = pools(s3.bucket, () => s3.credentials, s3.endpoint, 2);
    try {
      const run = await runLocal({
        input: event,
        storeUrl: store.url,
        endpoint: s3.endpoint,
        store,
        concurrency: 2,
        handlers: {
          plan: (e) => functions.plan.invoke(e),
          worker: (e) => functions.worker.invoke(e),
          reduce: (e) => functions.reduce.invoke(e),
          aggregate: (e) => functions.aggregate.invoke(e),
        },
        progress: progressPrinter("paper through the bundles"),
      });
      expect(run.status, JSON.stringify(run.error)).toBe("SUCCEEDED");
      expect(run.output!.cells).toEqual({ total: 381, computed: 381, cached: 0, failed: 0 });
      expect(functions.worker.invocations).toBe(Math.ceil(381 / 8));
      for (const [version, arch] of roles.flatMap((role) => functions[role].reported()))
        expect(`${version} ${arch}`).toMatch(/^v22\.\d+\.\d+ x64$/);

      const sweepId = run.plan!.sweepId;
      expect(sweepId).toBe(fromSource.plan!.sweepId);
      const hashes = await sweepCells(store, sweepId);
      expect(hashes).toHaveLength(381);
      expect(await differingResults(hashes, source, store)).toEqual([]);
      const summary = (s: Store) => s.get(keys.report(sweepId, "summary.json")).then((b) => new TextDecoder().decode(b));
      expect(await summary(store)).toBe(await summary(source));
      Object.assign(paperRun, { sweepId, hashes, store });
    } finally {
      await Promise.all(roles.map((role) => functions[role].close()));
    }
  });

  it("writes a report a person reads at 1400 px in Chromium: issue 14's measurements, the fold, filter and sort", async () => {
    expect(paperRun.store, "needs the run above").toBeDefined();
    if (!chromiumAvailable())
      throw new Error(`no Chromium at ${chromiumPath}: this test cannot run (.ci/run installs the chromium package)`);
    // The report the bundles' Aggregate wrote, opened from a file as a reader opens a download.
    const dir = mkdtempSync(join(tmpdir(), "dropsweep-paper-report-"));
    const file = join(dir, "report.html");
    writeFileSync(file, (await paperRun.store!.get(keys.report(paperRun.sweepId, "report.html")))!);
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: readingWidth, height: 900 });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.route(/^(?!file:)/, (route) => route.abort());
      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
      const measured = await measureReport(page);
      process.stderr.write(`artifacts: the paper sweep's report at ${readingWidth} px: ${describeMeasure(measured)}\n`);
      mkdirSync(artifactsDir, { recursive: true });
      await page.screenshot({ path: join(artifactsDir, "paper-report-top.png") });
      for (const plot of measured.plots)
        await page.locator(`#${plot.id}`).screenshot({ path: join(artifactsDir, `paper-report-${plot.id}.png`) });
      expect(readabilityProblems(measured)).toEqual([]);
      // Every plot kind of the claims that apply (all seven claims do in this sweep).
      expect(measured.plots.map((p) => p.id).sort()).toEqual(
        [...new Set(claimModules.flatMap((c) => c.plots.map((p) => `plot-${p.id}`)))].sort(),
      );
      const table = await exerciseCellsTable(page);
      expect(table.rows).toBe(381);
      expect(table.foldedOnLoad).toBe(true);
      expect(table.problems).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("(e) the scheduled path on moto_server: Scheduler input, regression check against the baseline, SNS notice", () => {
  const bucket = "dropsweep-scheduled";
  let moto: Moto;
  let users: IamUsers;
  let topicArn = "";
  let queueUrl = "";
  const admin = () => users.admin;
  const roleCredentials = (roleId: string) => users.roles.get(roleId)!;
  const stateMachineRoleId = Object.entries(ctx.template.Resources).find(
    ([, r]) =>
      r.Type === "AWS::IAM::Role" && JSON.stringify((r.Properties as any).AssumeRolePolicyDocument).includes("states.amazonaws.com"),
  )![0];

  beforeAll(async () => {
    if (!ctx.moto)
      throw new Error(
        "moto_server is not installed: this test cannot run (the node machine image ships moto 5.2.1; .ci/run checks for it)",
      );
    moto = await startMoto();
    const setup = { endpoint: moto.endpoint, region, credentials: { accessKeyId: "setup", secretAccessKey: "setup" } };
    const sns = new SNSClient(setup);
    const sqs = new SQSClient(setup);
    // The topic and a subscriber standing for the person's e-mail (its inbox: an SQS queue).
    topicArn = (await sns.send(new CreateTopicCommand({ Name: "dropsweep-regressions" }))).TopicArn!;
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "inbox" }))).QueueUrl!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }))).Attributes!
      .QueueArn!;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: queueArn }));
    sns.destroy();
    sqs.destroy();
    users = await createRoleUsers(moto.endpoint, ctx.template, { bucket, topicArn });
    await createBucket(moto.endpoint, bucket, users.admin);
    await enforceIam(moto.endpoint);
  });

  afterAll(async () => {
    await moto?.stop();
  });

  async function inbox(): Promise<{ Subject?: string; Message: string; TopicArn: string }[]> {
    const sqs = new SQSClient({ endpoint: moto.endpoint, region, credentials: admin() });
    try {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      return (Messages ?? []).map((m) => JSON.parse(m.Body!));
    } finally {
      sqs.destroy();
    }
  }

  /** The scheduled execution: cdk.out's machine, the bundles with their roles' keys, SNS through the machine's role. */
  async function scheduledExecution(input: unknown) {
    const functions = pools(bucket, (role) => roleCredentials(artifacts[role].roleId), moto.endpoint, 1);
    const sns = new SNSClient({ endpoint: moto.endpoint, region, credentials: roleCredentials(stateMachineRoleId) });
    const topicPlaceholder = renderStateMachine(ctx.template).definition.States[stateNames.notify]!.Parameters as { TopicArn: string };
    try {
      const outcome = await runThroughBundles({
        template: ctx.template,
        artifacts,
        pools: functions,
        input,
        store: s3Store(moto.endpoint, bucket, roleCredentials(stateMachineRoleId)),
        concurrency: 2,
        notify: async (notice: Notice) => {
          // The Task's parameters, published to the topic that stands for the template's.
          expect(notice.topicArn).toBe(topicPlaceholder.TopicArn);
          await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: notice.subject, Message: String(notice.message) }));
        },
      });
      return { outcome, functions };
    } finally {
      sns.destroy();
      await Promise.all(roles.map((role) => functions[role].close()));
    }
  }

  it("reruns the scheduled sweep from the Scheduler's input: nothing to compute, no regression against its own baseline, nobody notified", async () => {
    expect(paperRun.store, "needs (d)'s results").toBeDefined();
    const scheduled = scheduledRun(ctx.template, bucket);
    expect(scheduled.stateMachineId).toBe(renderStateMachine(ctx.template).logicalId);
    // Deployment: the custom resource's upload, with its role's grant (that one key).
    const uploader = [...users.policies].find((p) =>
      Object.values(p.documents).some((d) => JSON.stringify(d).includes(scheduled.upload.Key)),
    )!;
    await s3Store(moto.endpoint, bucket, roleCredentials(uploader.roleId)).put(
      scheduled.upload.Key,
      new TextEncoder().encode(scheduled.upload.Body),
    );
    // A previous run's results, and its summary promoted to the baseline (docs/CLOUD.md).
    const store = s3Store(moto.endpoint, bucket, admin());
    for (const hash of paperRun.hashes) await store.put(keys.result(hash), (await paperRun.store!.get(keys.result(hash)))!);
    const summary = JSON.parse(new TextDecoder().decode(await paperRun.store!.get(keys.report(paperRun.sweepId, "summary.json"))));
    await store.put(scheduled.input.baselineKey!, new TextEncoder().encode(JSON.stringify(summary)));

    const { outcome, functions } = await scheduledExecution(scheduled.input);
    expect(outcome.status, JSON.stringify(outcome.error)).toBe("SUCCEEDED");
    const planned = outcome.taskResults.get(stateNames.plan) as PlanResult;
    expect(planned).toMatchObject({
      sweepId: paperRun.sweepId,
      total: 381,
      cached: 381,
      pending: 0,
      baselineKey: scheduled.input.baselineKey,
    });
    expect(functions.worker.events).toEqual([]);
    expect(outcome.taskResults.get(stateNames.aggregate)).toMatchObject({
      regressions: 0,
      cells: { total: 381, computed: 0, cached: 381, failed: 0 },
    });
    expect(await inbox()).toEqual([]);
  });

  it("against a baseline one cell differs from: notifies the subscriber with a message a person can act on, and fails the run", async () => {
    const scheduled = scheduledRun(ctx.template, bucket);
    const store = s3Store(moto.endpoint, bucket, admin());
    const baseline = JSON.parse(new TextDecoder().decode(await paperRun.store!.get(keys.report(paperRun.sweepId, "summary.json"))));
    // A rank claim 5 judges and does not accept either way (the comparison skips the others).
    const claim5 = baseline.claims.find((c: { id: string }) => c.id === "5") as { hashes: string[]; unresolved: string[] };
    const judged = new Set(claim5.hashes.filter((h) => !claim5.unresolved.includes(h)));
    const row = baseline.rows.find((r: { hash: string; learnedRank?: number }) => typeof r.learnedRank === "number" && judged.has(r.hash));
    row.learnedRank += 1;
    await store.put(scheduled.input.baselineKey!, new TextEncoder().encode(JSON.stringify(baseline)));

    const { outcome } = await scheduledExecution(scheduled.input);
    expect(outcome.status).toBe("FAILED");
    expect(outcome.error?.name).toBe(regressionError);
    const aggregated = outcome.taskResults.get(stateNames.aggregate) as AggregateResult;
    expect(aggregated.regressions).toBe(1);

    // Only the state machine's role may publish (the Worker's is refused).
    const workerSns = new SNSClient({ endpoint: moto.endpoint, region, credentials: roleCredentials(artifacts.worker.roleId) });
    await expect(workerSns.send(new PublishCommand({ TopicArn: topicArn, Message: "x" }))).rejects.toMatchObject({ name: "AccessDenied" });
    workerSns.destroy();

    const messages = await inbox();
    expect(messages).toHaveLength(1);
    const [mail] = messages;
    process.stderr.write(`artifacts: the subscriber receives\n  Subject: ${mail!.Subject}\n  ${mail!.Message}\n`);
    expect(mail!.TopicArn).toBe(topicArn);
    expect(mail!.Subject).toBe("dropsweep: regression against the baseline");
    expect(mail!.Message).toBe(
      `dropsweep: sweep ${paperRun.sweepId} has 1 regression(s) against its baseline, listed in its report ` +
        `s3://${bucket}/sweeps/${paperRun.sweepId}/report/report.html (summary.json beside it). ` +
        `Download both with: npx dropsweep cloud fetch ${paperRun.sweepId} --stack <your stack>`,
    );
    // What the message points at is there, and names the change.
    const report = new TextDecoder().decode(await store.get(keys.report(paperRun.sweepId, "report.md")));
    expect(report).toContain(`cell ${row.hash.slice(0, 12)}: learnedRank ${row.learnedRank} → ${row.learnedRank - 1}`);
    expect(await store.exists(keys.report(paperRun.sweepId, "report.html"))).toBe(true);
  });
});
