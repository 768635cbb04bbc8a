import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../cli/commands/theory.js";
import { UsageError } from "../../shared/errors.js";
import { fromRows } from "../../shared/numerics/matrix.js";
import { singularValues } from "../../shared/numerics/svd.js";
import { closedForm } from "../../shared/theory/closedForm.js";

const dir = mkdtempSync(join(tmpdir(), "dropsweep-theory-"));
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
};
const yRows = [
  [3, 1, 0],
  [1, 2, 1],
  [0, 1, 1],
  [1, 1, 1],
];
const xRows = [
  [1, 0, 2, 1, 0],
  [0, 1, 1, 0, 1],
];
const y = file("Y.json", yRows);
const y5 = file("Y5.json", [
  [1, 2, 0, 1, 3],
  [0, 1, 1, 2, 1],
]);
const x = file("X.json", xRows);

function cli(args: string[]) {
  return spawnSync(process.execPath, ["bin/dropsweep.js", "theory", ...args], { encoding: "utf8" });
}

describe("dropsweep theory (spawned)", () => {
  it("--json prints one object with the closed form", () => {
    const out = cli(["--targets", y, "--hidden", "4", "--block", "2", "--keep", "0.7", "--json"]);
    expect(out.status).toBe(0);
    const report = JSON.parse(out.stdout);
    const cf = closedForm({ targets: fromRows(yRows), hiddenUnits: 4, blockSize: 2, keepProbability: 0.7 });
    expect(report.singularValues).toEqual(Array.from(cf.spectrum));
    expect(report.singularValues).toHaveLength(3);
    expect(report).toMatchObject({
      objective: cf.objective,
      rank: cf.rank,
      kSupportIndex: cf.kSupportIndex,
      blocksNeeded: cf.blocksNeeded,
      representable: cf.representable,
    });
  });

  it("data mode and a readable table", () => {
    const json = cli(["--targets", y5, "--inputs", x, "--hidden", "2", "--block", "1", "--keep", "0.5", "--json"]);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout).singularValues).toHaveLength(2);
    const table = cli(["--targets", y5, "--inputs", x, "--hidden", "2", "--block", "1", "--keep", "0.5"]);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/representable \(b >= needed\)\s+yes/);
    expect(table.stdout).toMatch(/data \(X is 2 x 5\)/);
  });

  it("data mode: singularValues are those of the predictions A* X, length min(m, N)", () => {
    const yTall = [
      [1, 2, 0, 1, 3],
      [0, 1, 1, 2, 1],
      [2, 0, 1, 1, 0],
      [1, 1, 0, 0, 2],
    ];
    const out = cli(["--targets", file("Ytall.json", yTall), "--inputs", x, "--hidden", "2", "--block", "1", "--keep", "0.5", "--json"]);
    expect(out.status).toBe(0);
    const values: number[] = JSON.parse(out.stdout).singularValues;
    expect(values).toHaveLength(4);
    // Independently: form the predictions (A* is m x d) times X with naive loops, then the SVD.
    const cf = closedForm({ targets: fromRows(yTall), inputs: fromRows(xRows), hiddenUnits: 2, blockSize: 1, keepProbability: 0.5 });
    const predictions = yTall.map((_, i) =>
      xRows[0]!.map((_, j) => xRows.reduce((s, row, p) => s + cf.product.data[i * xRows.length + p]! * row[j]!, 0)),
    );
    const expected = Array.from(singularValues(fromRows(predictions)));
    expected.forEach((v, i) => expect(values[i]).toBeCloseTo(v, 10));
  });

  it("bad input: exit 2, one message naming the field, no stack trace", () => {
    const out = cli(["--targets", y, "--hidden", "4", "--block", "3", "--keep", "0.7"]);
    expect(out.status).toBe(2);
    expect(out.stderr).toBe(
      "dropsweep: --block: expected a divisor of --hidden = 4 (partitioned DropBlock splits the units into blocks), got 3\n",
    );
    expect(out.stdout).toBe("");
  });
});

