// The "regenerate without recomputing" command printed at the end of the report: it must name
// the store the report was written to, or it fails with "no such sweep" for any store but the
// default `runs/` of the directory it is typed in.
import { isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** A word as a POSIX shell reads it: unchanged when safe, else single-quoted. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `npx dropsweep report SWEEP` with the store's option: none for `runs` under `cwd` (the
 * command's default), `--out DIR` for another directory (relative to `cwd` when inside it),
 * `--store URL` for anything else (s3://bucket/prefix), with `--endpoint` for an S3-compatible
 * server (the store's URL does not record it; Store.endpoint does).
 */
export function regenerateCommand(sweepId: string, storeUrl: string, cwd: string = process.cwd(), endpoint?: string): string {
  let option = "";
  if (storeUrl.startsWith("file://")) {
    const root = fileURLToPath(storeUrl);
    if (resolve(root) !== resolve(cwd, "runs")) {
      const inside = relative(cwd, root);
      const shown = inside && !inside.startsWith("..") && !isAbsolute(inside) ? inside : root;
      option = ` --out ${shellWord(shown)}`;
    }
  } else option = ` --store ${shellWord(storeUrl)}${endpoint ? ` --endpoint ${shellWord(endpoint)}` : ""}`;
  return `npx dropsweep report ${shellWord(sweepId)}${option}`;
}
