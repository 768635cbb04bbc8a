// Commands and their flags, declared with commander (its Command and Option objects give the
// parsing rules and the `--help` pages), and one way to turn what is wrong with a command line
// into a UsageError in our words, the same for every command (exit 2, nothing written):
//   "<command>: unknown option --x; allowed: --a, --b, ..., --help (-h) (see `dropsweep <command> --help`)"
//
// Commands are parsed with commander's `parseOptions`, not `parse()` with actions: `parse()`
// reports an unknown option or a missing value only as English text ("error: unknown option
// '--x'"), and our messages need the flag itself and the command's list of flags. parseOptions
// returns the unknown arguments as they were written, so nothing is read back out of a message.
import { Command, CommanderError, Option } from "commander";
import { UsageError } from "../shared/errors.js";
import { closest } from "../shared/spec/problems.js";

export interface CommandDefinition {
  /** What follows "dropsweep": "run", "cloud status". */
  path: string;
  /** The arguments and flags of the usage line, e.g. "SPEC [--out DIR | --store URL]". */
  usage: string;
  description: string;
  /** Its flags, in the order its help and its messages list them. */
  options: readonly Option[];
  /** What follows the options on the help page (exit codes). */
  after?: string;
}

/**
 * A command as commander parses it and `--help` shows it. Every command also takes -h/--help,
 * last, as a plain boolean flag, so parsing sees it as one.
 */
export function defineCommand(definition: CommandDefinition): Command {
  const command = new Command(`dropsweep ${definition.path}`)
    .usage(definition.usage)
    .description(definition.description)
    .helpOption(false)
    // Parse problems are thrown as CommanderError (never process.exit) and said in our words
    // (parseCommandArgs), not printed by commander.
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    // "usage:", "options:": lower case like every other message of the CLI.
    .configureHelp({ styleTitle: (title) => title.charAt(0).toLowerCase() + title.slice(1) });
  for (const option of definition.options) command.addOption(option);
  command.addOption(new Option("-h, --help", "show this help"));
  if (definition.after) command.addHelpText("after", `\n${definition.after}`);
  return command;
}

/** A flag for CommandDefinition.options: "--out <DIR>" takes a value, "--json" does not. */
export function flag(flags: string, description: string): Option {
  return new Option(flags, description);
}

/** The `--help` page of a command, with its help texts (width: the terminal's, else 80). */
export function helpText(command: Command): string {
  let page = "";
  const output = command.configureOutput();
  command.configureOutput({ ...output, writeOut: (text) => (page += text) });
  try {
    command.outputHelp();
  } finally {
    command.configureOutput(output);
  }
  return page;
}

/** "--out, --store, ..., --help (-h)": the flags a command accepts, as its messages list them. */
function allowedFlags(command: Command): string {
  return command.options.map((o) => `${o.long ?? o.short}${o.long && o.short ? ` (${o.short})` : ""}`).join(", ");
}

function findOption(command: Command, flag: string): Option | undefined {
  return command.options.find((o) => o.long === flag || o.short === flag);
}

/** Whether `arg` reads as a flag ("--out", "-h"), not a value (a negative number reads as a value). */
function looksLikeFlag(arg: string): boolean {
  return arg.length > 1 && arg.startsWith("-") && !/^-(\d+|\d*\.\d+)(e[+-]?\d+)?$/i.test(arg);
}

/**
 * The problem of a command line before commander reads it: a flag that takes a value given
 * none, or followed by another flag (`--out --store x`: commander would take "--store" as the
 * directory). A value written with "=" (`--out=--odd`) is taken as written.
 */
function missingValue(command: Command, argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return undefined;
    const option = findOption(command, arg);
    if (!option || !(option.required || option.optional)) continue;
    const value = argv[i + 1];
    if (value === undefined || looksLikeFlag(value)) return `${arg} needs a value`;
    i++;
  }
  return undefined;
}

export interface Parsed<Values> {
  /** -h or --help was given: show the help, nothing else. */
  help: boolean;
  values: Values;
  /** The arguments that are not flags nor their values, in order. */
  positionals: string[];
}

