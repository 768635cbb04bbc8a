// `dropsweep <command> ...`: dispatch to one module per command (cli/commands/NAME.ts), each
// exporting `run(argv): Promise<number>` (the exit code) and a one-line `summary`.
import { UsageError } from "../shared/errors.js";
import { CommandFailure } from "./failure.js";

const commands = {
  run: () => import("./commands/run.js"),
  theory: () => import("./commands/theory.js"),
  bench: () => import("./commands/bench.js"),
  report: () => import("./commands/report.js"),
  cloud: () => import("./commands/cloud.js"),
} as const;

type CommandName = keyof typeof commands;

export interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

function usage(): string {
  return [
    "usage: dropsweep <command> [options]",
    "",
    "commands:",
    "  run SPEC      run a sweep locally through the synthesized state machine",
    "  theory        closed-form DropBlock minimum for targets Y (and data X)",
    "  bench         kernel benchmarks against peers measured in the same run",
    "  report SWEEP  regenerate a sweep's report from stored results",
    "  cloud         start, follow and fetch sweeps on AWS",
    "",
    "Run `dropsweep <command> --help` for a command's options.",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h") {
    process.stdout.write(usage() + "\n");
    return name ? 0 : 2;
  }
  const load = commands[name as CommandName];
  try {
    if (!load) throw new UsageError(`unknown command "${name}"; expected one of: ${Object.keys(commands).join(", ")}`);
    const command = (await load()) as unknown as Command;
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError || error instanceof CommandFailure) {
      process.stderr.write(`dropsweep: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
