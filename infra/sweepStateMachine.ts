// The sweep state machine: Plan -> (pending > 0 ?) DistributedMap(Worker) -> DistributedMap(Reduce)
// -> Aggregate -> regression check (regressions > 0 -> SNS publish -> Fail; else Succeed). The
// same definition runs on AWS and locally (infra/local/ lowers the Distributed Map fields the
// local engine lacks).
//
// Working state: Plan's result (PlanResult, shared/pipeline/contract.ts) replaces the input; the
// maps' ResultWriter details land at $.mapResult and $.reduceResult; Aggregate receives the whole
// state (a superset of AggregateEvent) and its result (AggregateResult) becomes the state and the
// output. The Reduce map runs always (a sweep of cached cells too): one Reduce per slice of
// 1,000 cells writes that slice's partial, so Aggregate reads a partial per slice instead of a
// result per cell (ARCHITECTURE.md "Reduce").
// Payloads are references only (keys, counts), never results: far below the 256 KiB limit.
import { Arn, ArnFormat, Aws, Duration, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as sns from "aws-cdk-lib/aws-sns";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import { batchIncompleteError } from "../shared/pipeline/budget.js";
import { keys } from "../shared/store/layout.js";
import { regressionError } from "./names.js";
import { storeAccess, type StoreAccess } from "./storeAccess.js";
import type { SweepMapSettings } from "./sweepSettings.js";

/** State names: the local runner and the tests address states by these. */
export const stateNames = {
  plan: "Plan",
  anythingPending: "Anything pending?",
  cells: "Cells",
  worker: "Worker",
  slices: "Slices",
  reduce: "Reduce",
  aggregate: "Aggregate",
  regressionCheck: "Regressions?",
  notify: "Notify regression",
  regression: "Regression",
  done: "Done",
} as const;

/** The error the run fails with when Aggregate reports regressions against the baseline. */
export { regressionError };

/** Worker (and Reduce) errors that a retry cannot fix (a bug upstream); every other error of theirs is retried. */
const workerPermanentErrors = ["MalformedEvent"];

/** The Worker's (and Reduce's) retry of everything else (crash, States.Timeout, Dropsweep.StoreUnavailable...): last. */
const workerRetry = {
  interval: Duration.seconds(1),
  backoffRate: 2,
  maxAttempts: 4,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
} as const;

/**
 * The Worker's retry of a batch it stopped between cells to stay within its time limit
 * (shared/pipeline/budget.ts): not a fault, so at once and without backoff, and as often as the
 * batch has cells, since each such attempt stores at least one (the first cell an invocation
 * computes is always started), so a batch of n cells needs at most n - 1 of them. Its own
 * entry, first: Step Functions uses the first retrier whose ErrorEquals matches, and each
 * retrier counts its attempts apart, so these never use up the attempts of workerRetry.
 */
function batchIncompleteRetry(maxItemsPerBatch: number): sfn.RetryProps {
  return { errors: [batchIncompleteError], interval: Duration.seconds(1), backoffRate: 1, maxAttempts: maxItemsPerBatch };
}

/** Lambda errors worth retrying: the service's own faults and throttling, never handler bugs. */
export const lambdaTransientErrors = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.ClientExecutionTimeoutException",
  "Lambda.TooManyRequestsException",
];

export interface SweepStateMachineProps {
  /** Plan handler (functions/plan.ts). */
  readonly plan: lambda.IFunction;
  /** Worker handler (functions/worker.ts), one invocation per batch of cells. */
  readonly worker: lambda.IFunction;
  /** Reduce handler (functions/reduce.ts), one invocation per slice of the sweep's cells. */
  readonly reduce: lambda.IFunction;
  /** Aggregate handler (functions/aggregate.ts). */
  readonly aggregate: lambda.IFunction;
  /** The store bucket: manifests and slices are read from it, map results written to it. */
  readonly bucket: s3.IBucket;
  /** Where a regression against the baseline is published. */
  readonly regressionTopic: sns.ITopic;
  /** The topic's encryption key, when it is a customer key (publishing needs it). */
  readonly regressionTopicKey?: kms.IKey;
  /** Batching, concurrency, tolerated failures and timeouts. */
  readonly settings: SweepMapSettings;
  /** Execution log destination. @default a new log group kept for 90 days */
  readonly logGroup?: logs.ILogGroup;
}

function retryTransientLambdaErrors(task: tasks.LambdaInvoke): tasks.LambdaInvoke {
  // Full jitter spreads the retries of hundreds of throttled batches instead of syncing them.
  task.addRetry({
    errors: lambdaTransientErrors,
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 6,
    maxDelay: Duration.seconds(60),
    jitterStrategy: sfn.JitterType.FULL,
  });
  return task;
}

