// CDK app entry (cdk.json runs it with tsx): `npx cdk synth` works offline, without credentials
// (environment-agnostic stack, local esbuild bundling, no lookups). cdk-nag's AwsSolutionsChecks
// run on every synth (cdk-nag v3: a CDK validation plugin): an unacknowledged finding fails
// `cdk synth`; acknowledgements sit next to their resources, each with its reason.
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { UsageError } from "../shared/errors.js";
import { DropsweepStack } from "./stack.js";

const app = new App();
try {
  new DropsweepStack(app, "Dropsweep", {
    description: "dropsweep: structured-dropout theory sweeps on Step Functions and Lambda",
  });
} catch (error) {
  // A bad cdk.json context: every problem, once, without a stack trace.
  if (error instanceof UsageError) {
    process.stderr.write(`dropsweep: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
