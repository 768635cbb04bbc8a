// Builds the AssemblyScript kernels (wasm/assembly) for every target in wasm/asconfig.json,
// and for the release target the typed bindings (build/dropsweep.js and dropsweep.d.ts, which
// shared/numerics/engine.ts takes its export types from). Run by `npm ci` through the `prepare`
// script; flags live in asconfig.json, not here.
//
// Skipped when the outputs were built from the same inputs (the sources, asconfig.json, this
// script and the compiler's version, hashed into build/inputs.sha256): `npx dropsweep` in a
// checkout installs the project into npx's cache, which runs `prepare` again, and a rebuild
// there was 5-15 s of silence before the command's first line. `--force` rebuilds anyway.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const config = JSON.parse(readFileSync(join(here, "asconfig.json"), "utf8"));
mkdirSync(join(here, "build"), { recursive: true });

function sources(directory) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(directory, entry.name)) : [join(directory, entry.name)],
  );
}

/** SHA-256 over every input of the build, in a fixed order. */
function inputsHash() {
  const compiler = createRequire(import.meta.url)("assemblyscript/package.json").version;
  const hash = createHash("sha256").update(`assemblyscript ${compiler}\0`);
  const files = [join(here, "asconfig.json"), fileURLToPath(import.meta.url), ...sources(join(here, "assembly"))].sort();
  for (const file of files)
    hash
      .update(`${relative(here, file)}\0`)
      .update(readFileSync(file))
      .update("\0");
  return hash.digest("hex");
}

const stamp = join(here, "build", "inputs.sha256");
const inputs = inputsHash();
// asc writes a target's bindings ("bindings": "raw") beside its outFile, as .js and .d.ts.
const bindingFiles = (t) => (t.bindings ? [".js", ".d.ts"].map((ext) => t.outFile.replace(/\.wasm$/, ext)) : []);
const outputs = Object.values(config.targets)
  .flatMap((t) => [t.outFile, t.textFile, ...bindingFiles(t)].filter(Boolean))
  .map((f) => join(here, f));
const upToDate = existsSync(stamp) && readFileSync(stamp, "utf8").trim() === inputs && outputs.every((f) => existsSync(f));
if (upToDate && !process.argv.includes("--force")) {
  process.stdout.write("wasm: up to date (built from the same sources; --force rebuilds)\n");
  process.exit(0);
}

const { default: asc } = await import("assemblyscript/asc");
for (const target of Object.keys(config.targets)) {
  const started = Date.now();
  const { error, stderr } = await asc.main(["assembly/index.ts", "--config", "asconfig.json", "--target", target, "--baseDir", here], {
    stdout: process.stdout,
  });
  if (error) {
    process.stderr.write(stderr.toString());
    process.stderr.write(`wasm build failed for target "${target}": ${error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`wasm: built ${target} in ${Date.now() - started} ms\n`);
}
writeFileSync(stamp, `${inputs}\n`);
