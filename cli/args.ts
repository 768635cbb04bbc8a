// Flag parsing shared by every command: node:util parseArgs (strict), with its errors turned
// into one UsageError in our words, the same for every command (exit 2, nothing written):
// "<command>: unknown option --x; allowed: --a, --b, ...".
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../shared/errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** "--out, --store, ..., --help (-h)": the flags a command accepts, as its messages list them. */
export function allowedFlags(options: Options): string {
  return Object.entries(options)
    .map(([name, o]) => `--${name}${o.short ? ` (-${o.short})` : ""}`)
    .join(", ");
}

/** parseArgs' error (node's wording, with advice about "--") as one line naming the command. */
export function argsProblem(command: string, error: Error & { code?: string }, options: Options): string {
  const quoted = /'([^']*)'/.exec(error.message)?.[1];
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `${command}: unknown option ${quoted ?? "?"}; allowed: ${allowedFlags(options)}`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `${command}: unexpected argument "${quoted ?? "?"}"; ${command} takes only options: ${allowedFlags(options)}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const flag = /--[\w-]+/.exec(error.message)?.[0];
      const option = flag ? options[flag.slice(2)] : undefined;
      return option?.type === "boolean"
        ? `${command}: ${flag} takes no value`
        : `${command}: ${flag ?? "an option"} needs a value`;
    }
    default:
      return `${command}: ${error.message}`;
  }
}

export function parseCommandArgs<T extends Options>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (error) {
    // Only the problem, not the whole usage (one `--help` away; it would bury the problem).
    throw new UsageError(`${argsProblem(command, error as Error & { code?: string }, options)} (see \`dropsweep ${command} --help\`)`);
  }
}