describe("dropsweep theory run(): input errors", () => {
  const base = ["--hidden", "4", "--block", "2", "--keep", "0.7"];
  const cases: [string, string[], RegExp][] = [
    ["ragged rows", ["--targets", file("ragged.json", [[1, 2], [3]]), ...base], /--targets: row 1 .* has 1 entries but row 0 has 2/],
    [
      "non-numbers",
      ["--targets", file("text.json", [[1, "2"]]), ...base],
      /--targets: entry \[0\]\[1\] .* is "2"; expected a finite number/,
    ],
    ["null entries", ["--targets", file("null.json", [[1, null]]), ...base], /expected a finite number/],
    ["not an array", ["--targets", file("object.json", { rows: [] }), ...base], /--targets: .* must hold a non-empty JSON array of rows/],
    ["invalid JSON", ["--targets", file("broken.json", "[[1, 2"), ...base], /--targets: .* is not valid JSON/],
    ["missing file", ["--targets", join(dir, "nope.json"), ...base], /--targets: cannot read .*nope\.json \(ENOENT\)/],
    ["missing --targets", base, /--targets: required/],
    ["missing --hidden", ["--targets", y, "--block", "2", "--keep", "0.7"], /--hidden: required/],
    ["missing --keep", ["--targets", y, "--hidden", "4", "--block", "2"], /--keep: required/],
    [
      "K not dividing R",
      ["--targets", y, "--hidden", "5", "--block", "2", "--keep", "0.7"],
      /^--block: expected a divisor of --hidden = 5 \(partitioned DropBlock splits the units into blocks\), got 2$/,
    ],
    [
      "R not an integer",
      ["--targets", y, "--hidden", "4.5", "--block", "1", "--keep", "0.7"],
      /--hidden: must be an integer >= 1, got "4.5"/,
    ],
    ["K zero", ["--targets", y, "--hidden", "4", "--block", "0", "--keep", "0.7"], /--block: must be an integer >= 1/],
    ["THETA zero", ["--targets", y, "--hidden", "4", "--block", "2", "--keep", "0"], /^--keep: expected a number > 0 and <= 1, got 0$/],
    [
      "THETA above 1",
      ["--targets", y, "--hidden", "4", "--block", "2", "--keep", "1.5"],
      /^--keep: expected a number > 0 and <= 1, got 1.5$/,
    ],
    [
      "THETA and K both wrong: both named",
      ["--targets", y, "--hidden", "4", "--block", "3", "--keep", "1.5"],
      /^--keep: expected a number > 0 and <= 1, got 1.5; --block: expected a divisor of --hidden = 4/,
    ],
    ["THETA not a number", ["--targets", y, "--hidden", "4", "--block", "2", "--keep", "high"], /--keep: must be a number, got "high"/],
    ["column counts differ", ["--targets", y, "--inputs", x, ...base], /--inputs: X has 5 columns but Y has 3/],
    [
      "singular X X^T",
      [
        "--targets",
        y5,
        "--inputs",
        file("singular.json", [
          [1, 2, 3, 4, 5],
          [2, 4, 6, 8, 10],
        ]),
        ...base,
      ],
      /inputs: X X\^T is singular/,
    ],
    [
      "more features than samples",
      [
        "--targets",
        y,
        "--inputs",
        file("wide.json", [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
          [1, 1, 1],
        ]),
        ...base,
      ],
      /inputs: X X\^T is singular/,
    ],
    ["unknown flag", ["--targets", y, ...base, "--verbose"], /theory: unknown option --verbose; allowed: --targets/],
    ["positional argument", ["--targets", y, ...base, "extra"], /theory: unexpected argument "extra"/],
  ];
  for (const [name, args, message] of cases)
    it(name, async () => {
      const attempt = run(args);
      await expect(attempt).rejects.toBeInstanceOf(UsageError);
      await expect(attempt).rejects.toThrow(message);
    });

  it("--help exits 0", async () => {
    const write = process.stdout.write;
    let printed = "";
    process.stdout.write = ((chunk: string) => ((printed += chunk), true)) as typeof process.stdout.write;
    try {
      expect(await run(["--help"])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(printed).toMatch(/usage: dropsweep theory/);
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
