// Errors a user can act on. The CLI prints their message alone (no stack) and exits with
// `exitCode`; anything else is a bug and is printed with its stack.

/** Bad input: a spec, a flag or a file. Exit code 2, nothing written. */
export class UsageError extends Error {
  readonly exitCode: number = 2;
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
