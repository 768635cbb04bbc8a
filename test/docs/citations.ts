// Citations of a document's sections, as the code and the docs write them: a Markdown file's
// name, then one or more quoted headings of it, e.g. THEORY.md "Exact prox",
// (THEORY.md, "Representability" and "Balance"), docs/BENCHMARKS.md "Paper sweep". A citation
// may run over comment lines (the `//`, `*` or `#` that continues a comment is read as a space).
// A cited section must be a heading of that document; a heading's trailing parenthetical may be
// left out of the citation ("Hardening: load" cites "Hardening: load (plan, run, ...)").
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

export interface Citation {
  /** The citing file, relative to the root. */
  file: string;
  line: number;
  /** The document as written (THEORY.md, docs/BENCHMARKS.md). */
  document: string;
  section: string;
}

/** Files that may cite, by extension. */
const citingExtensions = [".ts", ".mjs", ".js", ".md", ".yaml", ".yml"];
/** Generated or installed trees, never read. */
const skippedDirectories = new Set(["node_modules", "cdk.out", "runs", "test-artifacts", "coverage", "wasm/build"]);

// A document name ending in .md, then a space, a comma or colon and a space, or an opening
// parenthesis (so `"THEORY.md", "x"` in a list is not a citation), then the quoted sections
// separated by commas and/or "and".
const quoted = String.raw`"[^"\n]+"`;
const citation = new RegExp(
  String.raw`(?<![\w./-])((?:[\w-]+/)*[\w-]+\.md)(?:[,:]?\s+\(?|\s*\()(${quoted}(?:\s*(?:,\s*and|,|and)\s+${quoted})*)`,
  "g",
);

/** Text with comment continuations joined into single spaces, and each character's original offset. */
function joinCommentLines(text: string): { joined: string; offsets: number[] } {
  const continuation = /\n[ \t]*(?:\/\/+|\*(?!\/)|#+)?[ \t]*/y;
  let joined = "";
  const offsets: number[] = [];
  for (let i = 0; i < text.length;) {
    continuation.lastIndex = i;
    const match = text[i] === "\n" ? continuation.exec(text) : null;
    if (match) {
      joined += " ";
      offsets.push(i);
      i += match[0].length;
    } else {
      joined += text[i];
      offsets.push(i);
      i++;
    }
  }
  return { joined, offsets };
}

/** Every section citation in `text`, with the line where it starts. */
export function findCitations(text: string, file: string): Citation[] {
  const { joined, offsets } = joinCommentLines(text);
  const found: Citation[] = [];
  for (const match of joined.matchAll(citation)) {
    const start = offsets[match.index]!;
    const line = text.slice(0, start).split("\n").length;
    for (const section of match[2]!.matchAll(/"([^"\n]+)"/g)) found.push({ file, line, document: match[1]!, section: section[1]! });
  }
  return found;
}

/** The headings of a Markdown text (ATX headings outside fenced code blocks). */
export function headingsOf(markdown: string): string[] {
  const headings: string[] = [];
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) headings.push(heading[1]!);
  }
  return headings;
}

/** The file a cited document name refers to: a path from the root, or a bare name at the root or in docs/. */
export function resolveDocument(root: string, document: string): string | undefined {
  const candidates = document.includes("/") ? [document] : [document, join("docs", document)];
  return candidates.find((candidate) => existsSync(join(root, candidate)));
}

/** Every file under `root` that may cite, skipping generated trees and dot-directories. */
export function citingFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      const name = relative(root, path);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith(".") && !skippedDirectories.has(entry.name) && !skippedDirectories.has(name)) walk(path);
      } else if (citingExtensions.some((extension) => entry.name.endsWith(extension))) files.push(name);
    }
  };
  walk(root);
  return files.sort();
}

/** Every citation under `root`, and one message per citation whose document or heading does not exist. */
export function checkCitations(root: string): { citations: Citation[]; problems: string[] } {
  const citations = citingFiles(root).flatMap((file) => findCitations(readFileSync(join(root, file), "utf8"), file));
  const headings = new Map<string, string[] | undefined>();
  const problems: string[] = [];
  for (const c of citations) {
    if (!headings.has(c.document)) {
      const path = resolveDocument(root, c.document);
      headings.set(c.document, path === undefined ? undefined : headingsOf(readFileSync(join(root, path), "utf8")));
    }
    const known = headings.get(c.document);
    const where = `${c.file}:${c.line}`;
    if (!known) problems.push(`${where}: cites ${c.document} "${c.section}", but ${c.document} is not in the repository`);
    else if (!known.some((h) => h === c.section || h.startsWith(`${c.section} (`)))
      problems.push(`${where}: cites ${c.document} "${c.section}", which is not a heading of ${c.document}`);
  }
  return { citations, problems };
}
