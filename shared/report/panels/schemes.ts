// Claim 7's plot: the analysed (partitioned) DropBlock against the original (contiguous) one,
// the twin cells claim 7 paired, a row per setting: their training curves and their final
// spectra, every seed its own line (seeds are never joined into one line).
import { counted } from "../../text.js";
import { thinCurve } from "../thin.js";
import type { Panel, PlotSpec } from "./panel.js";
import {
  baseConfig,
  colour,
  epochAxis,
  epochNote,
  facetHeight,
  facetWidth,
  headerChars,
  lines,
  logValueAxis,
  onEpochAxis,
  positive,
  type Series,
} from "./style.js";
import { thinnedCurvesNote } from "./trainingCurves.js";

export interface SchemeInput {
  /** The setting: what the twins share but their seed (a row of the plot). */
  configuration: string;
  scheme: "partitioned" | "contiguous";
  /** Tells the seeds of a setting apart: one line each. */
  seed?: number | string;
  epochs: readonly { epoch: number; deterministicObjective: number }[];
  /** Final singular values of the learned product. */
  spectrum?: readonly number[];
}

const schemePanels = { curve: "objective E_z L_z by epoch", spectrum: "final singular values by index i" } as const;

/**
 * Claim 7: the analysed (partitioned) DropBlock against the original (contiguous) one: one row
 * per setting, its training curves beside its final spectra, both on log scales, a line per
 * seed and scheme.
 */
export function schemesPlot(inputs: readonly SchemeInput[], notes: string[] = []): PlotSpec | undefined {
  const values: { configuration: string; panel: string; x: number; series: Series; line: string; value: number }[] = [];
  const skipped = { count: 0 };
  for (const input of inputs) {
    const series = input.scheme as Series;
    const line = `${input.scheme} ${input.seed ?? ""}`;
    for (const p of input.epochs)
      if (onEpochAxis(p.epoch, skipped) && positive(p.deterministicObjective))
        values.push({
          configuration: input.configuration,
          panel: schemePanels.curve,
          x: p.epoch,
          series,
          line,
          value: p.deterministicObjective,
        });
    input.spectrum?.forEach((value, i) => {
      if (positive(value)) values.push({ configuration: input.configuration, panel: schemePanels.spectrum, x: i + 1, series, line, value });
    });
  }
  if (values.length === 0) return undefined;
  const rows = [...new Set(values.map((v) => v.configuration))];
  const seeded =
    inputs.some((i) => i.seed !== undefined) && new Set(inputs.map((i) => `${i.configuration} ${i.scheme}`)).size < inputs.length;
  const legend = colour(["partitioned", "contiguous"], "scheme");
  const row = (labels: boolean) => ({
    field: "configuration",
    type: "nominal" as const,
    title: null,
    sort: rows,
    header: labels ? { labelExpr: lines, labelAngle: 0, labelAlign: "left" as const, labelFontSize: 12 } : { labels: false },
  });
  return {
    id: "schemes",
    title: "Partitioned vs contiguous DropBlock",
    caption: `Per setting (the same data, block size and keep probability): left, the deterministic objective during training with the analysed partitioned DropBlock (red) and the original contiguous one (green); right, the final singular values of both learned products${seeded ? "; each seed is its own line" : ""}. Where red and green lie on each other the theory's scheme stands in for the original; claim 7 judges the distance between their final objectives.`,
    notes: [...notes, ...epochNote(skipped)],
    spec: {
      data: { values },
      hconcat: [
        {
          title: { text: schemePanels.curve, fontSize: 13, fontWeight: "normal" },
          transform: [{ filter: `datum.panel === '${schemePanels.curve}'` }],
          facet: { row: row(true) },
          spec: {
            width: facetWidth,
            height: facetHeight,
            mark: { type: "line", strokeWidth: 1.5, opacity: 0.85 },
            encoding: {
              x: { ...epochAxis, field: "x" },
              y: { field: "value", type: "quantitative", title: "E_z L_z", scale: { type: "log", nice: false }, axis: logValueAxis },
              color: legend,
              detail: { field: "line", type: "nominal" },
            },
          },
          resolve: { scale: { y: "independent" } },
        },
        {
          title: { text: schemePanels.spectrum, fontSize: 13, fontWeight: "normal" },
          transform: [{ filter: `datum.panel === '${schemePanels.spectrum}'` }],
          facet: { row: row(false) },
          spec: {
            width: facetWidth,
            height: facetHeight,
            mark: { type: "line", strokeWidth: 1.2, opacity: 0.85, point: { filled: true, size: 22 } },
            encoding: {
              x: { field: "x", type: "quantitative", title: "index i", axis: { tickMinStep: 1 } },
              y: { field: "value", type: "quantitative", title: "σᵢ", scale: { type: "log", nice: false }, axis: logValueAxis },
              color: legend,
              detail: { field: "line", type: "nominal" },
            },
          },
          resolve: { scale: { y: "independent" } },
        },
      ],
      config: baseConfig,
    },
  };
}