function invoke(
  scope: Construct,
  id: string,
  fn: lambda.IFunction,
  timeoutSeconds: number,
  props: Partial<tasks.LambdaInvokeProps> = {},
  /** Retriers ahead of the Lambda service errors' (the order is the order of matching). */
  firstRetries: sfn.RetryProps[] = [],
): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    // The handler's return value is the state's result as is (no {Payload, StatusCode}
    // envelope), on AWS and in the local runner alike.
    payloadResponseOnly: true,
    // Replaced by retryTransientLambdaErrors (adds throttling and jitter).
    retryOnServiceExceptions: false,
    // AWS has no default Task timeout, the local engine 60 s: always explicit.
    taskTimeout: sfn.Timeout.duration(Duration.seconds(timeoutSeconds)),
    ...props,
  });
  for (const retry of firstRetries) task.addRetry(retry);
  return retryTransientLambdaErrors(task);
}

export class SweepStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly cellsMap: sfn.DistributedMap;
  readonly slicesMap: sfn.DistributedMap;
  /** The machine's role; its two policies below are everything it may do. */
  readonly role: iam.Role;
  /** The store keys the machine reads (ItemReader) and writes (ResultWriter). */
  readonly access: StoreAccess;
  /** This machine's executions (the map run's children among them). */
  readonly ownExecutionsArn: string;
  /** The map run's child executions (redriven with a failed execution). */
  readonly mapRunExecutionsArn: string;

  constructor(scope: Construct, id: string, props: SweepStateMachineProps) {
    super(scope, id);
    const { settings } = props;

    // No `payload`: with payloadResponseOnly the whole state input is the Lambda event.
    const plan = invoke(this, stateNames.plan, props.plan, settings.stepTimeoutSeconds, { resultPath: "$" });
    const worker = invoke(this, stateNames.worker, props.worker, settings.workerTimeoutSeconds, {}, [
      batchIncompleteRetry(settings.maxItemsPerBatch),
    ]);
    // The Worker is idempotent (results written ifAbsent with the same bytes, docs/GUARANTEES.md),
    // so a batch cut short by a crash, a timeout or a store outage is simply run again; only a
    // malformed event would fail the same way every time.
    worker.addRetry({ errors: workerPermanentErrors, maxAttempts: 0 });
    worker.addRetry({ ...workerRetry, errors: [sfn.Errors.ALL] });

    // Both maps read a JSON Lines file Plan wrote (its bucket and key at `field` of the state) and
    // write their results to the same prefix.
    const jsonLinesAt = (field: "manifest" | "slices") =>
      new sfn.S3JsonLItemReader({
        bucketNamePath: sfn.JsonPath.stringAt(`$.${field}.bucket`),
        key: sfn.JsonPath.stringAt(`$.${field}.key`),
      });
    const resultWriter = () =>
      new sfn.ResultWriterV2({
        bucket: props.bucket,
        prefix: settings.resultPrefix,
        writerConfig: { outputType: sfn.OutputType.JSONL, transformation: sfn.Transformation.COMPACT },
      });

    this.cellsMap = new sfn.DistributedMap(this, stateNames.cells, {
      itemReader: jsonLinesAt("manifest"),
      itemBatcher: new sfn.ItemBatcher({
        maxItemsPerBatch: settings.maxItemsPerBatch,
        // CDK passes BatchInput through verbatim, so the JSONPath form is spelled out.
        batchInput: { "sweepId.$": "$.sweepId" },
      }),
      maxConcurrency: settings.maxConcurrency,
      toleratedFailurePercentage: settings.toleratedFailurePercentage,
      resultWriterV2: resultWriter(),
      mapExecutionType: sfn.StateMachineType.STANDARD,
      resultPath: "$.mapResult",
    });
    this.cellsMap.itemProcessor(worker);

    // One Reduce per slice of the sweep's cells (Plan's slices.jsonl; no batching: the item is
    // the event). Idempotent like the Worker (it rewrites its slice's partial from the stored
    // results), so it is retried the same way.
    const reduce = invoke(this, stateNames.reduce, props.reduce, settings.stepTimeoutSeconds);
    reduce.addRetry({ errors: workerPermanentErrors, maxAttempts: 0 });
    reduce.addRetry({ ...workerRetry, errors: [sfn.Errors.ALL] });
    this.slicesMap = new sfn.DistributedMap(this, stateNames.slices, {
      itemReader: jsonLinesAt("slices"),
      maxConcurrency: settings.maxConcurrency,
      // ResultWriter: 10^3 slices' results would approach the 256 KiB state limit inline.
      resultWriterV2: resultWriter(),
      mapExecutionType: sfn.StateMachineType.STANDARD,
      resultPath: "$.reduceResult",
    });
    this.slicesMap.itemProcessor(reduce);

    const aggregate = invoke(this, stateNames.aggregate, props.aggregate, settings.stepTimeoutSeconds, { resultPath: "$" });
    this.slicesMap.next(aggregate);

    const notify = new tasks.SnsPublish(this, stateNames.notify, {
      topic: props.regressionTopic,
      subject: "dropsweep: regression against the baseline",
      // Read by a person (an e-mail body): what happened, where the report is, how to get it.
      // One line: States.Format's template has no escape for a line break.
      message: sfn.TaskInput.fromText(
        sfn.JsonPath.format(
          `dropsweep: sweep {} has {} regression(s) against its baseline, listed in its report ` +
            `s3://${props.bucket.bucketName}/${keys.report("{}", "report.html")} (summary.json beside it). ` +
            `Download both with: npx dropsweep cloud fetch {} --stack <your stack>`,
          sfn.JsonPath.stringAt("$.sweepId"),
          sfn.JsonPath.stringAt("$.regressions"),
          sfn.JsonPath.stringAt("$.sweepId"),
          sfn.JsonPath.stringAt("$.sweepId"),
        ),
      ),
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: sfn.Timeout.duration(Duration.seconds(60)),
    });
    const regression = new sfn.Fail(this, stateNames.regression, {
      error: regressionError,
      cause: "Aggregate found regressions against the baseline; see the sweep's report",
    });

    const check = new sfn.Choice(this, stateNames.regressionCheck)
      .when(sfn.Condition.numberGreaterThan("$.regressions", 0), notify.next(regression))
      .otherwise(new sfn.Succeed(this, stateNames.done));
    aggregate.next(check);

    // An empty manifest (everything cached) goes straight to the slices.
    const pending = new sfn.Choice(this, stateNames.anythingPending)
      .when(sfn.Condition.numberGreaterThan("$.pending", 0), this.cellsMap.next(this.slicesMap))
      .otherwise(this.slicesMap);

    const logGroup = props.logGroup ?? new logs.LogGroup(this, "Log", { retention: logs.RetentionDays.THREE_MONTHS });

    // Least privilege written out in one place: CDK's automatic grants (the map's ResultWriter on
    // the whole bucket, function versions, the topic) are dropped by handing the machine its role
    // without policy updates, and the two policies below say everything the machine may do.
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("states.amazonaws.com").withConditions({ StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } }),
    });
    const access = storeAccess(settings.resultPrefix).stateMachine;
    this.access = access;
    const policy = new iam.Policy(this, "Policy", {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          actions: ["lambda:InvokeFunction"],
          resources: [props.plan.functionArn, props.worker.functionArn, props.reduce.functionArn, props.aggregate.functionArn],
        }),
        new iam.PolicyStatement({ actions: ["sns:Publish"], resources: [props.regressionTopic.topicArn] }),
        ...(props.regressionTopicKey
          ? [new iam.PolicyStatement({ actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: [props.regressionTopicKey.keyArn] })]
          : []),
        // ItemReaders: the manifest and the slices Plan wrote.
        new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: access.read.map((p) => props.bucket.arnForObjects(p)) }),
        // ResultWriter: the map run's result files under its prefix (multipart for large runs).
        new iam.PolicyStatement({
          actions: ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
          resources: access.write.map((p) => props.bucket.arnForObjects(p)),
        }),
        // Vended log delivery and X-Ray take no resource narrower than "*" (AWS documentation).
        new iam.PolicyStatement({
          actions: [
            "logs:CreateLogDelivery",
            "logs:GetLogDelivery",
            "logs:UpdateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
          ],
          resources: ["*"],
        }),
        new iam.PolicyStatement({
          actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
          resources: ["*"],
        }),
      ],
    });

    this.stateMachine = new sfn.StateMachine(this, "Resource", {
      definitionBody: sfn.DefinitionBody.fromChainable(plan.next(pending)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: "dropsweep: plan a sweep, compute its cells in batches, reduce them in slices, aggregate the report",
      role: this.role.withoutPolicyUpdates(),
    });
    // Step Functions checks the log delivery permissions when the machine is created.
    this.stateMachine.node.addDependency(policy);
    // CDK's own map-run policy could not attach to the immutable role, so it is never
    // synthesized; removed so that nothing (cdk-nag) reads it. MapRunPolicy replaces it.
    this.stateMachine.node.tryRemoveChild("DistributedMapPolicy");

    // The Distributed Map starts child executions of this machine only, and follows and stops
    // only this machine's executions (names: execution:<machine>:<id>). A separate policy: it
    // names the machine, which depends on the policy above.
    const stack = Stack.of(this);
    this.ownExecutionsArn = Arn.format(
      {
        service: "states",
        resource: "execution",
        resourceName: `${this.stateMachine.stateMachineName}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      stack,
    );
    // Redriving a failed execution redrives its map run, whose child executions are named
    // execution:<machine>/<map run label>:<id> (what CDK grants a Distributed Map by default).
    this.mapRunExecutionsArn = Arn.format(
      {
        service: "states",
        resource: "execution",
        resourceName: `${this.stateMachine.stateMachineName}/*:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      stack,
    );
    new iam.Policy(this, "MapRunPolicy", {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({ actions: ["states:StartExecution"], resources: [this.stateMachine.stateMachineArn] }),
        new iam.PolicyStatement({
          actions: ["states:DescribeExecution", "states:StopExecution"],
          resources: [this.ownExecutionsArn],
        }),
        new iam.PolicyStatement({ actions: ["states:RedriveExecution"], resources: [this.mapRunExecutionsArn] }),
      ],
    });
  }
}
