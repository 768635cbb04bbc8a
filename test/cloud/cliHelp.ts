// Reading `dropsweep cloud --help`: a subcommand's line in its list of commands.

/** "start <SPEC>", "doctor": a subcommand's line in the cloud help's list, up to its summary. */
export function listedSubcommand(help: string, subcommand: string): string {
  const line = help.split("\n").find((l) => l.startsWith(`  ${subcommand} `) || l === `  ${subcommand}`)!;
  return line.trim().split(/ {2,}/)[0]!;
}
