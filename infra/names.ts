// Names the deployed stack and its clients (the `dropsweep cloud` command) agree on, in a module
// without CDK imports so the CLI can read them without loading aws-cdk-lib.

/** The error a sweep execution fails with when Aggregate reports regressions against the baseline. */
export const regressionError = "Dropsweep.Regression";

/** Stack output names: `dropsweep cloud --stack NAME` finds the stack's resources by these. */
export const outputNames = {
  bucket: "BucketName",
  stateMachine: "StateMachineArn",
  regressionTopic: "RegressionTopicArn",
  scheduledSpecKey: "ScheduledSpecKey",
  baselineKey: "BaselineKey",
} as const;
