// Writing diag(x) as a sum of b orthogonal projectors of rank q: the combinatorial core of a
// balanced factorisation (THEORY.md, "Representability" and "Balance"). At a balanced optimum
// block g carries the tail directions through a rank-(t+1) projector P_g with
// sum_g P_g = b diag(a_tail), so x = b a, 0 < x_i <= b, sum x = b q.
// Beyond the paper: such projectors need n <= b q (the representability bound) but that is not
// sufficient for q > 1 (with b = 2 the eigenvalues of P_1 + P_2 other than 0, 1, 2 pair up as
// 1 +- c), which is why the bound is "necessary, not proven sufficient".
import { type Matrix, zeros } from "../numerics/matrix.js";
import { svd } from "../numerics/svd.js";
import { multiplyTransposeRight } from "./dense.js";

export interface ProjectorDecompositionOptions {
  /** Block-coordinate sweeps for q > 1. */
  maxSweeps?: number;
  /** Accept when max |sum_g F_g F_g^T - diag(x)| <= tolerance * max(x). */
  tolerance?: number;
}

/**
 * Returns b matrices F_g (n x q, orthonormal columns) with sum_g F_g F_g^T = diag(x), or null when
 * none was found. Everything is built as F = H O with H H^T = diag(x) (rows of disjoint support)
 * and O orthogonal, so that the Gram matrix O^T (H^T H) O has identity q x q diagonal blocks:
 * - q = 1 is exact and always succeeds when n <= b (Schur-Horn; Chan and Li's chain of Givens
 *   rotations makes every diagonal entry of O^T diag(x, 0) O equal to 1).
 * - q > 1 first tries an exact layered construction: the x_i are packed into q layers of total b
 *   (an item crossing a layer boundary is split as a rank-one piece over two positions), each
 *   layer is made unit-diagonal by its own chain, and the layers' slots are assigned to blocks so
 *   that the two halves of a split item never meet in one block (which keeps each block's
 *   columns orthogonal). If that fails, block coordinate descent (each P_g the best rank-q
 *   projector for diag(x) minus the others) is tried. Only a verified result is returned.
 */
export function projectorDecomposition(
  x: ArrayLike<number>,
  q: number,
  b: number,
  options: ProjectorDecompositionOptions = {},
): Matrix[] | null {
  const n = x.length;
  const tolerance = options.tolerance ?? 1e-12;
  if (n === 0) return Array.from({ length: b }, () => zeros(0, q));
  if (n > b * q) return null;
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, x[i]!);
  const accept = (frames: Matrix[] | null): Matrix[] | null =>
    frames && residual(x, frames) <= tolerance * largest * Math.max(1, n) ? frames : null;
  const layered = accept(tryLayered(x, q, b));
  if (layered || q === 1) return layered;
  const unit = unitFrame(x, b * q);
  const start: Matrix[] = [];
  for (let g = 0; g < b; g++) {
    const f = zeros(n, q);
    for (let i = 0; i < n; i++) for (let j = 0; j < q; j++) f.data[i * q + j] = unit.data[i * b * q + g * q + j]!;
    start.push(orthonormalise(f));
  }
  return accept(refine(x, start, q, options.maxSweeps ?? 2000, tolerance * largest));
}

/**
 * Chan-Li chain on a diagonal with sum(values) = values.length: an orthogonal O (row-major,
 * rows = starting positions, columns = slots) with diag(O^T diag(values) O) = 1. A carrier
 * position is rotated with one fresh position at a time (fresh positions have no off-diagonal
 * yet), always one on the other side of 1, and the fresh one is fixed at exactly 1. A row
 * spreads to every slot rotated after it joins the chain, so `late` positions are taken last
 * to keep their rows short.
 */
