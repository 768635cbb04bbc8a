// Code and docs cite sections of docs/THEORY.md, docs/ARCHITECTURE.md and other documents by
// their headings: every such citation must name a document of the repository and one of its
// headings, so the "why" can be followed from a clone.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { checkCitations, findCitations, headingsOf } from "./citations.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** `doc "section"`, built at run time so that this file holds no citation of its own. */
const cite = (doc: string, ...sections: string[]) => `${doc} ${sections.map((s) => `"${s}"`).join(" and ")}`;
const theory = ["THEORY", "md"].join(".");

describe("section citations", () => {
  it("every quoted section a file of the repository cites is a heading of the document it names", () => {
    const { citations, problems } = checkCitations(root);
    expect(problems).toEqual([]);
    // The check is not vacuous: the code cites both documents many times.
    const count = (name: string) => citations.filter((c) => c.document.endsWith(name)).length;
    expect(count("THEORY.md")).toBeGreaterThanOrEqual(50);
    expect(count("ARCHITECTURE.md")).toBeGreaterThanOrEqual(8);
  });

  it("the README links both documents", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    expect(readme).toContain("](docs/THEORY.md)");
    expect(readme).toContain("](docs/ARCHITECTURE.md)");
  });

  describe("on a made-up repository", () => {
    const fake = mkdtempSync(join(tmpdir(), "dropsweep-citations-"));
    afterAll(() => rmSync(fake, { recursive: true, force: true }));
    mkdirSync(join(fake, "docs"));
    mkdirSync(join(fake, "src"));
    writeFileSync(
      join(fake, "docs", "THEORY.md"),
      ["# Theory", "## Setting", "### Exact prox", "## Hardening: load (at scale)", "```", "## Not a heading (fenced)", "```", ""].join(
        "\n",
      ),
    );
    writeFileSync(
      join(fake, "src", "a.ts"),
      [
        `// Fine: ${cite("THEORY.md", "Setting")}, (${cite("THEORY.md,", "Exact prox")}).`,
        `// Fine, the heading's parenthetical left out: ${cite("docs/THEORY.md", "Hardening: load")}.`,
        `// Made up, over two comment lines: (${theory} "Exact`,
        `// prox of nothing").`,
        `const s = "${cite("THEORY.md", "Not a heading (fenced)").replace(/"/g, "'")}"; // single quotes: not a citation`,
        `// ${cite("THEORY.md", "Setting", "Nonexistent")}`,
        `// ${cite("MISSING.md", "Anything")}`,
        `const list = ["THEORY.md", "Setting"]; // a list of strings, not a citation`,
      ].join("\n"),
    );
    writeFileSync(join(fake, "notes.md"), `See ${cite("THEORY.md", "Not a heading (fenced)")}.\n`);

    it("fails on each made-up citation, naming the file, the line, the document and the section", () => {
      const { citations, problems } = checkCitations(fake);
      expect(problems).toEqual([
        `notes.md:1: cites ${cite("THEORY.md", "Not a heading (fenced)")}, which is not a heading of THEORY.md`,
        `src/a.ts:3: cites ${cite("THEORY.md", "Exact prox of nothing")}, which is not a heading of THEORY.md`,
        `src/a.ts:6: cites ${cite("THEORY.md", "Nonexistent")}, which is not a heading of THEORY.md`,
        `src/a.ts:7: cites ${cite("MISSING.md", "Anything")}, but MISSING.md is not in the repository`,
      ]);
      expect(citations.map((c) => `${c.file}:${c.line} ${c.section}`)).toEqual([
        "notes.md:1 Not a heading (fenced)",
        "src/a.ts:1 Setting",
        "src/a.ts:1 Exact prox",
        "src/a.ts:2 Hardening: load",
        "src/a.ts:3 Exact prox of nothing",
        "src/a.ts:6 Setting",
        "src/a.ts:6 Nonexistent",
        "src/a.ts:7 Anything",
      ]);
    });
  });

  it("reads the citation forms the code uses", () => {
    const forms = [
      `// ${cite("THEORY.md", "Setting")}: one section`,
      `/** (${cite("THEORY.md,", "Representability", "Balance")}) */`,
      `# (${cite("ARCHITECTURE.md", "Data flow")} 1)`,
      `// A (${theory}, "Induced\n// regulariser", "Data matrix").`,
      ` * (${theory} ("Mask\n   * families")`,
    ];
    expect(forms.map((text) => findCitations(text, "x").map((c) => c.section))).toEqual([
      ["Setting"],
      ["Representability", "Balance"],
      ["Data flow"],
      ["Induced regulariser", "Data matrix"],
      ["Mask families"],
    ]);
  });

  it("takes headings from outside fenced code only, without their closing hashes", () => {
    expect(headingsOf("# A #\ntext\n```\n# not\n```\n### B: c (d)\n")).toEqual(["A", "B: c (d)"]);
  });
});
