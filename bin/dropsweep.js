#!/usr/bin/env node
// CLI entry: the TypeScript sources run under tsx's ESM loader (no separate build step).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
