// In-process synthesis for the tests and the local runner: the same stack `cdk synth` builds,
// with cdk.json's context, optionally without bundling (no esbuild run, no asset staging) and
// without the built-in CloudFormation validation (it costs ~4 s of a ~5 s synth here).
import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { DropsweepStack, projectRoot, type DropsweepStackProps } from "./stack.js";

export interface SynthOptions {
  /** Stack props (settings, handler entries...). */
  readonly props?: DropsweepStackProps;
  /** Run esbuild and the wasm copy hooks. @default false */
  readonly bundling?: boolean;
  /** Run CDK's built-in CloudFormation validation. @default false */
  readonly validation?: boolean;
  /**
   * Keep cdk.json's schedule. Off by default: the local runner and most tests need only the
   * state machine, which the schedule does not change, and should not depend on the scheduled
   * spec. @default false
   */
  readonly schedule?: boolean;
  /** Context over cdk.json's (e.g. "dropsweep:batchSize"). */
  readonly context?: Record<string, unknown>;
  /** Run cdk-nag's AwsSolutionsChecks; findings are returned in `nag`. @default false */
  readonly nag?: boolean;
}

interface NagAcknowledgement {
  rule: string;
  path: string;
  reason: string;
}

/** An unsuppressed cdk-nag finding. */
interface NagFinding {
  level: "error" | "warning";
  path: string;
  message: string;
}

/** A CloudFormation template as JSON. */
export type CfnTemplate = {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
  [section: string]: unknown;
};

function cdkContext(): Record<string, unknown> {
  const config = JSON.parse(readFileSync(join(projectRoot, "cdk.json"), "utf8")) as { context?: Record<string, unknown> };
  return config.context ?? {};
}

/** The synthesized stack's template; `stack` is returned for Template.fromStack in tests. */
export interface SynthResult {
  stack: DropsweepStack;
  template: CfnTemplate;
  /** Unacknowledged cdk-nag findings (with `nag`; the template is then empty if there are any). */
  nag: NagFinding[];
  /** Acknowledged cdk-nag findings with their reasons (with `nag`). */
  acknowledged: NagAcknowledgement[];
}

export function synthStack(options: SynthOptions = {}): SynthResult {
  const outdir = mkdtempSync(join(tmpdir(), "dropsweep-synth-"));
  try {
    const app = new App({
      outdir,
      context: {
        ...cdkContext(),
        // An empty list skips bundling for every stack (assets get a placeholder).
        ...(options.bundling ? {} : { "aws:cdk:bundling-stacks": [] }),
        ...(options.schedule ? {} : { "dropsweep:schedule": "off" }),
        ...options.context,
      },
      builtinCloudFormationValidation: options.validation ?? false,
      treeMetadata: false,
    });
    const stack = new DropsweepStack(app, "Dropsweep", options.props);
    if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    let assembly;
    try {
      assembly = app.synth();
    } catch (error) {
      // A plugin that finds violations interrupts synthesis; its report says which.
      const report = options.nag ? nagReport(outdir) : undefined;
      if (!report || report.findings.length === 0) throw error;
      return { stack, template: {} as CfnTemplate, nag: report.findings, acknowledged: report.acknowledged };
    }
    const template = assembly.getStackArtifact(stack.artifactId).template as CfnTemplate;
    const report = options.nag ? nagReport(outdir) : undefined;
    return { stack, template, nag: report?.findings ?? [], acknowledged: report?.acknowledged ?? [] };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The parts of CDK's validation-report.json read here (policy validation plugins' reports). */
interface ValidationReport {
  pluginReports?: {
    violations?: ValidationViolation[];
    suppressedViolations?: (ValidationViolation & { reason?: string })[];
  }[];
}

interface ValidationViolation {
  ruleName: string;
  description: string;
  severity?: string;
  violatingConstructs?: { constructPath: string }[];
}

/** cdk-nag's unacknowledged findings and acknowledgements, from the validation report CDK writes. */
function nagReport(outdir: string): { findings: NagFinding[]; acknowledged: NagAcknowledgement[] } | undefined {
  let report: ValidationReport;
  try {
    report = JSON.parse(readFileSync(join(outdir, "validation-report.json"), "utf8"));
  } catch {
    return undefined;
  }
  const findings: NagFinding[] = [];
  const acknowledged: NagAcknowledgement[] = [];
  for (const plugin of report.pluginReports ?? []) {
    for (const v of plugin.violations ?? [])
      for (const c of v.violatingConstructs ?? [])
        findings.push({
          level: v.severity === "warning" ? "warning" : "error",
          path: c.constructPath,
          message: `${v.ruleName}: ${v.description}`,
        });
    for (const v of plugin.suppressedViolations ?? [])
      for (const c of v.violatingConstructs ?? []) acknowledged.push({ rule: v.ruleName, path: c.constructPath, reason: v.reason ?? "" });
  }
  return { findings, acknowledged };
}