function chain(values: ArrayLike<number>, late: readonly boolean[] = []): Float64Array {
  const size = values.length;
  const d = Float64Array.from(values);
  const o = new Float64Array(size * size);
  for (let i = 0; i < size; i++) o[i * size + i] = 1;
  const fresh = new Set<number>();
  for (let i = 0; i < size; i++) fresh.add(i);
  let carrier = -1;
  for (let i = 0; i < size; i++) if (!late[i] && (carrier < 0 || d[i]! > d[carrier]!)) carrier = i;
  if (carrier < 0) carrier = 0;
  fresh.delete(carrier);
  while (fresh.size > 0) {
    const above = d[carrier]! >= 1;
    let next = -1;
    for (const pass of [false, true])
      for (const l of fresh) if (next < 0 && !!late[l] === pass && (above ? d[l]! <= 1 : d[l]! >= 1)) next = l;
    if (next < 0) next = fresh.values().next().value!; // all remaining equal 1 up to rounding
    fresh.delete(next);
    const alpha = d[carrier]!;
    const beta = d[next]!;
    const s2 = alpha === beta ? 0 : Math.min(1, Math.max(0, (1 - beta) / (alpha - beta)));
    const s = Math.sqrt(s2);
    const c = Math.sqrt(1 - s2);
    if (s !== 0)
      for (let i = 0; i < size; i++) {
        const oc = o[i * size + carrier]!;
        const on = o[i * size + next]!;
        o[i * size + next] = s * oc + c * on;
        o[i * size + carrier] = c * oc - s * on;
      }
    d[next] = 1;
    d[carrier] = alpha + beta - 1;
  }
  return o;
}

/** N unit vectors (columns of an n x N matrix) whose frame operator is diag(x); needs sum x = N. */
function unitFrame(x: ArrayLike<number>, count: number): Matrix {
  const n = x.length;
  const values = new Float64Array(count);
  for (let i = 0; i < n; i++) values[i] = x[i]!;
  const o = chain(values);
  const f = zeros(n, count);
  for (let i = 0; i < n; i++) {
    const r = Math.sqrt(x[i]!);
    for (let g = 0; g < count; g++) f.data[i * count + g] = r * o[i * count + g]!;
  }
  return f;
}

interface Entry {
  item: number; // -1 for a zero
  weight: number;
  piece: "in" | "out" | null;
}

/** The exact layered construction for q > 1 (null when its packing or slot assignment fails). */
function layeredFrames(x: ArrayLike<number>, q: number, b: number): Matrix[] | null {
  const n = x.length;
  const slack = 1e-12 * b;
  // Pack: largest items that fit; the smallest remaining item crosses into the next layer.
  const remaining = Array.from({ length: n }, (_, i) => i).sort((i, j) => x[j]! - x[i]!);
  const layers: Entry[][] = [];
  let carry: Entry | null = null;
  for (let j = 0; j < q; j++) {
    const entries: Entry[] = [];
    let capacity = b;
    if (carry) {
      entries.push(carry);
      capacity -= carry.weight;
      carry = null;
    }
    for (let p = 0; p < remaining.length;) {
      const i = remaining[p]!;
      if (x[i]! <= capacity + slack) {
        entries.push({ item: i, weight: x[i]!, piece: null });
        capacity -= x[i]!;
        remaining.splice(p, 1);
      } else p++;
    }
    if (capacity > slack) {
      if (j === q - 1 || remaining.length === 0) return null;
      const i = remaining.pop()!;
      entries.push({ item: i, weight: capacity, piece: "out" });
      carry = { item: i, weight: x[i]! - capacity, piece: "in" };
    }
    if (entries.length > b) return null;
    while (entries.length < b) entries.push({ item: -1, weight: 0, piece: null });
    layers.push(entries);
  }
  if (remaining.length > 0 || carry) return null;
  // Chains, then slots -> blocks so the halves of each split item sit in disjoint blocks.
  const rotations = layers.map((entries) =>
    chain(
      entries.map((e) => e.weight),
      entries.map((e) => e.piece !== null),
    ),
  );
  const blockOf: number[][] = [];
  let forbidden = new Set<number>();
  layers.forEach((entries, j) => {
    const o = rotations[j]!;
    const rowSupport = (piece: "in" | "out"): number[] => {
      const p = entries.findIndex((e) => e.piece === piece);
      if (p < 0) return [];
      const slots: number[] = [];
      for (let a = 0; a < b; a++) if (o[p * b + a] !== 0) slots.push(a);
      return slots;
    };
    const incoming = rowSupport("in");
    const assignment = new Array<number>(b).fill(-1);
    const free = Array.from({ length: b }, (_, g) => g).filter((g) => !forbidden.has(g));
    const taken = new Set<number>();
    for (const a of incoming) {
      const g = free.find((h) => !taken.has(h));
      if (g === undefined) throw new LayeringFailed();
      assignment[a] = g;
      taken.add(g);
    }
    const rest = Array.from({ length: b }, (_, g) => g).filter((g) => !taken.has(g));
    for (let a = 0; a < b; a++) if (assignment[a]! < 0) assignment[a] = rest.shift()!;
    blockOf.push(assignment);
    forbidden = new Set(rowSupport("out").map((a) => assignment[a]!));
  });
  // F = H O: item rows, slot columns; F_g column j is layer j's slot assigned to block g.
  const frames = Array.from({ length: b }, () => zeros(n, q));
  layers.forEach((entries, j) => {
    const o = rotations[j]!;
    entries.forEach((e, p) => {
      if (e.item < 0 || e.weight === 0) return;
      const h = Math.sqrt(e.weight);
      for (let a = 0; a < b; a++) {
        const v = o[p * b + a]!;
        if (v !== 0) frames[blockOf[j]![a]!]!.data[e.item * q + j]! += h * v;
      }
    });
  });
  return frames;
}

