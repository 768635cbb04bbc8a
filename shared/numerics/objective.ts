// The deterministic objective E_z L_z (THEORY.md "Deterministic objective") on the wasm kernel
// (wasm/assembly/objective.ts), and the Monte Carlo check of it (wasm/assembly/monteCarlo.ts).
// shared/theory/deterministicObjective.ts derives an `ObjectiveDefinition` from a problem and a
// mask family (the mask moments); the training loop evaluates the same definition after every
// epoch, so the curve, the final value and theory's value() are one computation.
import { engine, type Workspace } from "./engine.js";
import { gemm } from "./gemm.js";
import { type Matrix, transpose } from "./matrix.js";
import { maskKernelFields } from "./masks.js";
import { seedKey } from "./rng.js";
import type { MaskFamily } from "../masks.js";
import { MonteCarloSlot, ObjectiveSlot } from "../../wasm/assembly/layout.js";

/** What the kernel needs to evaluate f(U, V) = ||Y - U Dm V^T X||^2 + regulariser. */
export interface ObjectiveDefinition {
  /** Y, m x N. */
  targets: Matrix;
  /** X, d x N; null for factorisation (X = I). */
  inputs: Matrix | null;
  hiddenUnits: number;
  /** E[z] / theta (r entries): Dm's diagonal. */
  unitMean: Float64Array;
  /**
   * Cov[z] / theta^2 (r x r): the regulariser sum_il M_il (U^T U)_il (V^T S V)_il. null for
   * first-layer DropConnect, whose regulariser is connectLambda sum_i ||u_i||^2 v_i^T diag(S) v_i.
   */
  unitWeight: Matrix | null;
  connectLambda: number;
}

/** Copy a definition into the workspace; returns its block (ObjectiveSlot) pointer. */
export function putObjective(ws: Workspace, def: ObjectiveDefinition): number {
  const { targets: Y, inputs: X, hiddenUnits: r } = def;
  const m = Y.rows,
    N = Y.cols,
    d = X ? X.rows : N;
  const yt = ws.putF64(transpose(Y).data);
  const xt = X ? ws.putF64(transpose(X).data) : 0;
  const gram = X ? ws.putF64(gemm(X, X, { transB: true }).data) : 0;
  const mean = ws.putF64(def.unitMean);
  const weight = def.unitWeight ? ws.putF64(def.unitWeight.data) : 0;
  const scratch = ws.alloc(ws.kernels.objectiveScratchBytes(N, d, m, r));
  const ob = ws.allocF64(ObjectiveSlot.Count);
  const block = ws.f64View(ob, ObjectiveSlot.Count);
  block[ObjectiveSlot.N] = N;
  block[ObjectiveSlot.D] = d;
  block[ObjectiveSlot.M] = m;
  block[ObjectiveSlot.R] = r;
  block[ObjectiveSlot.Yt] = yt;
  block[ObjectiveSlot.Xt] = xt;
  block[ObjectiveSlot.Gram] = gram;
  block[ObjectiveSlot.UnitMean] = mean;
  block[ObjectiveSlot.UnitWeight] = weight;
  block[ObjectiveSlot.ConnectLambda] = def.connectLambda;
  block[ObjectiveSlot.Scratch] = scratch;
  return ob;
}

function checkWeights(def: ObjectiveDefinition, U: Matrix, V: Matrix): void {
  const m = def.targets.rows,
    r = def.hiddenUnits;
  const d = def.inputs ? def.inputs.rows : def.targets.cols;
  if (U.rows !== m || U.cols !== r) throw new RangeError(`U: expected ${m} x ${r}, got ${U.rows} x ${U.cols}`);
  if (V.rows !== d || V.cols !== r) throw new RangeError(`V: expected ${d} x ${r}, got ${V.rows} x ${V.cols}`);
}

/** f(U, V) for U (m x r) and V (d x r), in f64. */
export function objectiveValue(def: ObjectiveDefinition, U: Matrix, V: Matrix): number {
  checkWeights(def, U, V);
  const ws = engine();
  return ws.scoped(() => {
    const ob = putObjective(ws, def);
    const ut = ws.putF64(transpose(U).data);
    const v = ws.putF64(V.data);
    return ws.kernels.objectiveF64(ob, ut, v);
  });
}

export interface MaskedLossDraws {
  mask: MaskFamily;
  /** Number of masks. */
  draws: number;
  seed: number;
  stream: number;
  substream: number;
}

/**
 * The masked loss ||Y - f_z(X)||^2 at (U, V) for masks 0 .. draws - 1 of (seed, stream,
 * substream), each mask applied to every sample (unit masks over r units; DropConnect masks
 * over the weights of its layer). One value per draw, in order.
 */
export function maskedLosses(def: ObjectiveDefinition, U: Matrix, V: Matrix, o: MaskedLossDraws): Float64Array {
  checkWeights(def, U, V);
  if (!Number.isInteger(o.draws) || o.draws < 0) throw new RangeError(`draws must be a non-negative integer, got ${o.draws}`);
  const ws = engine();
  return ws.scoped(() => {
    const { targets: Y, inputs: X, hiddenUnits: r } = def;
    const m = Y.rows,
      N = Y.cols,
      d = X ? X.rows : N;
    const ob = putObjective(ws, def);
    const fields = maskKernelFields(ws, o.mask);
    const ut = ws.putF64(transpose(U).data);
    const v = ws.putF64(V.data);
    const out = ws.allocF64(o.draws);
    const scratch = ws.alloc(ws.kernels.monteCarloScratchBytes(N, d, m, r));
    const mb = ws.allocF64(MonteCarloSlot.Count);
    const [k0, k1] = seedKey(o.seed);
    const block = ws.f64View(mb, MonteCarloSlot.Count);
    block[MonteCarloSlot.Objective] = ob;
    block[MonteCarloSlot.Ut] = ut;
    block[MonteCarloSlot.V] = v;
    block[MonteCarloSlot.Family] = fields.family;
    block[MonteCarloSlot.Theta] = o.mask.keepProbability;
    block[MonteCarloSlot.BlockSize] = fields.blockSize;
    block[MonteCarloSlot.LastLayer] = fields.lastLayer;
    block[MonteCarloSlot.Patterns] = fields.table.patterns;
    block[MonteCarloSlot.Cumulative] = fields.table.cumulative;
    block[MonteCarloSlot.PatternCount] = fields.table.count;
    block[MonteCarloSlot.Draws] = o.draws;
    block[MonteCarloSlot.Key0] = k0;
    block[MonteCarloSlot.Key1] = k1;
    block[MonteCarloSlot.Stream] = o.stream;
    block[MonteCarloSlot.Substream] = o.substream;
    block[MonteCarloSlot.Out] = out;
    block[MonteCarloSlot.Scratch] = scratch;
    ws.kernels.monteCarloLosses(mb);
    return ws.takeF64(out, o.draws);
  });
}
