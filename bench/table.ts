// The table `dropsweep bench` prints: one line per BenchRow, with the speed-up of ours over the
// peer oriented so that > 1 always means ours is faster (ours/peer for "higher is better"
// units such as GFLOP/s and steps/s, peer/ours for times).
import type { BenchRow } from "./types.js";

/** How many times faster ours is than the peer (> 1: ours faster), or null without a peer value. */
export function speedUp(row: BenchRow): number | null {
  if (row.peerValue === null || row.peerValue === 0 || row.ours === 0) return null;
  return /lower is better/.test(row.unit) ? row.peerValue / row.ours : row.ours / row.peerValue;
}

export function formatTable(rows: BenchRow[]): string {
  const header = ["kernel", "size", "dtype", "ours", "peer", "peer value", "speed-up (> 1: ours faster)", "unit"];
  const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(3));
  const body = rows.map((r) => {
    const ratio = speedUp(r);
    return [
      r.kernel,
      r.size,
      r.dtype ?? "-",
      fmt(r.ours),
      r.peer,
      r.peerValue === null ? "-" : fmt(r.peerValue),
      ratio === null ? "-" : `${ratio.toFixed(2)}x`,
      r.unit,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n") + "\n";
}
