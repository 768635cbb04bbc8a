// `dropsweep <command> ...`: dispatch to one module per command (cli/commands/NAME.ts), each
// exporting `run(argv): Promise<number>` (the exit code); its one-line summary is here. A command's
// module is loaded only when it runs (cloud loads the AWS SDK, run the CDK app), so `--help`
// and a mistyped command answer at once.
import { Command } from "commander";
import { UsageError } from "../shared/errors.js";
import { closest } from "../shared/spec/problems.js";
import { helpText } from "./args.js";
import { exitCodes } from "./exitCodes.js";
import { CommandFailure } from "./failure.js";

/** Each command: its module, what it takes (for the command list) and what it does. */
const commands = {
  run: { load: () => import("./commands/run.js"), takes: "SPEC", summary: "run a sweep locally through the synthesized state machine" },
  theory: { load: () => import("./commands/theory.js"), takes: "", summary: "closed-form DropBlock minimum for targets Y (and data X)" },
  bench: { load: () => import("./commands/bench.js"), takes: "", summary: "kernel benchmarks against peers measured in the same run" },
  report: { load: () => import("./commands/report.js"), takes: "[SWEEP]", summary: "regenerate a sweep's report from stored results" },
  cloud: {
    load: () => import("./commands/cloud.js"),
    takes: "SUBCOMMAND",
    summary: "start, follow and fetch sweeps on AWS; check a stack before the first",
  },
} as const;

type CommandName = keyof typeof commands;
const names = Object.keys(commands) as CommandName[];

export interface CommandModule {
  run(argv: string[]): Promise<number>;
}

/** The top-level help: the commands and the exit codes they share. */
function program(): Command {
  const top = new Command("dropsweep")
    .usage("<command> [options]")
    .description("Structured dropout theory (Pal et al., CVPR 2020) reproduced as parameter sweeps.")
    .helpOption("-h, --help", "show this help")
    .helpCommand(false)
    .configureHelp({ styleTitle: (title) => title.charAt(0).toLowerCase() + title.slice(1) })
    .addHelpText(
      "after",
      `
Run \`dropsweep <command> --help\` for a command's options.
Exit codes: 0 success; 1 failed cells or run (or an AWS call); 2 bad input, nothing written;
3 regressions against a baseline; 4 with --strict, a claim failed or is inconclusive; 130 interrupted.`,
    );
  for (const name of names) {
    const sub = new Command(name).helpOption(false).summary(commands[name].summary);
    if (commands[name].takes) sub.argument(commands[name].takes);
    top.addCommand(sub);
  }
  return top;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h") {
    process.stdout.write(helpText(program()));
    return name ? exitCodes.ok : exitCodes.usage;
  }
  try {
    if (!(name in commands)) {
      const guess = closest(name, names);
      throw new UsageError(
        `unknown command "${name}"${guess ? ` (did you mean ${guess}?)` : ""}; expected one of: ${names.join(", ")} (see \`dropsweep --help\`)`,
      );
    }
    const command = (await commands[name as CommandName].load()) as CommandModule;
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError || error instanceof CommandFailure) {
      process.stderr.write(`dropsweep: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
