// Claim 2's plot: the DropConnect and Dropout regularisers at the same trained weights.
import { firstPerConfiguration, type Panel, type PlotSpec } from "./panel.js";
import { baseConfig, colour, type Series } from "./style.js";

export interface RegulariserInput {
  configuration: string;
  /** DropConnect's expected penalty E[L_z] - ||Y - U Vᵀ X||² at the trained weights. */
  dropconnect: number;
  /** Dropout's penalty λ Σ_i ||u_i||² ||w_i||² at the same weights. */
  dropout: number;
}

/** Claim 2: the DropConnect and Dropout regularisers side by side at the same weights. */
export function regularisersPlot(inputs: readonly RegulariserInput[], notes: string[] = []): PlotSpec | undefined {
  const values = inputs
    .flatMap((input) => [
      { configuration: input.configuration, series: "dropconnect" as Series, value: input.dropconnect },
      { configuration: input.configuration, series: "dropout" as Series, value: input.dropout },
    ])
    .filter((v) => Number.isFinite(v.value));
  if (values.length === 0) return undefined;
  return {
    id: "regularisers",
    title: "DropConnect vs Dropout regulariser",
    caption:
      "The two penalties evaluated at the same weights. Bars of equal height are claim 2: always on the last layer; on the first layer only when X Xᵀ is diagonal.",
    notes,
    spec: {
      data: { values },
      width: { step: 16 },
      height: 200,
      mark: { type: "bar" },
      encoding: {
        y: { field: "value", type: "quantitative", title: "regulariser value" },
        x: { field: "configuration", type: "nominal", title: null, sort: null, axis: { labelAngle: -30, labelLimit: 260 } },
        xOffset: { field: "series", type: "nominal", sort: ["dropout", "dropconnect"] },
        color: colour(["dropout", "dropconnect"], "regulariser"),
        tooltip: [{ field: "configuration" }, { field: "series" }, { field: "value", format: ".6g" }],
      },
      config: baseConfig,
    },
  };
}

/** The first cell of each configuration carrying both regularisers (DropConnect cells). */
export const regularisersPanel: Panel = {
  id: "regularisers",
  title: "DropConnect vs Dropout regulariser",
  absent: "no cell result carries both regularisers (DropConnect cells)",
  start(context) {
    const cells: { hash: string; dropout: number; dropconnect: number }[] = [];
    return {
      add(cell) {
        if (cell.regularisers) cells.push({ hash: cell.hash, ...cell.regularisers });
      },
      finish() {
        const { labelOf, limits } = context;
        return regularisersPlot(
          firstPerConfiguration(cells, labelOf, limits.categories).map((p) => ({
            configuration: labelOf(p.hash),
            dropout: p.dropout,
            dropconnect: p.dropconnect,
          })),
        );
      },
    };
  },
};