/**
 * Parse `argv` by `command`'s flags. `allowPositionals: false` refuses any argument that is not
 * a flag or its value. A UsageError names the command, the problem and where the help is.
 */
export function parseCommandArgs<Values = Record<string, string | boolean | undefined>>(
  label: string,
  command: Command,
  argv: readonly string[],
  allowPositionals = true,
): Parsed<Values> {
  const refuse = (problem: string): never => {
    throw new UsageError(`${label}: ${problem} (see \`dropsweep ${label} --help\`)`);
  };
  const missing = missingValue(command, argv);
  let parsed: { operands: string[]; unknown: string[] };
  try {
    parsed = command.parseOptions([...argv]);
  } catch (error) {
    // missingValue has found what parseOptions throws for (a value-taking flag last); the flags
    // declare nothing else commander checks (no choices, no parsers).
    if (error instanceof CommanderError) refuse(missing ?? error.message);
    throw error;
  }
  const values = command.opts<Values & { help?: boolean }>();
  // Help wins over everything else wrong with the line, as in commander's own parse().
  if (values.help) return { help: true, values, positionals: [] };
  if (missing) refuse(missing);
  const [unknown] = parsed.unknown;
  if (unknown !== undefined && looksLikeFlag(unknown)) {
    const [name] = unknown.split("=", 1);
    const option = findOption(command, name!);
    if (option?.isBoolean()) refuse(`${name} takes no value`);
    refuse(`unknown option ${unknown}; allowed: ${allowedFlags(command)}`);
  }
  const positionals = [...parsed.operands, ...parsed.unknown];
  if (!allowPositionals && positionals.length > 0)
    refuse(`unexpected argument "${positionals[0]}"; ${label} takes only options: ${allowedFlags(command)}`);
  return { help: false, values, positionals };
}

/** A command line of a command with subcommands (`cloud --stack X status SWEEP --watch`). */
export type SubcommandLine =
  | { help: true }
  /** `argv`: the subcommand's arguments, the flags given before it first. */
  | { help: false; subcommand: string; argv: string[] };

/**
 * Find the subcommand among `argv`: the first argument that is not a flag or a flag's value
 * (commander's positional options: `command` declares the subcommands and every flag any of
 * them takes, so "--stack status status" is the flag --stack with the value "status", then the
 * subcommand). Flags given before the subcommand are handed to it, which decides whether it
 * takes them. No subcommand (`example` shows one), an unknown one or an unknown flag before it
 * is a UsageError.
 */
export function parseSubcommandLine(label: string, command: Command, argv: readonly string[], example: string): SubcommandLine {
  const names = command.commands.map((c) => c.name());
  const expected = `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
  const refuse = (problem: string): never => {
    throw new UsageError(`${label}: ${problem} (see \`dropsweep ${label} --help\`)`);
  };
  let parsed: { operands: string[]; unknown: string[] };
  try {
    parsed = command.parseOptions([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) refuse(missingValue(command, argv) ?? error.message);
    throw error;
  }
  const [first] = parsed.operands;
  if (first !== undefined && names.includes(first)) {
    const before = argv.slice(0, argv.length - parsed.unknown.length - 1);
    const missing = missingValue(command, before);
    if (missing) refuse(missing);
    if (command.opts<{ help?: boolean }>().help) return { help: true };
    return { help: false, subcommand: first, argv: [...before, ...parsed.unknown] };
  }
  if (command.opts<{ help?: boolean }>().help || argv.length === 0) return { help: true };
  const missing = missingValue(command, argv);
  if (missing) refuse(missing);
  const [unknown] = parsed.unknown;
  if (unknown !== undefined && looksLikeFlag(unknown)) refuse(`unknown option ${unknown}; allowed: ${allowedFlags(command)}`);
  if (first !== undefined) {
    const guess = closest(first, names);
    refuse(`unknown subcommand "${first}"${guess ? ` (did you mean ${guess}?)` : ""}; expected ${expected}`);
  }
  return refuse(`no subcommand; expected ${expected}, e.g. dropsweep ${label} ${example} ${argv.join(" ")}`);
}
