// In-process synthesis for the tests and the local runner: the same stack `cdk synth` builds,
// with cdk.json's context, optionally without bundling (no esbuild run, no asset staging) and
// without the built-in CloudFormation validation (it costs ~4 s of a ~5 s synth here).
import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { DropsweepStack, projectRoot, type DropsweepStackProps } from "./stack.js";

export interface SynthOptions {
  /** Stack props (settings, handler entries...). */
  readonly props?: DropsweepStackProps;
  /** Run esbuild and the wasm copy hooks. @default false */
  readonly bundling?: boolean;
  /** Run CDK's built-in CloudFormation validation. @default false */
  readonly validation?: boolean;
}

/** A CloudFormation template as JSON. */
export type CfnTemplate = {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
  [section: string]: unknown;
};

export function cdkContext(): Record<string, unknown> {
  const config = JSON.parse(readFileSync(join(projectRoot, "cdk.json"), "utf8")) as { context?: Record<string, unknown> };
  return config.context ?? {};
}

/** The synthesized stack's template; `stack` is returned for Template.fromStack in tests. */
export function synthStack(options: SynthOptions = {}): { stack: DropsweepStack; template: CfnTemplate } {
  const outdir = mkdtempSync(join(tmpdir(), "dropsweep-synth-"));
  try {
    const app = new App({
      outdir,
      context: {
        ...cdkContext(),
        // An empty list skips bundling for every stack (assets get a placeholder).
        ...(options.bundling ? {} : { "aws:cdk:bundling-stacks": [] }),
      },
      builtinCloudFormationValidation: options.validation ?? false,
      treeMetadata: false,
    });
    const stack = new DropsweepStack(app, "Dropsweep", options.props);
    const assembly = app.synth();
    const template = assembly.getStackArtifact(stack.artifactId).template as CfnTemplate;
    return { stack, template };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
