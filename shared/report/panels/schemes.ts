// Claim 7's plot: the analysed (partitioned) DropBlock against the original (contiguous) one,
// twin cells side by side: their training curves and their final spectra.
import { thinCurve } from "../thin.js";
import type { ReportCell } from "../cells.js";
import type { Panel, PlotSpec } from "./panel.js";
import { baseConfig, colour, epochAxis, epochNote, facetHeight, facetWidth, onEpochAxis, positive, type Series } from "./style.js";
import { thinnedCurvesNote } from "./trainingCurves.js";

export interface SchemeInput {
  configuration: string;
  scheme: "partitioned" | "contiguous";
  epochs: readonly { epoch: number; deterministicObjective: number }[];
  /** Final singular values of the learned product. */
  spectrum?: readonly number[];
}

const schemePanels = { curve: "objective E_z L_z by epoch", spectrum: "final singular values by index i" } as const;

/**
 * Claim 7: the analysed (partitioned) DropBlock against the original (contiguous) one: one row
 * per setting, its training curves beside its final spectra, both on log scales.
 */
export function schemesPlot(inputs: readonly SchemeInput[], notes: string[] = []): PlotSpec | undefined {
  const values: { configuration: string; panel: string; x: number; series: Series; value: number }[] = [];
  const skipped = { count: 0 };
  for (const input of inputs) {
    const series = input.scheme as Series;
    for (const p of input.epochs)
      if (onEpochAxis(p.epoch, skipped) && positive(p.deterministicObjective))
        values.push({ configuration: input.configuration, panel: schemePanels.curve, x: p.epoch, series, value: p.deterministicObjective });
    input.spectrum?.forEach((value, i) => {
      if (positive(value)) values.push({ configuration: input.configuration, panel: schemePanels.spectrum, x: i + 1, series, value });
    });
  }
  if (values.length === 0) return undefined;
  const legend = colour(["partitioned", "contiguous"], "scheme");
  return {
    id: "schemes",
    title: "Partitioned vs contiguous DropBlock",
    caption:
      "Per setting (same data, block size and keep probability): left, the deterministic objective during training with the analysed partitioned DropBlock (red) and the original contiguous one (green); right, the final singular values of both learned products. The distance between red and green is how far the theory's scheme is from the original.",
    notes: [...notes, ...epochNote(skipped)],
    spec: {
      data: { values },
      hconcat: [
        {
          title: { text: schemePanels.curve, fontSize: 12, fontWeight: "normal" },
          transform: [{ filter: `datum.panel === '${schemePanels.curve}'` }],
          facet: { row: { field: "configuration", type: "nominal", title: null, sort: null } },
          spec: {
            width: facetWidth + 40,
            height: facetHeight,
            mark: { type: "line", strokeWidth: 1.5 },
            encoding: {
              x: { ...epochAxis, field: "x" },
              y: { field: "value", type: "quantitative", title: "E_z L_z", scale: { type: "log", nice: false } },
              color: legend,
            },
          },
          resolve: { scale: { y: "independent" } },
        },
        {
          title: { text: schemePanels.spectrum, fontSize: 12, fontWeight: "normal" },
          transform: [{ filter: `datum.panel === '${schemePanels.spectrum}'` }],
          facet: { row: { field: "configuration", type: "nominal", title: null, sort: null, header: { labels: false } } },
          spec: {
            width: facetWidth + 40,
            height: facetHeight,
            mark: { type: "line", strokeWidth: 1.2, point: { filled: true, size: 18 } },
            encoding: {
              x: { field: "x", type: "quantitative", title: "index i", axis: { tickMinStep: 1 } },
              y: { field: "value", type: "quantitative", title: "σᵢ", scale: { type: "log", nice: false } },
              color: legend,
            },
          },
          resolve: { scale: { y: "independent" } },
        },
      ],
      config: baseConfig,
    },
  };
}

/**
 * Twin cells as claim 7 pairs them: a contiguous DropBlock cell and the partitioned cell
 * identical but for the family (ReportCell.schemeKey), at most `limits.configurations` pairs.
 * Their curves are read again after the stream (only then are the pairs known).
 */
export const schemesPanel: Panel = {
  id: "schemes",
  title: "Partitioned vs contiguous DropBlock",
  absent: "the sweep has no contiguous DropBlock cell paired with a partitioned one (same parameters otherwise)",
  start(context) {
    const partitionedByKey = new Map<string, string>();
    const contiguous: { hash: string; key: string }[] = [];
    return {
      add(cell) {
        const family = cell.mask?.family;
        if (cell.schemeKey && family === "dropblock" && !partitionedByKey.has(cell.schemeKey))
          partitionedByKey.set(cell.schemeKey, cell.hash);
        if (cell.schemeKey && family === "contiguous-dropblock") contiguous.push({ hash: cell.hash, key: cell.schemeKey });
      },
      async finish(drawn) {
        const pairs = contiguous
          .flatMap(({ hash, key }) => (partitionedByKey.has(key) ? [{ partitioned: partitionedByKey.get(key)!, contiguous: hash }] : []))
          .slice(0, context.limits.configurations);
        const cellOf = async (hash: string): Promise<ReportCell | undefined> => drawn.byHash.get(hash) ?? (await context.fetchCell?.(hash));
        let thinnedAny = false;
        const inputs: SchemeInput[] = [];
        for (const pair of pairs) {
          const label =
            context
              .labelOf(pair.partitioned)
              .replace(/^dropblock ?|mask\.family=dropblock ?|dropblock ?/g, "")
              .trim() || "same settings";
          for (const scheme of ["partitioned", "contiguous"] as const) {
            const cell = await cellOf(pair[scheme]);
            if (!cell) continue;
            const { curve, thinned } = thinCurve(cell.curve ?? []);
            thinnedAny ||= thinned;
            const epochs = curve
              .filter((p) => p.deterministicObjective !== undefined)
              .map((p) => ({ epoch: p.epoch, deterministicObjective: p.deterministicObjective! }));
            inputs.push({ configuration: label, scheme, epochs, ...(cell.spectra ? { spectrum: cell.spectra.learned } : {}) });
          }
        }
        return schemesPlot(inputs, thinnedAny ? [thinnedCurvesNote] : []);
      },
    };
  },
};
