// Print the sweep state machine's definition as plain Amazon States Language, for the service's
// own validation before a deployment (no emulator runs it; docs/CLOUD.md "Before the first
// deployment: what only an account can check"):
//   npx tsx infra/definition.ts --region eu-west-1 --account 123456789012 > definition.json
//   aws stepfunctions validate-state-machine-definition --definition file://definition.json --type STANDARD
// The template's tokens (function, bucket and topic references) become ARNs and names in that
// region and account (the bucket and functions get their logical ids as names: CloudFormation
// names them at deployment). Synthesized in-process without bundling, as the local runner does.
import { parseArgs } from "node:util";
import { renderStateMachine, placeholderAccount, placeholderRegion } from "./local/render.js";
import { synthStack } from "./synth.js";

const usage = "usage: npx tsx infra/definition.ts --region REGION --account ACCOUNT_ID > definition.json";

function fail(message: string): never {
  process.stderr.write(`dropsweep definition: ${message}\n${usage}\n`);
  process.exit(2);
}

let values: { region?: string; account?: string };
try {
  ({ values } = parseArgs({ options: { region: { type: "string" }, account: { type: "string" } }, strict: true }));
} catch (error) {
  fail((error as Error).message);
}
if (!values.region || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(values.region))
  fail(`--region must be an AWS region such as eu-west-1, got ${JSON.stringify(values.region ?? "")}`);
if (!values.account || !/^\d{12}$/.test(values.account))
  fail(`--account must be a 12-digit account id, got ${JSON.stringify(values.account ?? "")}`);

const { definition } = renderStateMachine(synthStack().template);
const text = JSON.stringify(definition, null, 2)
  .replaceAll(`:${placeholderRegion}:${placeholderAccount}:`, `:${values.region}:${values.account}:`)
  .replaceAll(`-${placeholderAccount}`, "");
process.stdout.write(`${text}\n`);
