// Where everything lives in a store (filesystem directory or S3 bucket/prefix): the one store
// layout, read by the pipeline (shared/pipeline), results (shared/results), the report, the CLI
// and the IAM policies (infra/storeAccess.ts derives its key patterns from `keys`).

/**
 * Every key, by what it holds. Cells are content-addressed, so results are shared between sweeps. The
 * definitions of the cells Plan leaves to compute are written in bundles (JSON Lines, up to
 * DEFINITIONS_PER_BUNDLE a file) named by the SHA-256 of their bytes, so a bundle is never
 * replaced by different bytes and a manifest's offsets stay valid; one file per cell would cost
 * planning ~100-300 us of file creation per cell (docs/BENCHMARKS.md "Hardening: load"). A
 * result gets its directory when it is computed.
 */
export const keys = {
  spec: (sweepId: string) => `sweeps/${sweepId}/spec.yaml`,
  resolved: (sweepId: string) => `sweeps/${sweepId}/resolved.json`,
  /** Every cell of the sweep, one CellReference a line, in grid order. */
  cells: (sweepId: string) => `sweeps/${sweepId}/cells.jsonl`,
  /** The cells still to compute when Plan ran (ManifestItem lines). */
  manifest: (sweepId: string) => `sweeps/${sweepId}/manifest.jsonl`,
  /**
   * Every cell of the sweep as its summary row starts (SliceRow lines: hash, parameters, whether
   * this plan left it to compute), in grid order; Reduce reads one slice of it by byte range.
   */
  rows: (sweepId: string) => `sweeps/${sweepId}/rows.jsonl`,
  /** The Reduce map's items: one SliceItem a line, each CELLS_PER_SLICE cells of `rows` (shared/pipeline/slices.ts). */
  slices: (sweepId: string) => `sweeps/${sweepId}/slices.jsonl`,
  /**
   * What Reduce gathered from one slice's results (rows, claim evidence, report facts;
   * shared/pipeline/partial.ts), merged by Aggregate. Derived and rebuilt every run, so kept
   * under one prefix that expires (infra/bucketDefaults.ts).
   */
  partial: (sweepId: string, slice: number | string) => `partials/${sweepId}/${slice}.jsonl`,
  report: (sweepId: string, file: string) => `sweeps/${sweepId}/report/${file}`,
  /** The sweep's summary.json (written last of its report: a reader who finds it finds the report). */
  summary: (sweepId: string) => `sweeps/${sweepId}/report/summary.json`,
  /** Cell definitions (CellDocument lines), written by Plan; `bundle` is the SHA-256 of the file. */
  definitions: (bundle: string) => `definitions/${bundle}.jsonl`,
  result: (hash: string) => `cells/${hash}/result.json`,
  /** How long the cell took and where (not deterministic, so kept out of result.json). */
  timings: (hash: string) => `cells/${hash}/timings.json`,
  /** Why the cell's last attempt failed; a later success leaves it stale (result.json wins). */
  error: (hash: string) => `cells/${hash}/error.json`,
} as const;

/** The sweep a key under `sweeps/` belongs to (the inverse of the sweep keys above), else undefined. */
export function sweepIdOfKey(key: string): string | undefined {
  return /^sweeps\/([^/]+)\//.exec(key)?.[1];
}

/**
 * Cells of the grid per bundle: Plan cuts the sweep at every 1,000 cells of grid order and
 * bundles the pending ones of each stretch, so a stretch whose pending cells did not change
 * keeps its bundle (same bytes, same name) from one plan to the next. 1,000 definitions are
 * ~0.3-1 MB.
 */
export const DEFINITIONS_PER_BUNDLE = 1000;

/** A definition longer than this is refused unread: a damaged manifest must not make a Worker allocate gigabytes. */
export const MAX_DEFINITION_BYTES = 16 * 2 ** 20;

/**
 * A slice's lines of `rows.jsonl` longer than this are refused unread (a damaged slices.jsonl
 * must not make Reduce allocate gigabytes): 1,000 rows of up to 64 KiB of parameters each.
 */
export const MAX_SLICE_ROWS_BYTES = 64 * 2 ** 20;