interface Kept {
  epochs: { epoch: number; deterministicObjective: number }[];
  spectrum?: readonly number[];
  thinned: boolean;
}

/**
 * The twin cells claim 7 paired (its result lists each pair, contiguous then partitioned, the
 * largest difference of final objectives first): the settings of the first pairs, at most
 * `limits.pairedSettings`, with every seed they have. Each kept cell's thinned objective curve
 * and learned spectrum are read whole (`PanelRun.whole`).
 */
export const schemesPanel: Panel = {
  id: "schemes",
  title: "Partitioned vs contiguous DropBlock",
  absent: "claim 7 paired no contiguous DropBlock cell with a partitioned one (same parameters otherwise)",
  start(context) {
    const hashes = context.summary.claims.find((c) => c.id === "7")?.hashes ?? [];
    const pairs: { contiguous: string; partitioned: string }[] = [];
    for (let i = 0; i + 1 < hashes.length; i += 2) pairs.push({ contiguous: hashes[i]!, partitioned: hashes[i + 1]! });
    // A setting: the partitioned cell's configuration among the partitioned cells (the seed aside).
    const settings = context.labels(pairs.map((p) => p.partitioned));
    const chosen: string[] = [];
    for (const pair of pairs) {
      const setting = settings.of(pair.partitioned);
      if (!chosen.includes(setting) && chosen.length < context.limits.pairedSettings) chosen.push(setting);
    }
    const drawnPairs = pairs.filter((p) => chosen.includes(settings.of(p.partitioned)));
    const wanted = new Set(drawnPairs.flatMap((p) => [p.contiguous, p.partitioned]));
    const kept = new Map<string, Kept>();
    const seeds = new Map(context.summary.rows.filter((r) => wanted.has(r.hash)).map((r) => [r.hash, r.parameters["seed"]]));
    return {
      whole: {
        hashes: wanted,
        add(cell) {
          const { curve, thinned } = thinCurve(cell.curve ?? []);
          const epochs = curve.flatMap((p) =>
            p.deterministicObjective !== undefined ? [{ epoch: p.epoch, deterministicObjective: p.deterministicObjective }] : [],
          );
          kept.set(cell.hash, { epochs, thinned, ...(cell.spectra ? { spectrum: cell.spectra.learned } : {}) });
        },
      },
      finish() {
        const labels = context.labels(
          drawnPairs.map((p) => p.partitioned),
          { wrap: headerChars },
        );
        const rank = new Map(labels.order.map((label, i) => [label, i]));
        const inputs: SchemeInput[] = [];
        for (const pair of drawnPairs)
          for (const scheme of ["partitioned", "contiguous"] as const) {
            const cell = kept.get(pair[scheme]);
            if (!cell) continue;
            const seed = seeds.get(pair.partitioned);
            inputs.push({
              configuration: labels.of(pair.partitioned),
              scheme,
              ...(typeof seed === "number" || typeof seed === "string" ? { seed } : {}),
              epochs: cell.epochs,
              ...(cell.spectrum ? { spectrum: cell.spectrum } : {}),
            });
          }
        inputs.sort((a, b) => (rank.get(a.configuration) ?? 0) - (rank.get(b.configuration) ?? 0));
        const settingsTotal = new Set(pairs.map((p) => settings.of(p.partitioned))).size;
        const notes = [
          ...(chosen.length < settingsTotal
            ? [
                `${chosen.length} of ${counted(settingsTotal, "setting")} shown: those with the largest differences of final objectives first (claim 7's order); every pair is in the table below.`,
              ]
            : []),
          ...([...kept.values()].some((k) => k.thinned) ? [thinnedCurvesNote] : []),
        ];
        return schemesPlot(inputs, notes);
      },
    };
  },
};
