// The one dropsweep stack: store bucket, the three handlers, the regression topic, the sweep
// state machine, failure alarms, and the EventBridge schedule that reruns the reproduction
// sweep against a stored baseline. Configured from cdk.json context (infra/stackConfig.ts);
// props win over the context (tests, the local runner). Every cdk-nag suppression sits next to
// the resource it concerns, with its reason.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Annotations, CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as targets from "aws-cdk-lib/aws-scheduler-targets";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as cr from "aws-cdk-lib/custom-resources";
import { acknowledge, acknowledgeResources } from "./nag.js";
import type { Construct } from "constructs";
import { kernelVersion } from "../shared/numerics/engine.js";
import { handlerMetrics, type PlanEvent } from "../shared/pipeline/contract.js";
import { keys } from "../shared/store/layout.js";
import { parseSpec } from "../shared/spec/spec.js";
import { sweepBucketProps } from "./bucketDefaults.js";
import { workerRuntimeFiles } from "./bundling.js";
import { outputNames } from "./names.js";
import { contextPrefix, resolveStackConfig, type StackConfig } from "./stackConfig.js";
import { storeAccess, storeStatements } from "./storeAccess.js";
import { SweepFunction } from "./sweepFunction.js";
import type { SweepMapSettings } from "./sweepSettings.js";
import { SweepStateMachine } from "./sweepStateMachine.js";

/** The project root (this file is infra/stack.ts). */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Handler modules relative to the project root. */
export interface SweepHandlerEntries {
  readonly plan: string;
  readonly worker: string;
  readonly reduce: string;
  readonly aggregate: string;
}

export const defaultHandlerEntries: SweepHandlerEntries = {
  plan: "functions/plan.ts",
  worker: "functions/worker.ts",
  reduce: "functions/reduce.ts",
  aggregate: "functions/aggregate.ts",
};

export { outputNames };

export interface DropsweepStackProps extends StackProps {
  /** Batching, concurrency, tolerated failures, timeouts; win over the context. @default the context's, else defaultStackConfig */
  readonly settings?: Partial<SweepMapSettings>;
  /** Scheduler expression or "off"; wins over dropsweep:schedule. @default the context's */
  readonly schedule?: string;
  /** E-mail address for regression notices and failure alarms; wins over dropsweep:alarmEmail. @default the context's, else none */
  readonly alarmEmail?: string;
  /** Handler modules (tests point these at fixtures). @default defaultHandlerEntries */
  readonly handlers?: Partial<SweepHandlerEntries>;
  /** Project root holding package-lock.json, functions/ and wasm/build/. @default this repository */
  readonly projectRoot?: string;
  /** Overrides merged over sweepBucketDefaults. @default none */
  readonly bucketOverrides?: Partial<s3.BucketProps>;
}

export class DropsweepStack extends Stack {
  readonly config: StackConfig;
  readonly settings: SweepMapSettings;
  readonly bucket: s3.Bucket;
  readonly regressionTopic: sns.Topic;
  readonly functions: { plan: SweepFunction; worker: SweepFunction; reduce: SweepFunction; aggregate: SweepFunction };
  readonly sweep: SweepStateMachine;
  /** The scheduled run's input, when a schedule is on. */
  readonly scheduledRun?: PlanEvent;

