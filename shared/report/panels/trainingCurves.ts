// Claim 3's plot over epochs: the stochastic loss and the deterministic objective of each drawn
// configuration, against the closed-form minimum.
import { maxCurvePoints, thinCurve } from "../thin.js";
import { facetNotes, inReadingOrder, type Panel, type PlotSpec } from "./panel.js";
import { baseConfig, colour, epochAxis, epochNote, onEpochAxis, perConfiguration, positive, type Series } from "./style.js";

export interface CurveInput {
  configuration: string;
  epochs: readonly { epoch: number; stochasticLoss?: number; deterministicObjective?: number }[];
  closedFormMinimum?: number;
}

/** Said under a plot whose curves were thinned (thin.ts). */
export const thinnedCurvesNote = `Long runs are drawn as at most ${maxCurvePoints} points on a log epoch axis: the stochastic loss averaged over each span of epochs, the objective taken at the span's last epoch.`;

/** Claim 3: training curves with the closed-form minimum as a horizontal rule. */
export function trainingCurvesPlot(inputs: readonly CurveInput[], notes: string[] = []): PlotSpec | undefined {
  const values: { configuration: string; epoch?: number; series: Series; value: number }[] = [];
  const skipped = { count: 0 };
  for (const input of inputs) {
    for (const point of input.epochs) {
      if (!onEpochAxis(point.epoch, skipped)) continue;
      if (point.stochasticLoss !== undefined && positive(point.stochasticLoss))
        values.push({ configuration: input.configuration, epoch: point.epoch, series: "stochastic loss", value: point.stochasticLoss });
      if (point.deterministicObjective !== undefined && positive(point.deterministicObjective))
        values.push({
          configuration: input.configuration,
          epoch: point.epoch,
          series: "deterministic objective",
          value: point.deterministicObjective,
        });
    }
    if (input.closedFormMinimum !== undefined && positive(input.closedFormMinimum))
      values.push({ configuration: input.configuration, series: "closed-form minimum", value: input.closedFormMinimum });
  }
  if (!values.some((v) => v.epoch !== undefined)) return undefined;
  const y = { field: "value", type: "quantitative" as const, title: "loss", scale: { type: "log" as const, nice: false } };
  const legend = colour(["stochastic loss", "deterministic objective", "closed-form minimum"], "");
  return {
    id: "training-curves",
    title: "Training curves",
    caption:
      "The stochastic loss L_z over each epoch's masks (faint orange, behind), the deterministic objective E_z L_z at the end of each epoch (red) and the closed-form global minimum (blue rule), log scale. Converged cells end with the red curve on the blue rule; the objective-gap plot below gives the remaining distance in numbers.",
    notes: [...notes, ...epochNote(skipped)],
    spec: {
      ...perConfiguration(values, [
        // Stochastic loss first, so the deterministic objective is drawn over it.
        {
          transform: [{ filter: "datum.series === 'stochastic loss'" }],
          mark: { type: "line", strokeWidth: 1, opacity: 0.45 },
          encoding: { x: epochAxis, y, color: legend },
        },
        {
          transform: [{ filter: "datum.series === 'deterministic objective'" }],
          mark: { type: "line", strokeWidth: 2.2 },
          encoding: { x: epochAxis, y, color: legend },
        },
        {
          transform: [{ filter: "datum.epoch == null" }],
          mark: { type: "rule", strokeWidth: 1.5 },
          encoding: { y, color: legend },
        },
      ]),
      resolve: { scale: { y: "independent" }, axis: { x: "independent" } },
      config: baseConfig,
    },
  };
}

export const trainingCurvesPanel: Panel = {
  id: "training-curves",
  title: "Training curves",
  absent: "no drawn cell result carries a training curve",
  start(context) {
    return {
      finish(drawn) {
        const cells = drawn.cells.filter((c) => c.curve);
        // Thousands of epochs per facet make megabytes of noise: thin every drawn curve.
        let thinnedAny = false;
        const inputs = inReadingOrder(cells, context).map(({ cell: c, configuration }) => {
          const { curve, thinned } = thinCurve(c.curve!);
          thinnedAny ||= thinned;
          return {
            configuration,
            epochs: curve,
            ...(c.closedFormMinimum !== undefined ? { closedFormMinimum: c.closedFormMinimum } : {}),
          };
        });
        return trainingCurvesPlot(inputs, [...facetNotes(drawn, cells, context), ...(thinnedAny ? [thinnedCurvesNote] : [])]);
      },
    };
  },
};
