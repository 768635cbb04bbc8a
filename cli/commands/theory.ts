// `dropsweep theory`: the closed-form DropBlock minimum for targets Y (and data X), from
// shared/theory (THEORY.md, "Induced regulariser and closed-form global minimum", "Data matrix").
import { readFileSync } from "node:fs";
import { UsageError } from "../../shared/errors.js";
import { maskProblems } from "../../shared/masks.js";
import { type Matrix, fromRows } from "../../shared/numerics/matrix.js";
import { closedForm } from "../../shared/theory/closedForm.js";
import { defineCommand, flag, helpText, parseCommandArgs } from "../args.js";

function command() {
  return defineCommand({
    path: "theory",
    usage: "--targets Y.json --hidden R --block K --keep THETA [--inputs X.json] [--json]",
    description: "The closed-form global minimum of the DropBlock-regularised objective for targets Y (and data X).",
    after: "Exit codes: 0 done; 2 bad input.",
    options: [
      flag("--targets <FILE>", "Y as a JSON array of rows (m rows of N numbers)"),
      flag("--inputs <FILE>", "X as a JSON array of rows (d rows of N numbers); omit for factorisation (X = I)"),
      flag("--hidden <R>", "hidden units r, an integer >= 1"),
      flag("--block <K>", "block size k, an integer >= 1 dividing r (1 is dropout)"),
      flag("--keep <THETA>", "keep probability theta in (0, 1]"),
      flag("--json", "print one JSON object instead of a table"),
    ],
  });
}

interface Flags {
  targets?: string;
  inputs?: string;
  hidden?: string;
  block?: string;
  keep?: string;
  json?: boolean;
}

export interface TheoryReport {
  singularValues: number[];
  objective: number;
  rank: number;
  kSupportIndex: number;
  blocksNeeded: number;
  representable: boolean;
  blocks: number;
  balanceTarget: number;
}

