// Configuration labels (shared/report/labels.ts): named by what tells them apart, the field a
// plot is about first, in numeric order, wrapped for a panel's header.
import { describe, expect, it } from "vitest";
import { describeConfigurations, flattenFields, oneLine, wrapParts } from "../../shared/report/labels.js";

const configurations = (list: Record<string, unknown>[]) => new Map(list.map((p, i) => [`c${i}`, flattenFields(p)]));

describe("describeConfigurations", () => {
  it("puts numbers in numeric order, not text order (k=1, k=2, k=12)", () => {
    const fields = configurations([{ "mask.blockSize": 12 }, { "mask.blockSize": 1 }, { "mask.blockSize": 2 }]);
    const { parts, order } = describeConfigurations(fields, ["c0", "c1", "c2"]);
    expect(order.map((k) => oneLine(parts.get(k)!))).toEqual(["k=1", "k=2", "k=12"]);
  });

  it("orders names as the sweep lists them, and a configuration without a field before those with it", () => {
    const fields = configurations([
      { section: "regression", "mask.keepProbability": 0.8 },
      { section: "factorisation", "optimiser.epochs": 10000 },
      { section: "factorisation", "optimiser.epochs": 2000 },
      { section: "factorisation" },
      { section: "regression", "mask.keepProbability": 0.5 },
    ]);
    const { parts, order } = describeConfigurations(fields, ["c0", "c1", "c2", "c3", "c4"]);
    expect(order.map((k) => oneLine(parts.get(k)!))).toEqual([
      "regression · θ=0.5",
      "regression · θ=0.8",
      "factorisation",
      "factorisation · epochs=2000",
      "factorisation · epochs=10000",
    ]);
  });

  it("names only what varies among the configurations shown, leaving out a field that follows from one named before it", () => {
    const fields = configurations([
      { section: "s", target: { generator: "spiky", spikes: 3 }, "mask.keepProbability": 0.5, "sizes.m": 12 },
      { section: "s", target: { generator: "spiky", spikes: 3 }, "mask.keepProbability": 0.8, "sizes.m": 12 },
      { section: "s", target: { generator: "gaussian" }, "mask.keepProbability": 0.5, "sizes.m": 12 },
    ]);
    const { parts } = describeConfigurations(fields, ["c0", "c1", "c2"]);
    // section and m are the same for all; the spike count follows from "spiky".
    expect([...parts.values()].map(oneLine)).toEqual(["spiky · θ=0.5", "spiky · θ=0.8", "gaussian · θ=0.5"]);
  });

  it("names the field a plot is about first, and only the fields asked for", () => {
    const fields = configurations([
      { section: "regression-dropconnect", "mask.layer": "first", "data.generator": "orthogonal", "mask.keepProbability": 0.5 },
      { section: "regression-dropconnect", "mask.layer": "last", "data.generator": "orthogonal", "mask.keepProbability": 0.8 },
      { section: "factorisation-dropconnect", "mask.layer": "first", "mask.keepProbability": 0.5 },
      { section: "regression-dropconnect", "mask.layer": "first", "data.generator": "gaussian", "mask.keepProbability": 0.5 },
    ]);
    const { parts, order } = describeConfigurations(fields, ["c0", "c1", "c2", "c3"], {
      first: ["mask.layer"],
      only: ["mask.layer", "section", "data.generator"],
    });
    expect(order.map((k) => oneLine(parts.get(k)!))).toEqual([
      "layer=first · regression-dropconnect · X=orthogonal",
      "layer=first · regression-dropconnect · X=gaussian",
      "layer=first · factorisation-dropconnect",
      "layer=last · regression-dropconnect · X=orthogonal",
    ]);
  });

  it("falls back to the family or section when nothing differs", () => {
    const { parts } = describeConfigurations(configurations([{ "mask.family": "dropout", seedless: 1 }]), ["c0"]);
    expect(parts.get("c0")).toEqual(["dropout"]);
  });
});

describe("wrapParts", () => {
  it("joins parts into lines of at most the width, a long part on a line of its own", () => {
    expect(wrapParts(["factorisation-dropblock", "dropblock", "k=1", "θ=0.3", "gaussian"], 28)).toBe(
      "factorisation-dropblock\ndropblock · k=1 · θ=0.3\ngaussian",
    );
    for (const line of wrapParts(["a-very-long-section-name-indeed", "k=1"], 10).split("\n"))
      expect(line === "a-very-long-section-name-indeed" || line.length <= 10).toBe(true);
  });
});
