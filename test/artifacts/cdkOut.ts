// What `cdk synth` ships: the template and the Lambda assets of cdk.out. Each asset is copied
// alone into an empty temporary directory (no node_modules above it) that stands for /var/task,
// and each function's environment is taken from the template with /var/task mapped there.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, parse } from "node:path";
import { lambdaTaskRoot } from "../../infra/bundling.js";
import { handlerMetadataKey } from "../../infra/sweepFunction.js";
import type { CfnTemplate } from "../../infra/synth.js";

export type Role = "plan" | "worker" | "reduce" | "aggregate";
export const roles: readonly Role[] = ["plan", "worker", "reduce", "aggregate"];

/** One AWS::Lambda::Function of the template and its asset. */
export interface LambdaArtifact {
  role: Role;
  logicalId: string;
  /** The asset's directory in cdk.out. */
  assetDir: string;
  /** "index.handler": file index.(m)js of the code root, export `handler`. */
  handler: string;
  runtime: string;
  architectures: string[];
  memorySize: number;
  timeout: number;
  /** Environment.Variables as the template has them (strings or intrinsics). */
  environment: Record<string, unknown>;
  /** The role's logical id (Fn::GetAtt [role, Arn] of the function). */
  roleId: string;
}

/** `npx cdk synth` of this project into `outdir`, with cdk.json's context (the schedule on, cdk-nag). */
export function synthesize(projectRoot: string, outdir: string): CfnTemplate {
  try {
    execFileSync("npx", ["cdk", "synth", "--quiet", "--output", outdir], {
      cwd: projectRoot,
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 600_000,
    });
  } catch (error) {
    throw new Error(`cdk synth failed: ${String((error as { stderr?: Buffer }).stderr ?? error).slice(-2000)}`, { cause: error });
  }
  return JSON.parse(readFileSync(join(outdir, "Dropsweep.template.json"), "utf8")) as CfnTemplate;
}

const roleOfHandler: Record<string, Role> = {
  "functions/plan.ts": "plan",
  "functions/worker.ts": "worker",
  "functions/reduce.ts": "reduce",
  "functions/aggregate.ts": "aggregate",
};

export function lambdaArtifacts(template: CfnTemplate, cdkOut: string): Record<Role, LambdaArtifact> {
  const found: Partial<Record<Role, LambdaArtifact>> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== "AWS::Lambda::Function") continue;
    const role = roleOfHandler[String(resource.Metadata?.[handlerMetadataKey])];
    if (!role) continue; // CDK's own (the AwsCustomResource provider)
    const p = resource.Properties as Record<string, any>;
    const asset = resource.Metadata?.["aws:asset:path"];
    if (typeof asset !== "string") throw new Error(`${logicalId}: no aws:asset:path metadata (synthesized without bundling?)`);
    found[role] = {
      role,
      logicalId,
      assetDir: join(cdkOut, asset),
      handler: p.Handler,
      runtime: p.Runtime,
      architectures: p.Architectures,
      memorySize: p.MemorySize,
      timeout: p.Timeout,
      environment: p.Environment?.Variables ?? {},
      roleId: p.Role["Fn::GetAtt"][0],
    };
  }
  for (const role of roles) if (!found[role]) throw new Error(`the template has no ${role} function`);
  return found as Record<Role, LambdaArtifact>;
}

/** Directories from `dir` up to the root that hold a node_modules (a bare copy must have none). */
export function nodeModulesAbove(dir: string): string[] {
  const found: string[] = [];
  for (let d = dirname(dir); ; d = dirname(d)) {
    if (existsSync(join(d, "node_modules"))) found.push(join(d, "node_modules"));
    if (d === parse(d).root) break;
  }
  return found;
}

/** A copy of the asset alone in a new empty directory: the function's /var/task. */
export function bareCopy(artifact: LambdaArtifact): string {
  const dir = mkdtempSync(join(tmpdir(), `dropsweep-${artifact.role}-task-`));
  const above = nodeModulesAbove(dir);
  if (above.length)
    throw new Error(`${dir} has node_modules above it (${above.join(", ")}): set TMPDIR to a directory outside any project`);
  cpSync(artifact.assetDir, dir, { recursive: true });
  return dir;
}

/**
 * The function's environment from the template: /var/task paths mapped to `taskRoot`, the store
 * bucket's Ref (DROPSWEEP_STORE = s3://<bucket>) to `bucket`. Any other intrinsic is an error, so
 * a new variable is looked at rather than guessed.
 */
export function templateEnvironment(artifact: LambdaArtifact, taskRoot: string, bucket: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(artifact.environment)) {
    if (typeof value === "string")
      env[name] =
        value === lambdaTaskRoot || value.startsWith(`${lambdaTaskRoot}/`) ? taskRoot + value.slice(lambdaTaskRoot.length) : value;
    else {
      const parts = (value as { "Fn::Join"?: [string, unknown[]] })["Fn::Join"];
      const rendered = parts?.[1].map((part) =>
        typeof part === "string" ? part : (part as { Ref?: string }).Ref?.startsWith("Store") ? bucket : undefined,
      );
      if (!rendered || rendered.some((p) => p === undefined))
        throw new Error(`${artifact.logicalId}: cannot map environment ${name} = ${JSON.stringify(value)}`);
      env[name] = rendered.join(parts![0]);
    }
  }
  return env;
}