export async function run(argv: string[]): Promise<number> {
  const { help, values } = parseCommandArgs<Flags>("theory", command(), argv, false);
  if (help) {
    process.stdout.write(helpText(command()));
    return 0;
  }
  const hiddenUnits = integerFlag("hidden", values.hidden, 1);
  const blockSize = integerFlag("block", values.block, 1);
  const keepProbability = numberFlag("keep", values.keep);
  // The flags describe a partitioned DropBlock mask: checked by the one mask schema, in its words.
  const maskFlags: Record<string, string> = { blockSize: "--block", keepProbability: "--keep" };
  const problems = maskProblems({ family: "dropblock", keepProbability, blockSize }, hiddenUnits, { at: [], hiddenUnitsName: "--hidden" });
  if (problems.length) throw new UsageError(problems.map((p) => `${maskFlags[p.path] ?? p.path}: ${p.message}`).join("; "));
  if (values.targets === undefined) throw new UsageError("--targets: required (a JSON file holding Y as an array of rows)");
  const targets = readMatrix("targets", values.targets);
  const inputs = values.inputs === undefined ? null : readMatrix("inputs", values.inputs);
  if (inputs && inputs.cols !== targets.cols)
    throw new UsageError(
      `--inputs: X has ${inputs.cols} columns but Y has ${targets.cols}; X and Y need one column per sample, the same N`,
    );

  const cf = flagNamed(() => closedForm({ targets, inputs, hiddenUnits, blockSize, keepProbability }));
  // The spectrum of the fitted predictions A* X (m x N): in data mode B* S^{-1/2} X = B* Pm with
  // Pm's rows orthonormal, so its values are w padded with zeros to min(m, N).
  const singularValues = Array.from({ length: Math.min(targets.rows, targets.cols) }, (_, i) => cf.spectrum[i] ?? 0);
  const report: TheoryReport = {
    singularValues,
    objective: cf.objective,
    rank: cf.rank,
    kSupportIndex: cf.kSupportIndex,
    blocksNeeded: cf.blocksNeeded,
    representable: cf.representable,
    blocks: cf.blocks,
    balanceTarget: cf.balanceTarget,
  };
  if (values.json) {
    process.stdout.write(JSON.stringify(report) + "\n");
    return 0;
  }
  const rows: [string, string][] = [
    ["mode", inputs ? `data (X is ${inputs.rows} x ${inputs.cols})` : "factorisation (X = I)"],
    ["targets", `${targets.rows} x ${targets.cols}`],
    ["hidden units r", String(hiddenUnits)],
    ["block size k", String(blockSize)],
    ["blocks b = r/k", String(cf.blocks)],
    ["keep probability", String(keepProbability)],
    ["lambda", format(cf.lambda)],
    ["mu = lambda / b", format(cf.mu)],
    ["objective at optimum", format(cf.objective)],
    ["rank of A*", String(cf.rank)],
    ["k-support index t", String(cf.kSupportIndex)],
    ["blocks needed", String(cf.blocksNeeded)],
    ["representable (b >= needed)", cf.representable ? "yes" : "no"],
    ["balance target ||A*||_(k)/b", format(cf.balanceTarget)],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`);
  lines.push("", "singular values of the optimum (target -> closed form):");
  cf.spectrum.forEach((w, i) => lines.push(`  ${String(i + 1).padStart(3)}  ${format(cf.targetSpectrum[i]!)} -> ${format(w)}`));
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}

/** The theory's errors name its inputs ("inputs: X X^T is singular"); here they are flags. */
function flagNamed<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof UsageError && /^(inputs|targets): /.test(error.message)) throw new UsageError(`--${error.message}`);
    throw error;
  }
}

/**
 * The numbers of a JSON text too large for a double, in order ("1e400"): JSON.parse reads them
 * as Infinity, and a message should show what the file says.
 */
function overflowingNumbers(text: string): string[] {
  const tokens = text.match(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g) ?? [];
  return tokens.filter((t) => !t.startsWith('"') && !Number.isFinite(Number(t)));
}

function format(x: number): string {
  return x === 0 ? "0" : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e6 ? x.toPrecision(8) : x.toExponential(6);
}

function integerFlag(name: string, raw: string | undefined, min: number): number {
  if (raw === undefined) throw new UsageError(`--${name}: required (an integer >= ${min})`);
  const value = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(value) || value < min)
    throw new UsageError(`--${name}: must be an integer >= ${min}, got "${raw}"`);
  return value;
}

function numberFlag(name: string, raw: string | undefined): number {
  if (raw === undefined) throw new UsageError(`--${name}: required (a number in (0, 1])`);
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value)) throw new UsageError(`--${name}: must be a number, got "${raw}"`);
  return value;
}

/** A JSON array of equal-length rows of finite numbers; every problem names the flag and place. */
function readMatrix(flag: "targets" | "inputs", path: string): Matrix {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new UsageError(`--${flag}: cannot read ${path} (${code}); expected a JSON file holding an array of rows`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--${flag}: ${path} is not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(data) || data.length === 0)
    throw new UsageError(`--${flag}: ${path} must hold a non-empty JSON array of rows, e.g. [[1, 2], [3, 4]]`);
  let width = -1;
  const overflowing = overflowingNumbers(text);
  data.forEach((row: unknown, i: number) => {
    if (!Array.isArray(row) || row.length === 0)
      throw new UsageError(`--${flag}: row ${i} of ${path} must be a non-empty array of numbers`);
    if (width < 0) width = row.length;
    if (row.length !== width)
      throw new UsageError(`--${flag}: row ${i} of ${path} has ${row.length} entries but row 0 has ${width}; rows must be equally long`);
    row.forEach((x: unknown, j: number) => {
      if (typeof x === "number" && !Number.isFinite(x))
        throw new UsageError(
          `--${flag}: entry [${i}][${j}] of ${path} is not a finite number (${overflowing.shift() ?? x}); expected a finite number`,
        );
      if (typeof x !== "number")
        throw new UsageError(`--${flag}: entry [${i}][${j}] of ${path} is ${JSON.stringify(x)}; expected a finite number`);
    });
  });
  return fromRows(data as number[][]);
}