  constructor(scope: Construct, id: string, props: DropsweepStackProps = {}) {
    super(scope, id, props);
    const root = props.projectRoot ?? projectRoot;
    const entries = { ...defaultHandlerEntries, ...props.handlers };
    const context = {
      ...this.node.getAllContext(),
      ...(props.schedule !== undefined ? { [`${contextPrefix}schedule`]: props.schedule } : {}),
      ...(props.alarmEmail !== undefined ? { [`${contextPrefix}alarmEmail`]: props.alarmEmail } : {}),
    };
    this.config = resolveStackConfig(context, {
      projectRoot: root,
      kernelVersion,
      ...(props.settings ? { settings: props.settings } : {}),
    });
    this.settings = this.config.settings;
    const access = storeAccess(this.settings.resultPrefix);

    this.bucket = new s3.Bucket(this, "Store", sweepBucketProps(this.settings.resultPrefix, props.bucketOverrides));
    acknowledge(
      this.bucket,
      "AwsSolutions-S1",
      "Only this stack's roles read or write the store (public access blocked, TLS only, no bucket policy grants); every " +
        "write is a pipeline step recorded in the state machine's execution log. An access-log bucket would carry the same finding.",
    );

    // A customer key, not alias/aws/sns: CloudWatch alarms cannot publish to a topic encrypted
    // with the AWS-managed key (its policy cannot grant cloudwatch.amazonaws.com).
    const topicKey = new kms.Key(this, "RegressionsKey", {
      enableKeyRotation: true,
      description: "dropsweep regression and alarm notices",
    });
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: ["*"], // in a key policy "*" means this key
        conditions: { StringEquals: { "aws:SourceAccount": this.account } },
      }),
    );
    this.regressionTopic = new sns.Topic(this, "Regressions", {
      displayName: "dropsweep regressions",
      enforceSSL: true,
      masterKey: topicKey,
    });
    if (this.config.alarmEmail) this.regressionTopic.addSubscription(new subscriptions.EmailSubscription(this.config.alarmEmail));

    const storeEnvironment = { DROPSWEEP_STORE: `s3://${this.bucket.bucketName}` };
    const step = Duration.seconds(this.settings.stepTimeoutSeconds);
    this.functions = {
      plan: new SweepFunction(this, "Plan", { projectRoot: root, entry: entries.plan, timeout: step, environment: storeEnvironment }),
      worker: new SweepFunction(this, "Worker", {
        projectRoot: root,
        entry: entries.worker,
        timeout: Duration.seconds(this.settings.workerTimeoutSeconds),
        // Measured: see measuredWorker in infra/stackConfig.ts.
        memorySize: this.config.workerMemoryMb,
        environment: storeEnvironment,
        runtimeFiles: workerRuntimeFiles,
      }),
      // One slice of results at a time (16 reads in flight, none kept): docs/BENCHMARKS.md "Aggregate at scale".
      reduce: new SweepFunction(this, "Reduce", {
        projectRoot: root,
        entry: entries.reduce,
        timeout: step,
        memorySize: 1024,
        environment: storeEnvironment,
      }),
      aggregate: new SweepFunction(this, "Aggregate", {
        projectRoot: root,
        entry: entries.aggregate,
        timeout: step,
        memorySize: 2048,
        environment: storeEnvironment,
      }),
    };
    for (const role of ["plan", "worker", "reduce", "aggregate"] as const) {
      const fn = this.functions[role];
      for (const statement of storeStatements(this.bucket, access[role])) fn.role.addToPolicy(statement);
      acknowledge(
        fn.function,
        "AwsSolutions-L1",
        "Node 22 is the runtime this project pins and tests (ARCHITECTURE.md); 24 is a deliberate, tested move.",
      );
      acknowledgeResources(
        fn.role,
        "AwsSolutions-IAM5",
        "Object ARNs follow the key patterns of shared/store/layout.ts (infra/storeAccess.ts): the wildcards stand for " +
          "content hashes and sweep ids only, never for a wider prefix.",
        [...access[role].read, ...access[role].write].map((p) => this.bucket.arnForObjects(p)),
      );
      acknowledge(fn.role, "AwsSolutions-IAM5", "X-Ray's PutTraceSegments and PutTelemetryRecords accept no resource but *.", [
        "Resource::*",
      ]);
    }

    this.sweep = new SweepStateMachine(this, "Sweep", {
      plan: this.functions.plan.function,
      worker: this.functions.worker.function,
      reduce: this.functions.reduce.function,
      aggregate: this.functions.aggregate.function,
      bucket: this.bucket,
      regressionTopic: this.regressionTopic,
      regressionTopicKey: topicKey,
      settings: this.settings,
    });
    // On the construct: its Policy and MapRunPolicy sit beside the role, not inside it.
    acknowledgeResources(
      this.sweep,
      "AwsSolutions-IAM5",
      "The manifest and map-result objects are scoped to their key patterns (infra/storeAccess.ts); the Distributed Map " +
        "follows and stops only this machine's own executions (execution:<name>:*, as the AWS documentation prescribes) and redrives " +
        "only its own map runs' children (execution:<name>/*:*, what CDK grants a Distributed Map).",
      [
        ...[...this.sweep.access.read, ...this.sweep.access.write].map((p) => this.bucket.arnForObjects(p)),
        this.sweep.ownExecutionsArn,
        this.sweep.mapRunExecutionsArn,
      ],
    );
    acknowledge(this.sweep, "AwsSolutions-IAM5", "Vended log delivery and X-Ray accept no resource but * (AWS documentation).", [
      "Resource::*",
    ]);

    // Any execution that fails or times out (a regression fails it too, after its notice).
    const alarmAction = new actions.SnsAction(this.regressionTopic);
    const alarms: cloudwatch.Alarm[] = (
      [
        ["ExecutionsFailedAlarm", this.sweep.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: "Sum" })],
        ["ExecutionsTimedOutAlarm", this.sweep.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: "Sum" })],
      ] as const
    ).map(([id, metric]) => {
      const alarm = new cloudwatch.Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: "dropsweep: a sweep execution did not succeed; see the state machine's executions",
      });
      alarm.addAlarmAction(alarmAction);
      return alarm;
    });
    // A claim that fails the strict rule (shared/pipeline/verdict.ts, `dropsweep run --strict`
    // exit 4): Aggregate publishes how many as ClaimsFailing (functions/aggregate.ts, Powertools
    // EMF: shared/pipeline/contract.ts `handlerMetrics`), so a scheduled run is judged by the same rule as a
    // strict local one, and a person is told.
    const claimsFailing = new cloudwatch.Alarm(this, "ClaimsFailingAlarm", {
      metric: new cloudwatch.Metric({
        namespace: handlerMetrics.namespace,
        metricName: handlerMetrics.claimsFailing,
        dimensionsMap: { service: handlerMetrics.service },
        statistic: "Maximum",
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription:
        "dropsweep: a sweep's claims failed (the rule of dropsweep run --strict); see the sweep's report (dropsweep cloud fetch)",
    });
    claimsFailing.addAlarmAction(alarmAction);
    alarms.push(claimsFailing);
    // The topic policy (enforceSSL's TLS Deny) replaces SNS's default policy, which is what lets
    // CloudWatch publish: without this statement the alarms fire and nobody hears. Scoped to
    // these alarms of this account (the confused-deputy conditions of the SNS documentation).
    this.regressionTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "CloudWatchAlarmsPublish",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.regressionTopic.topicArn],
        conditions: {
          StringEquals: { "aws:SourceAccount": this.account },
          ArnLike: { "aws:SourceArn": alarms.map((a) => a.alarmArn) },
        },
      }),
    );
    if (!this.config.alarmEmail)
      Annotations.of(this.regressionTopic).addWarningV2(
        "dropsweep:noAlarmSubscriber",
        "dropsweep:alarmEmail is empty: nobody is subscribed to the regression topic, so regression notices and failure alarms reach no one. " +
          'Deploy with -c dropsweep:alarmEmail=you@example.com, or subscribe to the RegressionTopicArn output (docs/CLOUD.md "Alarms: who is told").',
      );

    if (this.config.schedule) this.scheduledRun = this.schedule(root, this.config.schedule);

    new CfnOutput(this, outputNames.stateMachine, { value: this.sweep.stateMachine.stateMachineArn });
    new CfnOutput(this, outputNames.bucket, { value: this.bucket.bucketName });
    new CfnOutput(this, outputNames.regressionTopic, { value: this.regressionTopic.topicArn });
    new CfnOutput(this, outputNames.baselineKey, { value: this.config.baselineKey });
    if (this.scheduledRun) new CfnOutput(this, outputNames.scheduledSpecKey, { value: this.scheduledRun.specKey });
  }

  /**
   * The reproduction sweep on a schedule: its spec is put where `dropsweep cloud start` would
   * put it (keys.spec of its sweep id, so Plan reads it like any other), and the schedule starts
   * the machine with it and the baseline. A regression publishes a notice and fails the run.
   */
  private schedule(root: string, expression: string): PlanEvent {
    const specPath = isAbsolute(this.config.scheduledSpec) ? this.config.scheduledSpec : join(root, this.config.scheduledSpec);
    const text = readFileSync(specPath, "utf8");
    const sweep = parseSpec(text, { kernelVersion: kernelVersion(), source: this.config.scheduledSpec });
    const specKey = keys.spec(sweep.sweepId);

    // A one-object upload: the spec text travels in the template (a few kB), and the upload
    // may put exactly that key (a BucketDeployment would need read/write/delete on the bucket).
    const upload = new cr.AwsCustomResource(this, "ScheduledSpec", {
      onUpdate: {
        service: "S3",
        action: "putObject",
        parameters: { Bucket: this.bucket.bucketName, Key: specKey, Body: text, ContentType: "application/yaml" },
        physicalResourceId: cr.PhysicalResourceId.of(specKey),
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ["s3:PutObject"], resources: [this.bucket.arnForObjects(specKey)] }),
      ]),
      installLatestAwsSdk: false,
    });
    // CDK's provider for AwsCustomResource (deploy time only): a singleton at the stack's root.
    const provider = this.node.findChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, "")}`);
    acknowledge(
      provider,
      "AwsSolutions-IAM4",
      "CDK's AwsCustomResource provider logs through AWSLambdaBasicExecutionRole; its only other grant is PutObject on the spec's key.",
      ["Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
    );

    const input: PlanEvent = { specKey, baselineKey: this.config.baselineKey };
    const schedule = new scheduler.Schedule(this, "ReproductionSchedule", {
      schedule: scheduler.ScheduleExpression.expression(expression),
      description: `dropsweep: rerun ${this.config.scheduledSpec} against ${this.config.baselineKey}`,
      target: new targets.StepFunctionsStartExecution(this.sweep.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject(input),
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });
    schedule.node.addDependency(upload);
    return input;
  }
}
