// Parameters of one deep-network cell (THEORY.md "Deep networks, dropout on the last layer"),
// apart from shared/deep/cell.ts so that validating a spec (shared/spec/cell.ts derives the
// `experiment: deep` cell from this schema) does not load tfjs.
import * as z from "zod";
import { digitClasses } from "./mnist.js";

const positiveInteger = z.number().int().min(1);
const keepProbability = z.number().gt(0).max(1);

/** Parameters of a cell, in the paper's words; every field but `mask` and `seed` has a default. */
export const deepCellParamsSchema = z.strictObject({
  /** N: training digits. */
  samples: positiveInteger.default(1000),
  /** r: units of the last hidden layer (the masked one). */
  hiddenUnits: positiveInteger.default(40),
  /** Width of the first (ReLU) hidden layer. */
  firstHiddenUnits: positiveInteger.default(256),
  lastActivation: z.enum(["linear", "relu"]).default("linear"),
  mask: z.discriminatedUnion("family", [
    z.strictObject({ family: z.literal("dropout"), keepProbability }),
    z.strictObject({ family: z.literal("dropblock"), keepProbability, blockSize: positiveInteger }),
    z.strictObject({ family: z.literal("contiguous-dropblock"), keepProbability, blockSize: positiveInteger }),
  ]),
  /** Maximum epochs (the stopping rule usually ends training earlier). */
  epochs: positiveInteger.default(150),
  /** Adam's initial step size. */
  learningRate: z.number().gt(0).default(0.003),
  batchSize: positiveInteger.default(100),
  seed: z.number().int().min(0).max(0xffffffff),
  /** Share of each digit class 0..9 in the training set; equal shares by default. */
  classProportions: z.array(z.number().min(0)).length(digitClasses).optional(),
  stopping: z
    .strictObject({
      tolerance: z.number().gt(0).default(1e-3),
      patience: positiveInteger.default(5),
      learningRateDecay: z.number().gt(0).lt(1).default(0.25),
      decays: z.number().int().min(0).default(3),
    })
    .prefault({}),
});

export type DeepCellParams = z.input<typeof deepCellParamsSchema>;
export type ResolvedDeepCellParams = z.output<typeof deepCellParamsSchema>;
