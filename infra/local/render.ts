// Render a synthesized state machine into plain Amazon States Language: the template's
// DefinitionString is a Fn::Join over literal text and tokens (Fn::GetAtt of functions, Ref of
// the bucket and topic, Ref AWS::Partition). Each token becomes a placeholder in the "local"
// region of account 000000000000, e.g. GetAtt WorkerFunctionAF8A26AF.Arn ->
// arn:aws:lambda:local:000000000000:function:WorkerFunctionAF8A26AF. A token this module does
// not know is an error naming it, never a silently wrong string.
import { handlerMetadataKey } from "../sweepFunction.js";
import type { CfnTemplate } from "../synth.js";

export const placeholderRegion = "local";
export const placeholderAccount = "000000000000";

/** A Lambda function of the template: its placeholder ARN and, when recorded, its handler module. */
export interface RenderedFunction {
  logicalId: string;
  arn: string;
  /** Handler module relative to the project root (resource metadata "dropsweep:handler"). */
  handler?: string;
}

export interface RenderedStateMachine {
  logicalId: string;
  /** The ASL definition as a JSON object. */
  definition: AslDefinition;
  /** Functions by placeholder ARN. */
  functions: Map<string, RenderedFunction>;
  /** Placeholder names of the template's buckets (Ref), by logical id. */
  buckets: Map<string, string>;
}

/** An ASL state machine (or Map/Parallel body), loosely typed: the lowering reads any field. */
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  [field: string]: unknown;
}
export type AslState = { Type: string; [field: string]: unknown };

type Resource = CfnTemplate["Resources"][string];

function bucketName(logicalId: string): string {
  return `${logicalId.toLowerCase()}-${placeholderAccount}`;
}

function placeholderArn(logicalId: string, resource: Resource): string {
  const where = `${placeholderRegion}:${placeholderAccount}`;
  switch (resource.Type) {
    case "AWS::Lambda::Function":
      return `arn:aws:lambda:${where}:function:${logicalId}`;
    case "AWS::SNS::Topic":
      return `arn:aws:sns:${where}:${logicalId}`;
    case "AWS::S3::Bucket":
      return `arn:aws:s3:::${bucketName(logicalId)}`;
    case "AWS::StepFunctions::StateMachine":
      return `arn:aws:states:${where}:stateMachine:${logicalId}`;
    case "AWS::SQS::Queue":
      return `arn:aws:sqs:${where}:${logicalId}`;
    default:
      throw new Error(`dropsweep local: no placeholder ARN for ${logicalId} (${resource.Type})`);
  }
}

function ref(template: CfnTemplate, name: string): string {
  switch (name) {
    case "AWS::Partition":
      return "aws";
    case "AWS::Region":
      return placeholderRegion;
    case "AWS::AccountId":
      return placeholderAccount;
    case "AWS::URLSuffix":
      return "amazonaws.com";
  }
  const resource = template.Resources[name];
  if (!resource) throw new Error(`dropsweep local: Ref to unknown resource "${name}"`);
  switch (resource.Type) {
    // Ref returns the name for these, the ARN for the others below.
    case "AWS::S3::Bucket":
      return bucketName(name);
    case "AWS::Lambda::Function":
      return name;
    case "AWS::SNS::Topic":
    case "AWS::StepFunctions::StateMachine":
      return placeholderArn(name, resource);
    default:
      throw new Error(`dropsweep local: cannot render Ref ${name} (${resource.Type})`);
  }
}

function getAtt(template: CfnTemplate, logicalId: string, attribute: string): string {
  const resource = template.Resources[logicalId];
  if (!resource) throw new Error(`dropsweep local: Fn::GetAtt of unknown resource "${logicalId}"`);
  if (attribute === "Arn" || attribute === "TopicArn") return placeholderArn(logicalId, resource);
  if (resource.Type === "AWS::SQS::Queue" && attribute === "QueueName") return logicalId;
  throw new Error(`dropsweep local: cannot render Fn::GetAtt ${logicalId}.${attribute} (${resource.Type})`);
}

/** Render one CloudFormation value (string or intrinsic) to a string. */
export function renderToken(template: CfnTemplate, value: unknown): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [fn, args] = entries[0]!;
      if (fn === "Ref" && typeof args === "string") return ref(template, args);
      if (fn === "Fn::GetAtt") {
        const [id, attribute] = Array.isArray(args) ? args : String(args).split(".");
        return getAtt(template, String(id), String(attribute));
      }
      if (fn === "Fn::Join" && Array.isArray(args) && args.length === 2 && Array.isArray(args[1])) {
        return (args[1] as unknown[]).map((part) => renderToken(template, part)).join(String(args[0]));
      }
      throw new Error(`dropsweep local: unsupported intrinsic ${fn} in the state machine definition`);
    }
  }
  throw new Error(`dropsweep local: cannot render ${JSON.stringify(value)} in the state machine definition`);
}

/**
 * The state machine `logicalId` (default: the template's only one) as plain ASL, with the
 * template's functions and buckets by placeholder.
 */
export function renderStateMachine(template: CfnTemplate, logicalId?: string): RenderedStateMachine {
  const machines = Object.entries(template.Resources).filter(([, r]) => r.Type === "AWS::StepFunctions::StateMachine");
  const found = logicalId ? machines.find(([id]) => id === logicalId) : machines.length === 1 ? machines[0] : undefined;
  if (!found) {
    const ids = machines.map(([id]) => id).join(", ") || "none";
    throw new Error(
      `dropsweep local: ${logicalId ? `no state machine "${logicalId}"` : "expected exactly one state machine"} in the template (found: ${ids})`,
    );
  }
  const [id, machine] = found;
  const properties = machine.Properties ?? {};
  // CloudFormation accepts the definition as a string (DefinitionString, what CDK emits) or
  // as an object (Definition, with DefinitionSubstitutions): only the first is rendered here.
  if (properties.Definition !== undefined || properties.DefinitionSubstitutions !== undefined) {
    throw new Error(`dropsweep local: state machine ${id} uses Definition/DefinitionSubstitutions; only DefinitionString is supported`);
  }
  const definition = JSON.parse(renderToken(template, properties.DefinitionString)) as AslDefinition;

  const functions = new Map<string, RenderedFunction>();
  const buckets = new Map<string, string>();
  for (const [resourceId, resource] of Object.entries(template.Resources)) {
    if (resource.Type === "AWS::Lambda::Function") {
      const arn = placeholderArn(resourceId, resource);
      const handler = resource.Metadata?.[handlerMetadataKey];
      functions.set(arn, { logicalId: resourceId, arn, ...(typeof handler === "string" ? { handler } : {}) });
    } else if (resource.Type === "AWS::S3::Bucket") {
      buckets.set(resourceId, bucketName(resourceId));
    }
  }
  return { logicalId: id, definition, functions, buckets };
}
