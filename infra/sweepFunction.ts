// One Lambda handler of the pipeline (functions/<name>.ts) as a NodejsFunction: esbuild bundle,
// arm64, Node 22, the WebAssembly kernels (and the Worker's other runtime files) copied next to
// the bundle (infra/bundling.ts). Its own role may write only its own log group; the stack
// adds the store access it needs (infra/storeAccess.ts), nothing else. The handler's source
// path is recorded in the template's resource metadata so the local runner can map a Task's
// function ARN back to the module to run.
import { createRequire } from "node:module";
import { join } from "node:path";
import { Duration, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { copyCommands, esbuildTarget, esmBanner, kernelFiles, mainFields, runtimeEnvironment, type RuntimeFiles } from "./bundling.js";

/** Metadata key on AWS::Lambda::Function resources: the handler module, relative to the project root. */
export const handlerMetadataKey = "dropsweep:handler";

export interface SweepFunctionProps {
  /** Project root (holds package-lock.json, functions/, wasm/build/). */
  readonly projectRoot: string;
  /** Handler module, relative to projectRoot, e.g. "functions/worker.ts". */
  readonly entry: string;
  readonly timeout: Duration;
  /** @default 1024 */
  readonly memorySize?: number;
  /** Extra environment (DROPSWEEP_STORE is set by the stack). */
  readonly environment?: Record<string, string>;
  /** @default one month */
  readonly logRetention?: logs.RetentionDays;
  /** Files copied next to the bundle, with the environment naming where. @default kernelFiles */
  readonly runtimeFiles?: readonly RuntimeFiles[];
}

function assertLocalEsbuild(scope: Construct): void {
  // NodejsFunction falls back to Docker when it cannot find esbuild; synth must stay offline
  // and Docker-free, so a missing esbuild is an error here instead of a silent docker pull.
  if (!Stack.of(scope).bundlingRequired) return;
  try {
    createRequire(import.meta.url).resolve("esbuild");
  } catch {
    throw new Error("dropsweep: esbuild is not installed locally (npm install); refusing to fall back to Docker bundling");
  }
}

export class SweepFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: SweepFunctionProps) {
    super(scope, id);
    assertLocalEsbuild(this);
    const runtimeFiles = props.runtimeFiles ?? kernelFiles;
    const logGroup = new logs.LogGroup(this, "Log", { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    // Our own role instead of the default one with AWSLambdaBasicExecutionRole (logs:* on every
    // log group): this function writes to its own log group only.
    this.role = new iam.Role(this, "Role", { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com") });
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [logGroup.logGroupArn] }),
    );
    this.logGroup = logGroup;
    this.function = new nodejs.NodejsFunction(this, "Function", {
      entry: join(props.projectRoot, props.entry),
      handler: "handler",
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, "package-lock.json"),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize ?? 1024,
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      role: this.role,
      environment: {
        ...runtimeEnvironment(runtimeFiles),
        NODE_OPTIONS: "--enable-source-maps",
        POWERTOOLS_SERVICE_NAME: "dropsweep",
        ...props.environment,
      },
      bundling: {
        // The same options as bundleHandler (infra/bundling.ts), which the tests and the
        // cold-start benchmark run directly.
        format: nodejs.OutputFormat.ESM,
        target: esbuildTarget,
        mainFields,
        banner: esmBanner,
        minify: true,
        sourceMap: true,
        // The runtime ships AWS SDK v3; bundling our pinned copy keeps behaviour identical
        // to local runs (checksum settings, retries) at ~1 MB of bundle.
        bundleAwsSDK: true,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // Kernels are loaded from DROPSWEEP_WASM_DIR by shared/numerics/engine.ts.
          afterBundling: (inputDir: string, outputDir: string) => copyCommands(runtimeFiles, inputDir, outputDir),
        },
      },
    });
    (this.function.node.defaultChild as lambda.CfnFunction).addMetadata(handlerMetadataKey, props.entry);
  }
}
