// Claims 3 and 5's plot: learned against closed-form singular values, with the target's
// (THEORY.md "Induced regulariser and closed-form global minimum"), one facet per drawn configuration.
import { facetNotes, type Panel, type PlotSpec } from "./panel.js";
import { baseConfig, colour, perConfiguration, positive, type Series } from "./style.js";

/** Learned singular values below this fraction of the largest are drawn on the floor. */
export const spectrumFloor = 1e-6;

export interface SpectrumInput {
  configuration: string;
  target: readonly number[];
  closedForm: readonly number[];
  learned: readonly number[];
}

const spectrumAxes = {
  x: { field: "index", type: "quantitative" as const, title: "index i", axis: { tickMinStep: 1 } },
  // Padding keeps points on the floor (or at the top) inside the frame instead of half clipped.
  y: { field: "value", type: "quantitative" as const, title: "σᵢ", scale: { type: "log" as const, padding: 6 } },
};

/** Claims 3, 5: learned vs closed-form singular values, with the target's (THEORY.md "Induced regulariser and closed-form global minimum"). */
export function spectraPlot(inputs: readonly SpectrumInput[], notes: string[] = []): PlotSpec | undefined {
  const values: { configuration: string; index: number; series: Series; value: number; floored?: boolean }[] = [];
  let dropped = 0;
  let floored = 0;
  for (const input of inputs) {
    // Learned values that should be 0 only decay toward it (1e-8, 1e-16, ...); drawn at their
    // size they would squash the spectrum into the top of the axis. Below 1e-6 of the largest
    // target value they sit on that floor as triangles.
    const floor = spectrumFloor * Math.max(...input.target.filter(positive), ...input.closedForm.filter(positive), Number.MIN_VALUE);
    const add = (series: Series, list: readonly number[]) =>
      list.forEach((value, i) => {
        if (!positive(value)) dropped++;
        else if (series === "learned" && value < floor) {
          floored++;
          values.push({ configuration: input.configuration, index: i + 1, series, value: floor, floored: true });
        } else values.push({ configuration: input.configuration, index: i + 1, series, value });
      });
    add("target", input.target);
    add("closed form", input.closedForm);
    add("learned", input.learned);
  }
  if (values.length === 0) return undefined;
  const allNotes = [...notes];
  if (dropped > 0) allNotes.push(`${dropped} singular values equal to 0 are not drawn (log axis); a closed form's zeros are its rank cut.`);
  if (floored > 0)
    allNotes.push(`${floored} learned singular values below ${spectrumFloor} × the largest are drawn on that floor as triangles (▼).`);
  const legend = colour(["target", "closed form", "learned"], "singular values");
  return {
    id: "spectra",
    title: "Singular values: learned vs closed form",
    caption:
      "Per configuration, the singular values of the learned product U Vᵀ (red dots) against the closed-form minimiser's (wide blue band) and the target's (dashed grey), log scale. Red dots inside the blue band mean training found the global minimum; the band below the grey line is the k-support shrinkage, and where the band ends the closed form's rank does.",
    notes: allNotes,
    // Closed form drawn wide and pale underneath, learned as small dots on top: where
    // training reached the minimum the dots sit inside the blue band.
    spec: {
      ...perConfiguration(values, [
        {
          transform: [{ filter: "datum.series === 'target'" }],
          mark: { type: "line", strokeDash: [3, 3], strokeWidth: 1.5, clip: true },
          encoding: { ...spectrumAxes, color: legend },
        },
        {
          transform: [{ filter: "datum.series === 'closed form'" }],
          mark: { type: "line", strokeWidth: 6, opacity: 0.45, strokeCap: "round", clip: true },
          encoding: { ...spectrumAxes, color: legend },
        },
        {
          transform: [{ filter: "datum.series === 'learned'" }],
          mark: { type: "line", strokeWidth: 1, clip: true },
          encoding: { ...spectrumAxes, color: legend },
        },
        {
          transform: [{ filter: "datum.series === 'learned'" }],
          mark: { type: "point", filled: true, size: 22 },
          encoding: {
            ...spectrumAxes,
            color: legend,
            shape: {
              condition: { test: "datum.floored === true", value: "triangle-down" },
              value: "circle",
            },
          },
        },
      ]),
      resolve: { scale: { y: "independent" } },
      config: baseConfig,
    },
  };
}

export const spectraPanel: Panel = {
  id: "spectra",
  title: "Singular values: learned vs closed form",
  absent: "no drawn cell result carries spectra",
  start(context) {
    return {
      finish(drawn) {
        const cells = drawn.cells.filter((c) => c.spectra);
        return spectraPlot(
          cells.map((c) => ({ configuration: context.labelOf(c.hash), ...c.spectra! })),
          facetNotes(drawn, cells, context),
        );
      },
    };
  },
};
