#!/usr/bin/env node
// CLI entry: the TypeScript sources run under tsx's ESM loader (no separate build step).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/main.ts");
const code = await main(process.argv.slice(2));
// An interrupted run exits now (timers of the stopped execution may still be pending); any
// other command ends when its work has drained.
if (code === 130) process.exit(code);
process.exitCode = code;
