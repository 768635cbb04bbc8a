// IAM as the template grants it, enforced by moto_server: one IAM user per role of the
// template holding exactly that role's policies (the AWS::IAM::Policy documents attached to it,
// tokens resolved to the emulator's names), and an admin user for the test's own set-up and
// checks. Enforcement starts after the set-up: moto's /moto-api/reset-auth sets its
// INITIAL_NO_AUTH_ACTION_COUNT to 0, so every later request is authenticated and authorised.
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import type { CfnTemplate } from "../../infra/synth.js";
import { region, type Credentials } from "./stores.js";

/** moto's default account. */
export const account = "123456789012";

/** Names of the emulator's resources standing for the template's. */
export interface ResourceNames {
  bucket: string;
  topicArn: string;
}

type Resources = CfnTemplate["Resources"];

function arnOf(id: string, resources: Resources, names: ResourceNames): string {
  const type = resources[id]?.Type;
  switch (type) {
    case "AWS::S3::Bucket":
      return `arn:aws:s3:::${names.bucket}`;
    case "AWS::SNS::Topic":
      return names.topicArn;
    case "AWS::Lambda::Function":
      return `arn:aws:lambda:${region}:${account}:function:${id}`;
    case "AWS::Logs::LogGroup":
      return `arn:aws:logs:${region}:${account}:log-group:${id}:*`;
    case "AWS::KMS::Key":
      return `arn:aws:kms:${region}:${account}:key/${id}`;
    case "AWS::StepFunctions::StateMachine":
      return `arn:aws:states:${region}:${account}:stateMachine:${id}`;
    default:
      throw new Error(`no emulator ARN for ${id} (${type})`);
  }
}

/** A template value (string or intrinsic) with every token resolved to the emulator's names. */
export function resolveValue(value: unknown, resources: Resources, names: ResourceNames): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, resources, names));
  if (!value || typeof value !== "object") return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [fn, args] = entries[0]!;
    if (fn === "Ref") {
      const pseudo: Record<string, string> = {
        "AWS::Partition": "aws",
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::URLSuffix": "amazonaws.com",
      };
      if (pseudo[args as string]) return pseudo[args as string];
      const type = resources[args as string]?.Type;
      if (type === "AWS::S3::Bucket") return names.bucket;
      if (type === "AWS::Lambda::Function") return args;
      return arnOf(args as string, resources, names);
    }
    if (fn === "Fn::GetAtt") {
      const [id, attribute] = args as [string, string];
      if (attribute === "Arn" || attribute === "TopicArn") return arnOf(id, resources, names);
      if (attribute === "Name" && resources[id]?.Type === "AWS::StepFunctions::StateMachine") return id;
      throw new Error(`cannot resolve Fn::GetAtt ${id}.${attribute}`);
    }
    if (fn === "Fn::Join") {
      const [separator, parts] = args as [string, unknown[]];
      return parts.map((p) => resolveValue(p, resources, names)).join(separator);
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveValue(v, resources, names)]));
}

export interface RolePolicies {
  roleId: string;
  /** Policy documents by the AWS::IAM::Policy's logical id (and the role's inline policies). */
  documents: Record<string, unknown>;
  managed: string[];
}

/** Every role of the template with the policies attached to it, resolved. */
export function rolePolicies(template: CfnTemplate, names: ResourceNames): RolePolicies[] {
  const resources = template.Resources;
  return Object.entries(resources)
    .filter(([, r]) => r.Type === "AWS::IAM::Role")
    .map(([roleId, role]) => {
      const documents: Record<string, unknown> = {};
      for (const [policyId, policy] of Object.entries(resources)) {
        if (policy.Type !== "AWS::IAM::Policy") continue;
        const p = policy.Properties as { Roles?: { Ref?: string }[]; PolicyDocument: unknown };
        if (p.Roles?.some((r) => r.Ref === roleId)) documents[policyId] = resolveValue(p.PolicyDocument, resources, names);
      }
      const props = role.Properties as { Policies?: { PolicyName: string; PolicyDocument: unknown }[]; ManagedPolicyArns?: unknown[] };
      for (const inline of props.Policies ?? []) documents[inline.PolicyName] = resolveValue(inline.PolicyDocument, resources, names);
      const managed = (props.ManagedPolicyArns ?? []).map((arn) => String(resolveValue(arn, resources, names)));
      return { roleId, documents, managed };
    });
}

/**
 * moto authorises SNS actions against Resource "*" (it does not pass the topic to its policy
 * check; S3 gets the object's ARN), so a statement granting sns:Publish on the topic would be
 * refused there. Such statements are checked to name exactly the emulator's topic and then
 * granted on "*": the user can still publish only what its role may (other roles stay denied).
 */
function asMotoEvaluatesSns(document: unknown, topicArn: string): unknown {
  const d = document as { Statement: { Action: string | string[]; Resource: string | string[] }[] };
  return {
    ...d,
    Statement: d.Statement.map((statement) => {
      const actions = [statement.Action].flat();
      if (!actions.every((a) => a.startsWith("sns:"))) return statement;
      const resources = [statement.Resource].flat();
      if (resources.length !== 1 || resources[0] !== topicArn)
        throw new Error(`an SNS grant names ${resources.join(", ")}, expected only the topic ${topicArn}`);
      return { ...statement, Resource: "*" };
    }),
  };
}

/**
 * Managed policies the emulator cannot hold (moto loads none by default) and that grant nothing
 * on the store: CloudWatch Logs only. Any other managed policy fails the set-up.
 */
const logsOnlyManagedPolicies = new Set(["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]);

export interface IamUsers {
  admin: Credentials;
  /** By role logical id. */
  roles: Map<string, Credentials>;
  policies: RolePolicies[];
}

/** Creates the users (before enforcement: any credentials are accepted then). */
export async function createRoleUsers(endpoint: string, template: CfnTemplate, names: ResourceNames): Promise<IamUsers> {
  const iam = new IAMClient({ endpoint, region, credentials: { accessKeyId: "setup", secretAccessKey: "setup" } });
  const user = async (name: string, documents: Record<string, unknown>): Promise<Credentials> => {
    await iam.send(new CreateUserCommand({ UserName: name }));
    for (const [policyName, document] of Object.entries(documents))
      await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: policyName, PolicyDocument: JSON.stringify(document) }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
    return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  };
  try {
    const admin = await user("artifact-admin", {
      admin: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
    });
    const policies = rolePolicies(template, names);
    const roles = new Map<string, Credentials>();
    for (const role of policies) {
      const unknown = role.managed.filter((arn) => !logsOnlyManagedPolicies.has(arn));
      if (unknown.length) throw new Error(`role ${role.roleId} has managed policies the emulator cannot reproduce: ${unknown.join(", ")}`);
      const documents = Object.fromEntries(
        Object.entries(role.documents).map(([name, d]) => [name, asMotoEvaluatesSns(d, names.topicArn)]),
      );
      roles.set(role.roleId, await user(`role-${role.roleId}`.slice(0, 64), documents));
    }
    return { admin, roles, policies };
  } finally {
    iam.destroy();
  }
}

/** From now on moto authenticates and authorises every request (INITIAL_NO_AUTH_ACTION_COUNT = 0). */
export async function enforceIam(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset-auth`, { method: "POST", body: "0" });
  if (!response.ok) throw new Error(`moto_server reset-auth: HTTP ${response.status}`);
}
