// Ctrl-C and SIGTERM during a command that writes: the first one asks the command to stop
// cleanly (it then says what it kept and exits 130); a second one exits at once, which is
// still safe because every store write is atomic.
import { exitCodes } from "./exitCodes.js";

const signals = ["SIGINT", "SIGTERM"] as const;

/** Call `stop` on the first SIGINT or SIGTERM; returns the function that stops listening. */
export function onInterrupt(stop: () => void): () => void {
  let received = false;
  const listener = () => {
    if (received) {
      process.stderr.write("\ninterrupted again: exiting without waiting (what is stored is complete)\n");
      process.exit(exitCodes.interrupted);
    }
    received = true;
    // The progress line of a terminal is rewritten in place: start on a fresh line.
    if (process.stderr.isTTY) process.stderr.write("\n");
    stop();
  };
  for (const signal of signals) process.on(signal, listener);
  return () => {
    for (const signal of signals) process.off(signal, listener);
  };
}