class LayeringFailed extends Error {}

function tryLayered(x: ArrayLike<number>, q: number, b: number): Matrix[] | null {
  try {
    return layeredFrames(x, q, b);
  } catch (error) {
    if (error instanceof LayeringFailed) return null;
    throw error;
  }
}

/** The polar factor of F (n x q): the nearest matrix with orthonormal columns. */
function orthonormalise(f: Matrix): Matrix {
  const { U, V } = svd(f, { vectors: true });
  return multiplyTransposeRight(U!, V!);
}

/** Top-q eigenvectors of a symmetric matrix via the one SVD of a shift that makes it PSD. */
function topEigenvectors(r: Matrix, q: number): Matrix {
  const n = r.rows;
  let shift = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) row += Math.abs(r.data[i * n + j]!);
    shift = Math.max(shift, row);
  }
  const shifted = zeros(n, n);
  shifted.data.set(r.data);
  for (let i = 0; i < n; i++) shifted.data[i * n + i]! += shift + 1;
  const { V } = svd(shifted, { vectors: true });
  const out = zeros(n, q);
  for (let i = 0; i < n; i++) for (let j = 0; j < q; j++) out.data[i * q + j] = V!.data[i * n + j]!;
  return out;
}

function refine(x: ArrayLike<number>, frames: Matrix[], q: number, maxSweeps: number, tolerance: number): Matrix[] {
  const n = x.length;
  const sum = zeros(n, n);
  const projectors = frames.map((f) => multiplyTransposeRight(f, f));
  for (const p of projectors) for (let i = 0; i < n * n; i++) sum.data[i]! += p.data[i]!;
  const target = zeros(n, n);
  for (let i = 0; i < n; i++) target.data[i * n + i] = x[i]!;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    for (let g = 0; g < frames.length; g++) {
      const others = zeros(n, n);
      for (let i = 0; i < n * n; i++) others.data[i] = target.data[i]! - sum.data[i]! + projectors[g]!.data[i]!;
      const f = topEigenvectors(others, q);
      const p = multiplyTransposeRight(f, f);
      for (let i = 0; i < n * n; i++) sum.data[i]! += p.data[i]! - projectors[g]!.data[i]!;
      projectors[g] = p;
      frames[g] = f;
    }
    let worst = 0;
    for (let i = 0; i < n * n; i++) worst = Math.max(worst, Math.abs(sum.data[i]! - target.data[i]!));
    if (worst <= tolerance) break;
  }
  return frames;
}

/** max |sum_g F_g F_g^T - diag(x)| and max |F_g^T F_g - I|, recomputed from the frames. */
function residual(x: ArrayLike<number>, frames: Matrix[]): number {
  const n = x.length;
  const sum = zeros(n, n);
  let worst = 0;
  for (const f of frames) {
    const q = f.cols;
    for (let a = 0; a < q; a++)
      for (let c = 0; c < q; c++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += f.data[i * q + a]! * f.data[i * q + c]!;
        worst = Math.max(worst, Math.abs(dot - (a === c ? 1 : 0)));
      }
    const p = multiplyTransposeRight(f, f);
    for (let i = 0; i < n * n; i++) sum.data[i]! += p.data[i]!;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(sum.data[i * n + j]! - (i === j ? x[i]! : 0)));
  return worst;
}
