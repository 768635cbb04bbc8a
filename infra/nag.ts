// cdk-nag v3 acknowledgements (CDK's Validations API): each finding is acknowledged on its own,
// by rule and finding id, always with its reason beside it at the call site.
import { Stack, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/**
 * Acknowledge `rule` (e.g. "AwsSolutions-S1") on `scope` and what it contains, or only the
 * given findings of it. cdk-nag names them "<pack>::<rule>[<finding>]".
 */
export function acknowledge(scope: IConstruct, rule: string, reason: string, findings?: readonly string[]): void {
  const id = `${rule.split("-")[0]}::${rule}`;
  if (!findings) Validations.of(scope).acknowledge({ id, reason });
  else for (const finding of new Set(findings)) Validations.of(scope).acknowledge({ id: `${id}[${finding}]`, reason });
}

/** A finding id naming a resource, as cdk-nag renders it (tokens become <LogicalId.Attr>). */
export function acknowledgeResources(scope: IConstruct, rule: string, reason: string, resources: readonly unknown[]): void {
  const stack = Stack.of(scope);
  acknowledge(
    scope,
    rule,
    reason,
    resources.map((r) => `Resource::${renderForNag(stack.resolve(r))}`),
  );
}

function renderForNag(value: unknown): string {
  if (typeof value === "string") return value;
  const v = value as { Ref?: string; "Fn::GetAtt"?: string[]; "Fn::Join"?: [string, unknown[]] };
  if (v.Ref) return `<${v.Ref}>`;
  if (v["Fn::GetAtt"]) return `<${v["Fn::GetAtt"].join(".")}>`;
  if (v["Fn::Join"]) return v["Fn::Join"][1].map(renderForNag).join(v["Fn::Join"][0]);
  return JSON.stringify(value);
}
