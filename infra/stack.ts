// The one dropsweep stack: store bucket, the three handlers, the regression topic and the
// sweep state machine. Parametrised by props so scheduling (EventBridge Scheduler), cdk-nag,
// alarms and tighter IAM can be layered on without changing what is here.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type { Construct } from "constructs";
import { sweepBucketProps } from "./bucketDefaults.js";
import { SweepFunction } from "./sweepFunction.js";
import { resolveSweepMapSettings, type SweepMapSettings } from "./sweepSettings.js";
import { SweepStateMachine } from "./sweepStateMachine.js";

/** The project root (this file is infra/stack.ts). */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Handler modules relative to the project root. */
export interface SweepHandlerEntries {
  readonly plan: string;
  readonly worker: string;
  readonly aggregate: string;
}

export const defaultHandlerEntries: SweepHandlerEntries = {
  plan: "functions/plan.ts",
  worker: "functions/worker.ts",
  aggregate: "functions/aggregate.ts",
};

export interface DropsweepStackProps extends StackProps {
  /** Batching, concurrency, tolerated failures, timeouts. @default defaultSweepMapSettings */
  readonly settings?: Partial<SweepMapSettings>;
  /** Handler modules (tests point these at fixtures). @default defaultHandlerEntries */
  readonly handlers?: Partial<SweepHandlerEntries>;
  /** Project root holding package-lock.json, functions/ and wasm/build/. @default this repository */
  readonly projectRoot?: string;
  /** Overrides merged over sweepBucketDefaults. @default none */
  readonly bucketOverrides?: Partial<s3.BucketProps>;
  /** E-mail address subscribed to regression notices. @default no subscription */
  readonly regressionEmail?: string;
}

export class DropsweepStack extends Stack {
  readonly settings: SweepMapSettings;
  readonly bucket: s3.Bucket;
  readonly regressionTopic: sns.Topic;
  readonly functions: { plan: SweepFunction; worker: SweepFunction; aggregate: SweepFunction };
  readonly sweep: SweepStateMachine;

  constructor(scope: Construct, id: string, props: DropsweepStackProps = {}) {
    super(scope, id, props);
    this.settings = resolveSweepMapSettings(props.settings);
    const root = props.projectRoot ?? projectRoot;
    const entries = { ...defaultHandlerEntries, ...props.handlers };

    this.bucket = new s3.Bucket(this, "Store", sweepBucketProps(this.settings.resultPrefix, props.bucketOverrides));

    this.regressionTopic = new sns.Topic(this, "Regressions", {
      displayName: "dropsweep regressions",
      enforceSSL: true,
      // The AWS-managed key: encryption at rest without a customer key to administer.
      masterKey: kms.Alias.fromAliasName(this, "SnsKey", "alias/aws/sns"),
    });
    if (props.regressionEmail) {
      this.regressionTopic.addSubscription(new subscriptions.EmailSubscription(props.regressionEmail));
    }

    const storeEnvironment = { DROPSWEEP_STORE: `s3://${this.bucket.bucketName}` };
    const step = Duration.seconds(this.settings.stepTimeoutSeconds);
    this.functions = {
      plan: new SweepFunction(this, "Plan", { projectRoot: root, entry: entries.plan, timeout: step, environment: storeEnvironment }),
      worker: new SweepFunction(this, "Worker", {
        projectRoot: root,
        entry: entries.worker,
        timeout: Duration.seconds(this.settings.workerTimeoutSeconds),
        // 1769 MB is one full vCPU: the wasm kernels are single-threaded and CPU-bound.
        memorySize: 1769,
        environment: storeEnvironment,
      }),
      aggregate: new SweepFunction(this, "Aggregate", { projectRoot: root, entry: entries.aggregate, timeout: step, memorySize: 2048, environment: storeEnvironment }),
    };

    // Least privilege: Plan reads the spec and cached results and writes the sweep's files;
    // Workers read cells and write results; Aggregate reads results and writes the report.
    // Nothing in the pipeline deletes: read and put only.
    for (const { function: fn } of Object.values(this.functions)) {
      this.bucket.grantRead(fn);
      this.bucket.grantPut(fn);
    }

    this.sweep = new SweepStateMachine(this, "Sweep", {
      plan: this.functions.plan.function,
      worker: this.functions.worker.function,
      aggregate: this.functions.aggregate.function,
      bucket: this.bucket,
      regressionTopic: this.regressionTopic,
      settings: this.settings,
    });

    new CfnOutput(this, "StateMachineArn", { value: this.sweep.stateMachine.stateMachineArn });
    new CfnOutput(this, "BucketName", { value: this.bucket.bucketName });
    new CfnOutput(this, "RegressionTopicArn", { value: this.regressionTopic.topicArn });
  }
}
