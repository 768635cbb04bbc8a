// The synthesized state machine of cdk.out, executed by the local runner's engine
// (infra/local: rendered, Distributed Map lowered, aws-local-stepfunctions), with its four Task
// functions served by pools of bundle containers (lambda.ts): every event a bundle receives is
// the one the state machine's definition builds (Plan: the execution input; Worker: ItemBatcher's
// {Items, BatchInput}; Reduce: a line of slices.jsonl; Aggregate: the whole state).
import { executeLocally, renderStateMachine, storeLocator, type ExecutionOutcome, type Notice } from "../../infra/local/index.js";
import { stateNames } from "../../infra/sweepStateMachine.js";
import type { CfnTemplate } from "../../infra/synth.js";
import { S3Store } from "../../shared/store/s3.js";
import type { Store } from "../../shared/store/store.js";
import { roles, type LambdaArtifact, type Role } from "./cdkOut.js";
import type { FunctionPool } from "./lambda.js";

export interface BundleRun {
  template: CfnTemplate;
  artifacts: Record<Role, LambdaArtifact>;
  pools: Record<Role, FunctionPool>;
  input: unknown;
  /** The store the map's ItemReader and ResultWriter use (the state machine role's access). */
  store: Store;
  /** Children the map runs at once. */
  concurrency: number;
  notify?: (notice: Notice) => void | Promise<void>;
}

/**
 * The template with the store bucket's Ref in the state machine's definition replaced by the
 * bucket's name, as CloudFormation resolves it at deployment (so the ResultWriter and the
 * regression notice name the bucket the run uses, not a placeholder).
 */
export function deployedTemplate(template: CfnTemplate, bucket: string): CfnTemplate {
  const resources = Object.fromEntries(
    Object.entries(template.Resources).map(([id, resource]) => {
      if (resource.Type !== "AWS::StepFunctions::StateMachine") return [id, resource];
      const definition = JSON.parse(JSON.stringify(resource.Properties!.DefinitionString), (_key, value) =>
        value && typeof value === "object" && typeof value.Ref === "string" && template.Resources[value.Ref]?.Type === "AWS::S3::Bucket"
          ? bucket
          : value,
      );
      return [id, { ...resource, Properties: { ...resource.Properties, DefinitionString: definition } }];
    }),
  );
  return { ...template, Resources: resources };
}

export async function runThroughBundles(run: BundleRun): Promise<ExecutionOutcome> {
  const machine = renderStateMachine(run.store instanceof S3Store ? deployedTemplate(run.template, run.store.bucket) : run.template);
  const handlers = Object.fromEntries(
    roles.map((role) => [run.artifacts[role].logicalId, (event: unknown) => run.pools[role].invoke(event)]),
  );
  // executeLocally's notify is synchronous: publishes are awaited after the run.
  const pending: Promise<void>[] = [];
  const outcome = await executeLocally({
    machine,
    input: run.input,
    store: run.store,
    projectRoot: process.cwd(),
    handlers,
    concurrency: run.concurrency,
    locate: storeLocator(run.store, machine.buckets.values()),
    validate: true,
    notify: (notice) => {
      const sent = run.notify?.(notice);
      if (sent) pending.push(sent);
    },
    phases: { [stateNames.plan]: "plan", [stateNames.reduce]: "aggregate", [stateNames.aggregate]: "aggregate" },
    planState: stateNames.plan,
    cellsMap: stateNames.cells,
  });
  await Promise.all(pending);
  return outcome;
}
