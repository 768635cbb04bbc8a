// CDK app entry (cdk.json runs it with tsx): `npx cdk synth` works offline, without credentials
// (environment-agnostic stack, local esbuild bundling, no lookups).
import { App } from "aws-cdk-lib";
import { DropsweepStack } from "./stack.js";

const app = new App();
new DropsweepStack(app, "Dropsweep", {
  description: "dropsweep: structured-dropout theory sweeps on Step Functions and Lambda",
});
app.synth();
