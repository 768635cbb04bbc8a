// Reading the SPEC file a command names (`run SPEC`, `cloud start SPEC`): every way it cannot be
// read is one UsageError naming the command and the path (exit 2, nothing written).
import { readFile } from "node:fs/promises";
import { UsageError } from "../shared/errors.js";

export async function readSpecFile(command: string, path: string, expected = "a spec file (YAML)"): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EISDIR") throw new UsageError(`${command}: ${path} is a directory, expected ${expected}`);
    if (code === "ENOENT") throw new UsageError(`${command}: cannot read ${path}: no such file (ENOENT), expected ${expected}`);
    throw new UsageError(`${command}: cannot read ${path}: ${code ?? (error as Error).message}`);
  }
}
