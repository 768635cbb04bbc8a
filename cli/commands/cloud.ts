// `dropsweep cloud start|status|fetch|doctor`: run a sweep on the deployed stack (docs/CLOUD.md),
// one module per subcommand under cloud/ (the flags naming the stack in cloud/stack.ts, AWS
// errors in cloud/awsErrors.ts). Flags may come before the subcommand: `cloud --stack X status
// SWEEP` is `cloud status SWEEP --stack X`.
import { Command } from "commander";
import { defineCommand, helpText, parseSubcommandLine } from "../args.js";
import { exitCodes } from "../exitCodes.js";
import * as doctor from "./cloud/doctor.js";
import * as fetch from "./cloud/fetch.js";
import { stackOptions } from "./cloud/stack.js";
import * as start from "./cloud/start.js";
import * as status from "./cloud/status.js";

/** Each subcommand: its flags and help (definition) and what it does (run), in --help's order. */
const subcommands = { start, status, fetch, doctor } as const;
type Name = keyof typeof subcommands;

/**
 * The cloud command itself: its subcommands, and every flag any of them takes (so that a flag
 * before the subcommand is read with its value); only the stack flags show in its help.
 */
function command(): Command {
  const shown = new Set(stackOptions().map((o) => o.long));
  const options = new Map(stackOptions().map((o) => [o.long, o]));
  for (const sub of Object.values(subcommands))
    for (const option of sub.definition().options)
      if (!options.has(option.long)) options.set(option.long, option.hideHelp(!shown.has(option.long)));
  const cloud = defineCommand({
    path: "cloud",
    usage: "start|status|fetch|doctor ... [options]",
    description: `Runs sweeps on the deployed stack (docs/CLOUD.md). Before the first sweep on a stack: dropsweep cloud doctor --stack NAME.`,
    options: [...options.values()],
    after: `Run \`dropsweep cloud SUBCOMMAND --help\` for each one's arguments and options.
SWEEP: the 64-hex sweep id \`cloud start\` printed, or the SPEC file itself.
Exit codes: 0 succeeded (status: also running); 1 failed, timed out or aborted, an AWS call
failed, or doctor found something to change; 2 bad input or refused (nothing written);
3 regressions against the baseline; 4 with --strict, a claim failed or is inconclusive.`,
  })
    .enablePositionalOptions()
    .helpCommand(false);
  for (const [name, sub] of Object.entries(subcommands)) {
    const stub = new Command(name).helpOption(false).summary(sub.summary);
    for (const argument of usageArguments(sub.definition().usage)) stub.argument(argument);
    cloud.addCommand(stub);
  }
  return cloud;
}

/**
 * The arguments of a usage line, read from the subcommand's own definition: the words before
 * its first option or group of options ("SPEC (--stack NAME | ...) [--region R]" -> ["SPEC"];
 * an optional argument is written "[SWEEP]").
 */
function usageArguments(usage: string): string[] {
  const words = usage.trim().split(/\s+/);
  const end = words.findIndex((word) => /^(-|\(|\[-)/.test(word));
  return words.slice(0, end === -1 ? words.length : end).filter(Boolean);
}

export async function run(argv: string[]): Promise<number> {
  const line = parseSubcommandLine("cloud", command(), argv, "status SWEEP");
  if (line.help) {
    process.stdout.write(helpText(command()));
    // `dropsweep cloud` alone asked for nothing: the help, and a usage exit.
    return argv.length === 0 ? exitCodes.usage : exitCodes.ok;
  }
  // The SDK's 8-line notice that its releases from 2027 need Node 22 would precede every
  // command's output; this project pins its SDK and supports Node 20 (README "Requirements").
  // AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false shows it again.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  return subcommands[line.subcommand as Name].run(line.argv, process.stdout);
}
