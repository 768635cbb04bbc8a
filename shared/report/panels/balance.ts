// Claim 4's plot: the norms of the block products U_g V_gᵀ X over epochs (or only at the end),
// converging to the balanced value ||A*||_(k)/b.
import { counted } from "../../text.js";
import { maxCurvePoints, thinBlockNorms } from "../thin.js";
import { facetNotes, inReadingOrder, type Panel, type PlotSpec } from "./panel.js";
import { baseConfig, epochAxis, epochNote, onEpochAxis, perConfiguration, positive } from "./style.js";

export interface BalanceInput {
  configuration: string;
  /** Per recorded epoch, ||U_g V_gᵀ||_F for every block g. */
  epochs: readonly { epoch: number; blockNorms: readonly number[] }[];
  /** ||A*||_(k) / b, the common value at a representable optimum. */
  balancedNorm?: number;
}

const blockColour = { field: "block", type: "nominal" as const, title: "block", legend: null, scale: { scheme: "tableau10" as const } };

/** Claim 4: block-product norms over epochs, converging to ||A*||_(k)/b. */
export function balancePlot(inputs: readonly BalanceInput[], notes: string[] = []): PlotSpec | undefined {
  const usable = inputs.filter((input) => input.epochs.some((p) => p.blockNorms.some(positive)));
  if (usable.length === 0) return undefined;
  // Results that record only the final block norms get a plot of those, per block.
  if (usable.every((input) => input.epochs.length === 1)) return finalBalancePlot(usable, notes);
  const values: { configuration: string; epoch?: number; block: string; value: number; final?: boolean }[] = [];
  const skipped = { count: 0 };
  for (const input of usable) {
    const last = input.epochs.at(-1)?.epoch;
    for (const point of input.epochs) {
      if (!onEpochAxis(point.epoch, skipped)) continue;
      point.blockNorms.forEach((value, g) => {
        if (positive(value))
          values.push({
            configuration: input.configuration,
            epoch: point.epoch,
            block: `block ${g + 1}`,
            value,
            ...(point.epoch === last ? { final: true } : {}),
          });
      });
    }
    if (input.balancedNorm !== undefined && positive(input.balancedNorm))
      values.push({ configuration: input.configuration, block: "‖A*‖₍ₖ₎ / b", value: input.balancedNorm });
  }
  const y = { field: "value", type: "quantitative" as const, title: "‖U_g V_gᵀ‖_F", scale: { type: "log" as const } };
  return {
    id: "balance",
    title: "Block-norm balance over epochs",
    caption:
      "Frobenius norm of every block product U_g V_gᵀ X during training (one line per block, a dot at its final value) and the balanced value ‖A*‖₍ₖ₎/b (dashed rule), log scales. At a representable optimum all lines meet on the rule; claim 4 bounds the ratio of the highest final dot to the lowest.",
    notes: [...notes, ...epochNote(skipped)],
    spec: {
      ...perConfiguration(values, [
        {
          transform: [{ filter: "datum.epoch != null" }],
          mark: { type: "line", strokeWidth: 1.2 },
          encoding: { x: epochAxis, y, color: blockColour },
        },
        {
          transform: [{ filter: "datum.final === true" }],
          mark: { type: "point", filled: true, size: 22 },
          encoding: { x: epochAxis, y, color: blockColour },
        },
        {
          transform: [{ filter: "datum.epoch == null" }],
          mark: { type: "rule", strokeDash: [4, 3], color: "#333" },
          encoding: { y },
        },
      ]),
      resolve: { scale: { y: "independent", color: "independent" }, axis: { x: "independent" } },
      config: baseConfig,
    },
  };
}

/**
 * Claim 4 when only the end of training is recorded: each block's final norm divided by the
 * balanced value ||A*||_(k)/b, on one shared linear axis that always spans 0.9..1.1, so a
 * reader sees the size of an imbalance (not a zoomed-in 1%) and compares configurations.
 */
function finalBalancePlot(inputs: readonly BalanceInput[], notes: string[]): PlotSpec | undefined {
  const values: { configuration: string; block: number; ratio: number }[] = [];
  let withoutTarget = 0;
  for (const input of inputs) {
    if (input.balancedNorm === undefined || !positive(input.balancedNorm)) {
      withoutTarget++;
      continue;
    }
    input.epochs[0]!.blockNorms.forEach((value, g) => {
      if (Number.isFinite(value)) values.push({ configuration: input.configuration, block: g + 1, ratio: value / input.balancedNorm! });
    });
  }
  if (values.length === 0) return undefined;
  const ratios = values.map((v) => v.ratio);
  const domain = [Math.min(0.9, ...ratios), Math.max(1.1, ...ratios)];
  const allNotes = [...notes, "The results record only the final block norms, so the approach to balance over epochs is not drawn."];
  if (withoutTarget > 0)
    allNotes.push(
      `${counted(withoutTarget, "configuration")} without a balanced value (no closed form) ${withoutTarget === 1 ? "is" : "are"} not drawn.`,
    );
  const y = { field: "ratio", type: "quantitative" as const, title: "‖U_g V_gᵀ‖_F ÷ (‖A*‖₍ₖ₎/b)", scale: { domain, zero: false } };
  return {
    id: "balance",
    title: "Block-norm balance at the end of training",
    caption:
      "Frobenius norm of every block product U_g V_gᵀ of the trained weights divided by the balanced value ‖A*‖₍ₖ₎/b (one dot per block). At a representable optimum all dots sit on the rule at 1; claim 4 bounds the ratio of the largest to the smallest.",
    notes: allNotes,
    spec: {
      ...perConfiguration(values, [
        // One rule per facet: drawn from the facet's first block only.
        {
          transform: [{ filter: "datum.block === 1" }],
          mark: { type: "rule", strokeDash: [4, 3], color: "#333" },
          encoding: { y: { datum: 1, type: "quantitative" } },
        },
        {
          mark: { type: "point", filled: true, size: 40, color: "#d62728" },
          encoding: { x: { field: "block", type: "ordinal", title: "block g", axis: { labelAngle: 0 } }, y },
        },
      ]),
      resolve: { scale: { x: "independent" } },
      config: baseConfig,
    },
  };
}

export const balancePanel: Panel = {
  id: "balance",
  title: "Block-norm balance over epochs",
  absent: "the cell results record no per-epoch block norms",
  start(context) {
    return {
      finish(drawn) {
        const cells = drawn.cells.filter((c) => c.blockNorms?.some((p) => p.blockNorms.length > 0));
        // Results record block norms at log-spaced epochs (shared/experiments/experiment.ts), fewer than the loss curves.
        const sparse = cells.some((c) => c.blockNorms!.length > 1 && c.blockNorms!.length < (c.curve?.length ?? 0));
        let thinnedAny = false;
        const inputs = inReadingOrder(cells, context).map(({ cell: c, configuration }) => {
          const { points, thinned } = thinBlockNorms(c.blockNorms!);
          thinnedAny ||= thinned;
          return {
            configuration,
            epochs: points,
            ...(c.balancedNorm !== undefined ? { balancedNorm: c.balancedNorm } : {}),
          };
        });
        return balancePlot(inputs, [
          ...facetNotes(drawn, cells, context),
          ...(sparse
            ? [
                "Block norms are recorded at log-spaced epochs (every epoch at first, then four per doubling) and the last, not at every epoch.",
              ]
            : []),
          ...(thinnedAny
            ? [`Long records of block norms are drawn as at most ${maxCurvePoints} points, each the norms at its span's last epoch.`]
            : []),
        ]);
      },
    };
  },
};
