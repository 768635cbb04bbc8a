// Builds the AssemblyScript kernels (wasm/assembly) for every target in wasm/asconfig.json,
// and for the release target the typed bindings (build/dropsweep.js and dropsweep.d.ts, which
// shared/numerics/engine.ts takes its export types from). Run by `npm ci` through the `prepare`
// script; flags live in asconfig.json, not here.
import asc from "assemblyscript/asc";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const config = JSON.parse(readFileSync(join(here, "asconfig.json"), "utf8"));
mkdirSync(join(here, "build"), { recursive: true });

for (const target of Object.keys(config.targets)) {
  const started = Date.now();
  const { error, stderr } = await asc.main(
    ["assembly/index.ts", "--config", "asconfig.json", "--target", target, "--baseDir", here],
    { stdout: process.stdout },
  );
  if (error) {
    process.stderr.write(stderr.toString());
    process.stderr.write(`wasm build failed for target "${target}": ${error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`wasm: built ${target} in ${Date.now() - started} ms\n`);
}
