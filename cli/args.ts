// Flag parsing shared by every command: node:util parseArgs (strict), with its errors turned
// into one UsageError that names the command and shows its usage (exit 2, nothing written).
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../shared/errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

export function parseCommandArgs<T extends Options>(
  command: string,
  argv: string[],
  options: T,
  help: string,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}\n${help}`);
  }
}
