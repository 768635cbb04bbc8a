// A command that failed for a reason the user can act on but that is not bad input (an AWS call
// refused or unreachable): the CLI prints the message alone, no stack, and exits with 1.
// Bad input is shared/errors.ts UsageError (exit 2); anything else is a bug, printed with its stack.
export class CommandFailure extends Error {
  readonly exitCode: number = 1;
  constructor(message: string) {
    super(message);
    this.name = "CommandFailure";
  }
}
