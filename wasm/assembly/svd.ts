// Singular value decomposition, f64: the project's one SVD kernel (wrapped by
// shared/numerics/svd.ts, which owns the memory and passes every buffer in).
//
// Algorithm (Golub & Van Loan, Matrix Computations 4th ed., 5.4.8 and 8.6; LAPACK dgebd2/dbdsqr):
//  1. For a tall B (M x N, M >= 1.6 N) a Householder QR first, so only the N x N factor R is
//     bidiagonalised (Chan, "An improved algorithm for computing the singular value
//     decomposition", ACM TOMS 8(1) 1982); U = Q U_R is formed by applying Q's reflectors.
//  2. Householder bidiagonalisation B = Q Bd P^T. Each step's two reflector updates are
//     deferred by one step and fused with the next step's products, so the trailing matrix is
//     streamed once per step instead of four times (the "BLAS 2.5" idea of Howell, Demmel et al.,
//     ACM TOMS 34(3) 2008); the arithmetic is that of dgebd2, reordered. Q and P are formed by
//     backward accumulation with the same deferral.
//  3. Values only: dqds on the squares of the bidiagonal (Fernando & Parlett 1994; LAPACK
//     dlasq), one division per entry and step instead of a QR sweep's two rotations.
//     With vectors: implicit-shift bidiagonal QR with Demmel & Kahan's zero-shift sweeps and
//     relative convergence tests ("Accurate singular values of bidiagonal matrices", SIAM J. Sci.
//     Stat. Comput. 11, 1990; LAPACK dbdsqr), its shifts taken from dqds's values. Rotations
//     reach U and V as fast (scaled) Givens transformations; for vectors up to 160 long a
//     sweep's rotations go in one pass over 8 rows at a time, the vector in flight kept in
//     registers. Where dqds declines (a zero on the diagonal, no convergence) bdsqr does the
//     whole job.
// Why not one-sided Jacobi (the placeholder): it measured 7-14x LAPACK's time here; this is
// 1-1.8x (values) and 1.5-2.7x (U, S, V) of numpy's gesdd on one thread, see bench/svd.ts.
// Accuracy: steps 1-2 are backward stable (the computed Bd is exact for B + E,
// ||E|| <= c(M,N) eps ||B||), step 3 gives the singular values of Bd to high relative accuracy;
// so each singular value has absolute error O(eps ||B||) (tested: 1e-12 sigma_max; measured
// <= 2e-15 sigma_max) and U, V are orthonormal to O(eps) with ||B - U S V^T|| = O(eps ||B||)
// (measured <= 1e-14). Zero singular values still get orthonormal U columns: U is a product of
// reflectors and rotations, never a division by sigma.
// Deterministic: fixed operation order, no relaxed SIMD, so results are bit-identical everywhere.
//
// Layout: every matrix is column-major; vectors that rotations touch (columns of U, columns of V)
// are contiguous, so all hot loops are unit-stride f64x2 SIMD.

const EPS: f64 = 1.1102230246251565e-16; // 2^-53, LAPACK dlamch('Epsilon')
const UNFL: f64 = 2.2250738585072014e-308; // smallest normal
const MAXITR: i32 = 6; // dbdsqr: at most 6 N^2 inner steps
const RTMIN: f64 = 1.4916681462400413e-154; // sqrt(smallest normal)
const RTMAX: f64 = 4.740375954054589e153; // sqrt(largest finite / 8)

// ---- addressing -------------------------------------------------------------------------------

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 3);
}
@inline function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}
@inline function st(p: usize, i: i32, x: f64): void {
  store<f64>(p + (<usize>i << 3), x);
}
@inline function col(p: usize, ldim: i32, j: i32, i: i32): usize {
  return p + ((<usize>j * <usize>ldim + <usize>i) << 3);
}
@inline function sign(a: f64, b: f64): f64 {
  return b >= 0 ? Math.abs(a) : -Math.abs(a);
}

// ---- SIMD primitives on contiguous runs --------------------------------------------------------

function dot(a: usize, b: usize, n: i32): f64 {
  let s0 = f64x2.splat(0.0);
  let s1 = f64x2.splat(0.0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 3;
    s0 = f64x2.add(s0, f64x2.mul(v128.load(a + o), v128.load(b + o)));
    s1 = f64x2.add(s1, f64x2.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  s0 = f64x2.add(s0, s1);
  let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
  for (; k < n; k++) s += ld(a, k) * ld(b, k);
  return s;
}

/** y += alpha x */
function axpy(alpha: f64, x: usize, y: usize, n: i32): void {
  const av = f64x2.splat(alpha);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(av, v128.load(x + o))));
    v128.store(y + o, f64x2.add(v128.load(y + o, 16), f64x2.mul(av, v128.load(x + o, 16))), 16);
  }
  for (; k < n; k++) st(y, k, ld(y, k) + alpha * ld(x, k));
}

function scal(alpha: f64, x: usize, n: i32): void {
  const av = f64x2.splat(alpha);
  let k = 0;
  for (; k + 2 <= n; k += 2) v128.store(at(x, k), f64x2.mul(av, v128.load(at(x, k))));
  for (; k < n; k++) st(x, k, alpha * ld(x, k));
}

function fill(x: usize, n: i32, value: f64): void {
  for (let k = 0; k < n; k++) st(x, k, value);
}

/**
 * Column j of the trailing matrix, rows i..i+len-1 (c points at row i): apply the deferred
 * update c -= vp*yj + xp*uj (mode 2), c -= vp*yj (mode 1) or nothing (mode 0), store it, and
 * return h^T c for the reflector h = (1, v[0], v[1], ...).
 */
function pendingDot(c: usize, len: i32, mode: i32, vp: usize, xp: usize, yj: f64, uj: f64, v: usize): f64 {
  let head = load<f64>(c);
  if (mode >= 1) head -= load<f64>(vp) * yj;
  if (mode == 2) head -= load<f64>(xp) * uj;
  store<f64>(c, head);
  const n = len - 1;
  const cc = c + 8;
  let s0 = f64x2.splat(0.0);
  let s1 = f64x2.splat(0.0);
  let k = 0;
  if (mode == 0) {
    return head + dot(v, cc, n);
  } else if (mode == 1) {
    const vpp = vp + 8;
    const yv = f64x2.splat(yj);
    for (; k + 4 <= n; k += 4) {
      const o = <usize>k << 3;
      const b0 = f64x2.sub(v128.load(cc + o), f64x2.mul(v128.load(vpp + o), yv));
      const b1 = f64x2.sub(v128.load(cc + o, 16), f64x2.mul(v128.load(vpp + o, 16), yv));
      v128.store(cc + o, b0);
      v128.store(cc + o, b1, 16);
      s0 = f64x2.add(s0, f64x2.mul(v128.load(v + o), b0));
      s1 = f64x2.add(s1, f64x2.mul(v128.load(v + o, 16), b1));
    }
    s0 = f64x2.add(s0, s1);
    let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
    for (; k < n; k++) {
      const b = ld(cc, k) - ld(vpp, k) * yj;
      st(cc, k, b);
      s += ld(v, k) * b;
    }
    return head + s;
  } else {
    const vpp = vp + 8;
    const xpp = xp + 8;
    const yv = f64x2.splat(yj);
    const uv = f64x2.splat(uj);
    for (; k + 4 <= n; k += 4) {
      const o = <usize>k << 3;
      const b0 = f64x2.sub(
        v128.load(cc + o),
        f64x2.add(f64x2.mul(v128.load(vpp + o), yv), f64x2.mul(v128.load(xpp + o), uv)),
      );
      const b1 = f64x2.sub(
        v128.load(cc + o, 16),
        f64x2.add(f64x2.mul(v128.load(vpp + o, 16), yv), f64x2.mul(v128.load(xpp + o, 16), uv)),
      );
      v128.store(cc + o, b0);
      v128.store(cc + o, b1, 16);
      s0 = f64x2.add(s0, f64x2.mul(v128.load(v + o), b0));
      s1 = f64x2.add(s1, f64x2.mul(v128.load(v + o, 16), b1));
    }
    s0 = f64x2.add(s0, s1);
    let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
    for (; k < n; k++) {
      const b = ld(cc, k) - (ld(vpp, k) * yj + ld(xpp, k) * uj);
      st(cc, k, b);
      s += ld(v, k) * b;
    }
    return head + s;
  }
}

/**
 * Householder reflector (LAPACK dlarfg) for the run p[0..len): afterwards p[0] = beta and
 * p[1..] = v with (I - tau (1,v)(1,v)^T) x = beta e1. Returns tau (0 when nothing to annihilate).
 */
function house(p: usize, len: i32): f64 {
  if (len <= 1) return 0;
  const alpha = load<f64>(p);
  const sig2 = dot(p + 8, p + 8, len - 1);
  if (sig2 == 0) return 0;
  const beta = -sign(Math.sqrt(alpha * alpha + sig2), alpha);
  scal(1 / (alpha - beta), p + 8, len - 1);
  store<f64>(p, beta);
  return (beta - alpha) / beta;
}

/**
 * Householder bidiagonalisation of B (M x N, M >= N, leading dimension ldb), LAPACK dgebd2
 * arithmetic with the updates of step i deferred into step i+1 (see the file comment).
 * right = false gives the Householder QR instead (R in the upper triangle of B).
 * Left reflector i: implicit 1 at row i, then B(i+1:M, i); tauq[i]. Right reflector i: column i
 * of pv (N x N), explicit 1 at row i+1, then rows i+2..N-1; taup[i].
 * Scratch: y, r (N), x, w (M).
 */
function bidiagonalize(
  b: usize, ldb: i32, M: i32, N: i32, d: usize, e: usize, tauq: usize, taup: usize, pv: usize,
  y: usize, r: usize, x: usize, w: usize, right: bool,
): void {
  let mode = 0; // deferred update: 0 none, 1 left reflector, 2 left and right
  for (let i = 0; i < N; i++) {
    const len = M - i;
    const vp = i > 0 ? col(b, ldb, i - 1, i) : 0; // previous left reflector at row i
    const xp = at(x, i);
    const up = i > 0 ? col(pv, N, i - 1, 0) : 0; // previous right reflector, indexed by column
    // Column i: bring it up to date, then reflect it onto beta e1.
    const ci = col(b, ldb, i, i);
    pendingDot(ci, len, mode, vp, xp, mode >= 1 ? ld(y, i) : 0, mode == 2 ? ld(up, i) : 0, ci);
    const tau = house(ci, len);
    st(tauq, i, tau);
    st(d, i, load<f64>(ci));
    if (i == N - 1) break;
    const v = ci + 8;
    const hasRight = right && i <= N - 3;
    if (hasRight) fill(at(w, i + 1), len - 1, 0);
    // One pass over the trailing columns: deferred update, y_j = tau h^T B_j, the new row i
    // entry r_j, and w += B_j r_j (for B u once u is known).
    for (let j = i + 1; j < N; j++) {
      const cj = col(b, ldb, j, i);
      const dt = pendingDot(cj, len, mode, vp, xp, mode >= 1 ? ld(y, j) : 0, mode == 2 ? ld(up, j) : 0, v);
      const yj = tau * dt;
      st(y, j, yj);
      const rj = load<f64>(cj) - yj;
      store<f64>(cj, rj);
      st(r, j, rj);
      if (hasRight && j >= i + 2) axpy(rj, cj + 8, at(w, i + 1), len - 1);
    }
    if (!right) {
      mode = 1;
      continue;
    }
    if (i == N - 2) {
      st(e, i, ld(r, N - 1));
      mode = 1;
      continue;
    }
    // Right reflector from r[i+1..N-1] (dlarfg), stored in pv column i.
    const alpha = ld(r, i + 1);
    const sig2 = dot(at(r, i + 2), at(r, i + 2), N - i - 2);
    const pvi = col(pv, N, i, 0);
    st(pvi, i + 1, 1);
    if (sig2 == 0) {
      st(e, i, alpha);
      st(taup, i, 0);
      for (let j = i + 2; j < N; j++) st(pvi, j, 0);
      mode = 1;
      continue;
    }
    const beta = -sign(Math.sqrt(alpha * alpha + sig2), alpha);
    const pi = (beta - alpha) / beta;
    const inv = 1 / (alpha - beta);
    st(e, i, beta);
    st(taup, i, pi);
    for (let j = i + 2; j < N; j++) st(pvi, j, ld(r, j) * inv);
    // x = pi B_L u on rows i+1..M-1, with B_L = B - h y^T (the left update is still deferred):
    // B u = B_{i+1} + w / (alpha - beta) since u = (1, r_{i+2..} / (alpha - beta)), and
    // h y^T u = v (y^T u) on these rows.
    const yu = ld(y, i + 1) + dot(at(y, i + 2), at(pvi, i + 2), N - i - 2);
    const bn = col(b, ldb, i + 1, i + 1);
    const wi = at(w, i + 1);
    const xi = at(x, i + 1);
    const n = len - 1;
    const piv = f64x2.splat(pi);
    const invv = f64x2.splat(inv);
    const yuv = f64x2.splat(yu);
    let k = 0;
    for (; k + 2 <= n; k += 2) {
      const o = <usize>k << 3;
      const t = f64x2.sub(f64x2.add(v128.load(bn + o), f64x2.mul(invv, v128.load(wi + o))), f64x2.mul(v128.load(v + o), yuv));
      v128.store(xi + o, f64x2.mul(piv, t));
    }
    for (; k < n; k++) st(xi, k, pi * (ld(bn, k) + inv * ld(wi, k) - ld(v, k) * yu));
    mode = 2;
  }
}

/**
 * T := H_0 H_1 ... H_{k-1} T (backward accumulation, dorg2r/dorm2r), H_i = I - tau_i h h^T with
 * h = e_{i+off} + refl(i+off+1.., column i). T has L rows (leading dimension ldt), ncols columns.
 * triangular: T starts as [I; 0], so H_i only changes columns j >= i+off.
 * As in bidiagonalize, the update by H_{i+1} is deferred into the pass computing H_i's products,
 * so each column is streamed once per reflector. wj: scratch of ncols.
 */
function applyReflectorsBackward(
  refl: usize, ldr: i32, taus: usize, k: i32, off: i32, t: usize, ldt: i32, L: i32, ncols: i32, triangular: bool, wj: usize,
): void {
  let pend = -1; // reflector whose update (w in wj) is still deferred
  for (let i = k - 1; i >= 0; i--) {
    const tau = ld(taus, i);
    const r0 = i + off;
    if (tau == 0) {
      if (pend >= 0) flushReflector(refl, ldr, pend, off, t, ldt, L, ncols, triangular, wj);
      pend = -1;
      continue;
    }
    const hp = col(refl, ldr, i, r0 + 1); // rows r0+1..L-1
    const len = L - r0 - 1;
    for (let j = triangular ? r0 : 0; j < ncols; j++) {
      const c = col(t, ldt, j, r0);
      let dt: f64;
      if (pend >= 0 && (!triangular || j > r0)) {
        // deferred H_{i+1} on rows r0+1..: c -= (1, hq) wq; then dt = (1, hp)^T c
        const wq = ld(wj, j);
        const hq = col(refl, ldr, i + 1, r0 + 2); // rows r0+2..L-1
        const c1 = c + 8;
        const first = load<f64>(c1) - wq;
        store<f64>(c1, first);
        dt = load<f64>(c) + load<f64>(hp) * first + updateDot(c1 + 8, hq, wq, hp + 8, len - 1);
      } else {
        dt = load<f64>(c) + dot(hp, c + 8, len);
      }
      st(wj, j, tau * dt);
    }
    pend = i;
  }
  if (pend >= 0) flushReflector(refl, ldr, pend, off, t, ldt, L, ncols, triangular, wj);
}

/** c -= h w, stored, and returns g^T c (after the update), over n entries. */
function updateDot(c: usize, h: usize, w: f64, g: usize, n: i32): f64 {
  const wv = f64x2.splat(w);
  let s0 = f64x2.splat(0.0);
  let s1 = f64x2.splat(0.0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 3;
    const b0 = f64x2.sub(v128.load(c + o), f64x2.mul(v128.load(h + o), wv));
    const b1 = f64x2.sub(v128.load(c + o, 16), f64x2.mul(v128.load(h + o, 16), wv));
    v128.store(c + o, b0);
    v128.store(c + o, b1, 16);
    s0 = f64x2.add(s0, f64x2.mul(v128.load(g + o), b0));
    s1 = f64x2.add(s1, f64x2.mul(v128.load(g + o, 16), b1));
  }
  s0 = f64x2.add(s0, s1);
  let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
  for (; k < n; k++) {
    const b = ld(c, k) - ld(h, k) * w;
    st(c, k, b);
    s += ld(g, k) * b;
  }
  return s;
}

/** Apply the deferred update of reflector i (w in wj) to its columns. */
function flushReflector(
  refl: usize, ldr: i32, i: i32, off: i32, t: usize, ldt: i32, L: i32, ncols: i32, triangular: bool, wj: usize,
): void {
  const r0 = i + off;
  const h = col(refl, ldr, i, r0 + 1);
  for (let j = triangular ? r0 : 0; j < ncols; j++) {
    const wv = ld(wj, j);
    if (wv == 0) continue;
    const c = col(t, ldt, j, r0);
    store<f64>(c, load<f64>(c) - wv);
    axpy(-wv, h, c + 8, L - r0 - 1);
  }
}

// ---- plane rotations ---------------------------------------------------------------------------

// Longer vectors go one rotation at a time: carrying 8 rows through a whole sweep touches one
// page per vector, and past ~200 rows that thrashes the TLB (measured 512^2: 236 vs 175 ms).
const CARRY_MAX: i32 = 160;

/**
 * For k = 0..cnt-1 (forward) rotate vectors first+k and first+k+1 (length L, ldv apart):
 * x' = c_k x + s_k y, y' = c_k y - s_k x (LAPACK dlasr 'V' on rows of VT / columns of U).
 * Vectors are held scaled, x = d_x W_x (scale[] holds d), and turn as fast Givens
 * transformations (see rotateScaled). Up to CARRY_MAX entries the whole sweep goes over 8
 * entries of every vector at a time: vector first+k+1 as left by rotation k stays in registers
 * for rotation k+1, so each entry is loaded and stored once per sweep instead of twice per
 * rotation (rotations still apply in order: the arithmetic is that of one after the other).
 * cs and sn are overwritten with the multipliers; kind: scratch of cnt i32.
 */
function rotateForward(base: usize, ldv: i32, L: i32, first: i32, cnt: i32, cs: usize, sn: usize, scale: usize, kind: usize): void {
  if (L > CARRY_MAX || cnt == 1) {
    for (let k = 0; k < cnt; k++)
      rotateScaled(col(base, ldv, first + k, 0), col(base, ldv, first + k + 1, 0), L, ld(cs, k), ld(sn, k), scale, first + k);
    return;
  }
  // Multipliers and scales, in the sweep's order (rotation k + 1 sees k's new scale).
  for (let k = 0; k < cnt; k++) {
    const i = first + k;
    const c = ld(cs, k);
    const s = ld(sn, k);
    const dp = ld(scale, i);
    const dq = ld(scale, i + 1);
    if (Math.abs(c) >= Math.abs(s)) {
      // W_p' = W_p + a W_q, W_q' = W_q - b W_p; d' = c d
      st(cs, k, (s * dq) / (c * dp));
      st(sn, k, (s * dp) / (c * dq));
      st(scale, i, c * dp);
      st(scale, i + 1, c * dq);
      store<i32>(kind + (<usize>k << 2), 0);
    } else {
      // W_p' = W_q + a W_p (d_p' = s d_q), W_q' = W_p - b W_q (d_q' = -s d_p)
      st(cs, k, (c * dp) / (s * dq));
      st(sn, k, (c * dq) / (s * dp));
      st(scale, i, s * dq);
      st(scale, i + 1, -s * dp);
      store<i32>(kind + (<usize>k << 2), 1);
    }
  }
  const stride = <usize>ldv << 3;
  const p0 = col(base, ldv, first, 0);
  let o = 0;
  for (; o + 8 <= L; o += 8) {
    let p = p0 + (<usize>o << 3);
    let x0 = v128.load(p);
    let x1 = v128.load(p, 16);
    let x2 = v128.load(p, 32);
    let x3 = v128.load(p, 48);
    for (let k = 0; k < cnt; k++) {
      const q = p + stride;
      const a = f64x2.splat(ld(cs, k));
      const b = f64x2.splat(ld(sn, k));
      const y0 = v128.load(q);
      const y1 = v128.load(q, 16);
      const y2 = v128.load(q, 32);
      const y3 = v128.load(q, 48);
      if (load<i32>(kind + (<usize>k << 2)) == 0) {
        v128.store(p, f64x2.add(x0, f64x2.mul(a, y0)));
        v128.store(p, f64x2.add(x1, f64x2.mul(a, y1)), 16);
        v128.store(p, f64x2.add(x2, f64x2.mul(a, y2)), 32);
        v128.store(p, f64x2.add(x3, f64x2.mul(a, y3)), 48);
        x0 = f64x2.sub(y0, f64x2.mul(b, x0));
        x1 = f64x2.sub(y1, f64x2.mul(b, x1));
        x2 = f64x2.sub(y2, f64x2.mul(b, x2));
        x3 = f64x2.sub(y3, f64x2.mul(b, x3));
      } else {
        v128.store(p, f64x2.add(y0, f64x2.mul(a, x0)));
        v128.store(p, f64x2.add(y1, f64x2.mul(a, x1)), 16);
        v128.store(p, f64x2.add(y2, f64x2.mul(a, x2)), 32);
        v128.store(p, f64x2.add(y3, f64x2.mul(a, x3)), 48);
        x0 = f64x2.sub(x0, f64x2.mul(b, y0));
        x1 = f64x2.sub(x1, f64x2.mul(b, y1));
        x2 = f64x2.sub(x2, f64x2.mul(b, y2));
        x3 = f64x2.sub(x3, f64x2.mul(b, y3));
      }
      p = q;
    }
    v128.store(p, x0);
    v128.store(p, x1, 16);
    v128.store(p, x2, 32);
    v128.store(p, x3, 48);
  }
  for (; o < L; o++) {
    let p = p0 + (<usize>o << 3);
    let x = load<f64>(p);
    for (let k = 0; k < cnt; k++) {
      const q = p + stride;
      const a = ld(cs, k);
      const b = ld(sn, k);
      const y = load<f64>(q);
      if (load<i32>(kind + (<usize>k << 2)) == 0) {
        store<f64>(p, x + a * y);
        x = y - b * x;
      } else {
        store<f64>(p, y + a * x);
        x = x - b * y;
      }
      p = q;
    }
    store<f64>(p, x);
  }
  // A scale shrinks by at most 2 per sweep (|c| or |s| >= 1/sqrt 2, twice): fold after it.
  for (let j = first; j <= first + cnt; j++) foldScale(col(base, ldv, j, 0), L, scale, j);
}

/** As rotateForward, k = cnt-1 down to 0, one rotation at a time. */
function rotateBackward(base: usize, ldv: i32, L: i32, first: i32, cnt: i32, cs: usize, sn: usize, scale: usize): void {
  for (let k = cnt - 1; k >= 0; k--)
    rotateScaled(col(base, ldv, first + k, 0), col(base, ldv, first + k + 1, 0), L, ld(cs, k), ld(sn, k), scale, first + k);
}

const RESCALE_BELOW: f64 = 1.0 / 1.157920892373162e77; // 2^-256: fold d into W before it underflows

/**
 * One plane rotation of x = d_i W_p, y = d_{i+1} W_q as a fast (scaled) Givens transformation
 * (Gentleman, "Least squares computations by Givens transformations without square roots",
 * IMA J. Appl. Math. 12, 1973; Hammarling 1974): 2 multiplications and 2 additions per pair instead
 * of 4 and 2, with the case chosen so the multipliers' product is <= 1 (as stable as the plain
 * rotation). ||W|| = 1/|d| since the vectors are orthonormal; d is folded into W before it
 * drops below 2^-256, so W stays far from overflow.
 */
function rotateScaled(p: usize, q: usize, L: i32, c: f64, s: f64, scale: usize, i: i32): void {
  if (s == 0) {
    if (c == 1) return;
  }
  const dp = ld(scale, i);
  const dq = ld(scale, i + 1);
  let o = 0;
  if (Math.abs(c) >= Math.abs(s)) {
    // W_p' = W_p + a W_q, W_q' = W_q - b W_p; d' = c d
    const a = (s * dq) / (c * dp);
    const b = (s * dp) / (c * dq);
    st(scale, i, c * dp);
    st(scale, i + 1, c * dq);
    const av = f64x2.splat(a);
    const bv = f64x2.splat(b);
    for (; o + 4 <= L; o += 4) {
      const t = <usize>o << 3;
      const x0 = v128.load(p + t);
      const x1 = v128.load(p + t, 16);
      const y0 = v128.load(q + t);
      const y1 = v128.load(q + t, 16);
      v128.store(p + t, f64x2.add(x0, f64x2.mul(av, y0)));
      v128.store(p + t, f64x2.add(x1, f64x2.mul(av, y1)), 16);
      v128.store(q + t, f64x2.sub(y0, f64x2.mul(bv, x0)));
      v128.store(q + t, f64x2.sub(y1, f64x2.mul(bv, x1)), 16);
    }
    for (; o < L; o++) {
      const xv = ld(p, o);
      const yv = ld(q, o);
      st(p, o, xv + a * yv);
      st(q, o, yv - b * xv);
    }
  } else {
    // W_p' = W_q + a W_p (d_p' = s d_q), W_q' = W_p - b W_q (d_q' = -s d_p)
    const a = (c * dp) / (s * dq);
    const b = (c * dq) / (s * dp);
    st(scale, i, s * dq);
    st(scale, i + 1, -s * dp);
    const av = f64x2.splat(a);
    const bv = f64x2.splat(b);
    for (; o + 4 <= L; o += 4) {
      const t = <usize>o << 3;
      const x0 = v128.load(p + t);
      const x1 = v128.load(p + t, 16);
      const y0 = v128.load(q + t);
      const y1 = v128.load(q + t, 16);
      v128.store(p + t, f64x2.add(y0, f64x2.mul(av, x0)));
      v128.store(p + t, f64x2.add(y1, f64x2.mul(av, x1)), 16);
      v128.store(q + t, f64x2.sub(x0, f64x2.mul(bv, y0)));
      v128.store(q + t, f64x2.sub(x1, f64x2.mul(bv, y1)), 16);
    }
    for (; o < L; o++) {
      const xv = ld(p, o);
      const yv = ld(q, o);
      st(p, o, yv + a * xv);
      st(q, o, xv - b * yv);
    }
  }
  foldScale(p, L, scale, i);
  foldScale(q, L, scale, i + 1);
}

@inline function foldScale(p: usize, L: i32, scale: usize, i: i32): void {
  const d = ld(scale, i);
  if (Math.abs(d) < RESCALE_BELOW) {
    scal(d, p, L);
    st(scale, i, 1);
  }
}


// ---- 2x2 kernels (LAPACK dlartg, dlas2, dlasv2) ------------------------------------------------

let rotC: f64 = 0;
let rotS: f64 = 0;
let rotR: f64 = 0;

/** Plane rotation with [c s; -s c] [f; g] = [r; 0], c >= 0 (LAPACK 3.10 dlartg convention). */
function lartg(f: f64, g: f64): void {
  if (g == 0) {
    rotC = 1;
    rotS = 0;
    rotR = f;
  } else if (f == 0) {
    rotC = 0;
    rotS = sign(1, g);
    rotR = Math.abs(g);
  } else {
    const fa = Math.abs(f);
    const ga = Math.abs(g);
    if (fa > RTMIN && fa < RTMAX && ga > RTMIN && ga < RTMAX) {
      // Squares cannot over- or underflow: one sqrt, one division.
      const dd = Math.sqrt(f * f + g * g);
      const rr = sign(dd, f);
      const inv = 1 / rr;
      rotC = fa / dd;
      rotS = g * inv;
      rotR = rr;
      return;
    }
    const scale = Math.max(fa, ga);
    const fs = f / scale;
    const gs = g / scale;
    const dd = Math.sqrt(fs * fs + gs * gs);
    rotC = Math.abs(fs) / dd;
    const rr = sign(dd, f);
    rotS = gs / rr;
    rotR = rr * scale;
  }
}

let svMin: f64 = 0;
let svMax: f64 = 0;

/** Singular values of [f g; 0 h] (LAPACK dlas2). */
function las2(f: f64, g: f64, h: f64): void {
  const fa = Math.abs(f);
  const ga = Math.abs(g);
  const ha = Math.abs(h);
  const fhmn = Math.min(fa, ha);
  const fhmx = Math.max(fa, ha);
  if (fhmn == 0) {
    svMin = 0;
    if (fhmx == 0) svMax = ga;
    else {
      const mx = Math.max(fhmx, ga);
      const mn = Math.min(fhmx, ga);
      svMax = mx * Math.sqrt(1 + (mn / mx) * (mn / mx));
    }
  } else if (ga < fhmx) {
    const as = 1 + fhmn / fhmx;
    const at = (fhmx - fhmn) / fhmx;
    const au = (ga / fhmx) * (ga / fhmx);
    const c = 2 / (Math.sqrt(as * as + au) + Math.sqrt(at * at + au));
    svMin = fhmn * c;
    svMax = fhmx / c;
  } else {
    const au = fhmx / ga;
    if (au == 0) {
      svMin = (fhmn * fhmx) / ga;
      svMax = ga;
    } else {
      const as = 1 + fhmn / fhmx;
      const at = (fhmx - fhmn) / fhmx;
      const c = 1 / (Math.sqrt(1 + as * au * (as * au)) + Math.sqrt(1 + at * au * (at * au)));
      svMin = fhmn * c * au;
      svMin = svMin + svMin;
      svMax = ga / (c + c);
    }
  }
}

let svCosL: f64 = 0;
let svSinL: f64 = 0;
let svCosR: f64 = 0;
let svSinR: f64 = 0;

/**
 * SVD of [f g; 0 h] (LAPACK dlasv2): [csl snl; -snl csl] [f g; 0 h] [csr -snr; snr csr] =
 * diag(svMax, svMin), signed.
 */
function lasv2(f: f64, g: f64, h: f64): void {
  let ft = f;
  let fa = Math.abs(ft);
  let ht = h;
  let ha = Math.abs(h);
  let pmax = 1;
  const swap = ha > fa;
  if (swap) {
    pmax = 3;
    let tmp = ft;
    ft = ht;
    ht = tmp;
    tmp = fa;
    fa = ha;
    ha = tmp;
  }
  const gt = g;
  const ga = Math.abs(gt);
  let clt: f64 = 1, crt: f64 = 1, slt: f64 = 0, srt: f64 = 0;
  let ssmin: f64 = 0, ssmax: f64 = 0;
  if (ga == 0) {
    ssmin = ha;
    ssmax = fa;
  } else {
    let gasmal = true;
    if (ga > fa) {
      pmax = 2;
      if (fa / ga < EPS) {
        gasmal = false;
        ssmax = ga;
        ssmin = ha > 1 ? fa / (ga / ha) : (fa / ga) * ha;
        clt = 1;
        slt = ht / gt;
        srt = 1;
        crt = ft / gt;
      }
    }
    if (gasmal) {
      const dd = fa - ha;
      let l = dd == fa ? 1.0 : dd / fa;
      const m = gt / ft;
      let t = 2 - l;
      const mm = m * m;
      const tt = t * t;
      const s = Math.sqrt(tt + mm);
      const r = l == 0 ? Math.abs(m) : Math.sqrt(l * l + mm);
      const a = 0.5 * (s + r);
      ssmin = ha / a;
      ssmax = fa * a;
      if (mm == 0) {
        if (l == 0) t = sign(2, ft) * sign(1, gt);
        else t = gt / sign(dd, ft) + m / t;
      } else {
        t = (m / (s + t) + m / (r + l)) * (1 + a);
      }
      l = Math.sqrt(t * t + 4);
      crt = 2 / l;
      srt = t / l;
      clt = (crt + srt * m) / a;
      slt = ((ht / ft) * srt) / a;
    }
  }
  if (swap) {
    svCosL = srt;
    svSinL = crt;
    svCosR = slt;
    svSinR = clt;
  } else {
    svCosL = clt;
    svSinL = slt;
    svCosR = crt;
    svSinR = srt;
  }
  let tsign: f64 = 1;
  if (pmax == 1) tsign = sign(1, svCosR) * sign(1, svCosL) * sign(1, f);
  else if (pmax == 2) tsign = sign(1, svSinR) * sign(1, svCosL) * sign(1, g);
  else tsign = sign(1, svSinR) * sign(1, svSinL) * sign(1, h);
  svMax = sign(ssmax, tsign);
  svMin = sign(ssmin, tsign * sign(1, f) * sign(1, h));
}

// ---- bidiagonal QR (LAPACK dbdsqr, upper bidiagonal) -------------------------------------------

/**
 * Singular values of the upper bidiagonal (d, e) by implicit QR; rotations are applied to the N
 * vectors of vt (length N, ld N; the rows of V^T = columns of V) and of u (length Lu, ld ldu)
 * when wantVectors. rot: scratch of 7N. known (0 or N values, descending): the singular values
 * from a values-only run; the shift becomes the known value nearest dbdsqr's 2x2 estimate, so a
 * sweep mostly deflates one value (1.17 sweeps per value measured against about 1.7). Any shift
 * keeps the sweep orthogonal, so accuracy is unchanged. Returns 0, or -1 when not converged.
 */
function bdsqr(N: i32, d: usize, e: usize, wantVectors: bool, vt: usize, u: usize, ldu: i32, Lu: i32, rot: usize, known: usize): i32 {
  if (N == 0) return 0;
  const c1 = rot;
  const s1 = at(rot, N);
  const c2 = at(rot, 2 * N);
  const s2 = at(rot, 3 * N);
  // Vector scales (fast Givens): the vectors are scV[k] * vt_k and scU[k] * u_k.
  const scV = at(rot, 4 * N);
  const scU = at(rot, 5 * N);
  const kind = at(rot, 6 * N);
  if (wantVectors) {
    fill(scV, N, 1);
    fill(scU, N, 1);
  }
  const tolmul = Math.max(10, Math.min(100, Math.pow(EPS, -0.125)));
  const tol = tolmul * EPS;
  let smax: f64 = 0;
  for (let i = 0; i < N; i++) smax = Math.max(smax, Math.abs(ld(d, i)));
  for (let i = 0; i < N - 1; i++) smax = Math.max(smax, Math.abs(ld(e, i)));
  // Relative-accuracy threshold from an underestimate of the smallest singular value.
  let sminoa = Math.abs(ld(d, 0));
  if (sminoa != 0) {
    let mu = sminoa;
    for (let i = 1; i < N; i++) {
      mu = Math.abs(ld(d, i)) * (mu / (mu + Math.abs(ld(e, i - 1))));
      sminoa = Math.min(sminoa, mu);
      if (sminoa == 0) break;
    }
  }
  sminoa = sminoa / Math.sqrt(<f64>N);
  const thresh = Math.max(tol * sminoa, <f64>MAXITR * (<f64>N * (<f64>N * UNFL)));
  const maxit = <f64>MAXITR * <f64>N * <f64>N;
  let iter: f64 = 0;
  let oldll = -1;
  let oldm = -1;
  let idir = 0;
  let m = N - 1; // bottom of the active block (0-based)
  let shifts = known;
  while (m > 0) {
    if (iter > maxit) return -1;
    // Known values as shifts stall only if forward instability keeps them from deflating:
    // then continue with dbdsqr's own shifts.
    if (shifts != 0 && iter > 0.5 * maxit) shifts = 0;
    // Find the unreduced block [ll..m].
    smax = Math.abs(ld(d, m));
    let ll = 0;
    let split = false;
    for (let l = m - 1; l >= 0; l--) {
      const abss = Math.abs(ld(d, l));
      const abse = Math.abs(ld(e, l));
      if (abse <= thresh) {
        st(e, l, 0);
        ll = l + 1;
        split = true;
        break;
      }
      smax = Math.max(smax, Math.max(abss, abse));
    }
    if (split && ll == m) {
      m--;
      continue;
    }
    if (!split) ll = 0;
    if (ll == m - 1) {
      // 2x2 block: direct SVD.
      lasv2(ld(d, m - 1), ld(e, m - 1), ld(d, m));
      st(d, m - 1, svMax);
      st(e, m - 1, 0);
      st(d, m, svMin);
      if (wantVectors) {
        rotateScaled(col(vt, N, m - 1, 0), col(vt, N, m, 0), N, svCosR, svSinR, scV, m - 1);
        rotateScaled(col(u, ldu, m - 1, 0), col(u, ldu, m, 0), Lu, svCosL, svSinL, scU, m - 1);
      }
      m -= 2;
      continue;
    }
    // A new block: chase the bulge from the larger end.
    if (ll > oldm || m < oldll) idir = Math.abs(ld(d, ll)) >= Math.abs(ld(d, m)) ? 1 : 2;
    // Convergence tests (relative: Demmel-Kahan). With known shifts the interior scan (a chain
    // of divisions, ~20% of a sweep) is skipped: the promise is absolute accuracy, O(eps sigma_max),
    // which any orthogonal sweep keeps whatever its shift; the bottom test above
    // and the threshold splits still deflate, and a known shift negligible against the block's
    // end entry still becomes a zero shift. Measured 4-8% faster with vectors.
    let sminl: f64 = 0;
    let deflated = false;
    if (idir == 1) {
      if (Math.abs(ld(e, m - 1)) <= tol * Math.abs(ld(d, m))) {
        st(e, m - 1, 0);
        continue;
      }
      let mu = Math.abs(ld(d, ll));
      sminl = mu;
      if (shifts != 0) sminl = smax; // see below
      else for (let l = ll; l < m; l++) {
        if (Math.abs(ld(e, l)) <= tol * mu) {
          st(e, l, 0);
          deflated = true;
          break;
        }
        mu = Math.abs(ld(d, l + 1)) * (mu / (mu + Math.abs(ld(e, l))));
        sminl = Math.min(sminl, mu);
      }
    } else {
      if (Math.abs(ld(e, ll)) <= tol * Math.abs(ld(d, ll))) {
        st(e, ll, 0);
        continue;
      }
      let mu = Math.abs(ld(d, m));
      sminl = mu;
      if (shifts != 0) sminl = smax;
      else for (let l = m - 1; l >= ll; l--) {
        if (Math.abs(ld(e, l)) <= tol * mu) {
          st(e, l, 0);
          deflated = true;
          break;
        }
        mu = Math.abs(ld(d, l)) * (mu / (mu + Math.abs(ld(e, l))));
        sminl = Math.min(sminl, mu);
      }
    }
    if (deflated) continue;
    oldll = ll;
    oldm = m;
    // Shift: zero when it would spoil relative accuracy, else the bottom (top) 2x2 estimate.
    let shift: f64 = 0;
    if (!(<f64>N * tol * (sminl / smax) <= Math.max(EPS, 0.01 * tol))) {
      let sll: f64;
      if (idir == 1) {
        sll = Math.abs(ld(d, ll));
        las2(ld(d, m - 1), ld(e, m - 1), ld(d, m));
      } else {
        sll = Math.abs(ld(d, m));
        las2(ld(d, ll), ld(e, ll), ld(d, ll + 1));
      }
      shift = svMin;
      if (shifts != 0) shift = nearest(shifts, N, shift);
      if (sll > 0 && (shift / sll) * (shift / sll) < EPS) shift = 0;
    }
    iter += <f64>(m - ll);
    const cnt = m - ll;
    if (shift == 0) {
      if (idir == 1) {
        let cs: f64 = 1;
        let oldcs: f64 = 1;
        let oldsn: f64 = 0;
        for (let i = ll; i < m; i++) {
          lartg(ld(d, i) * cs, ld(e, i));
          cs = rotC;
          const sn = rotS;
          const r = rotR;
          if (i > ll) st(e, i - 1, oldsn * r);
          lartg(oldcs * r, ld(d, i + 1) * sn);
          oldcs = rotC;
          oldsn = rotS;
          st(d, i, rotR);
          st(c1, i - ll, cs);
          st(s1, i - ll, sn);
          st(c2, i - ll, oldcs);
          st(s2, i - ll, oldsn);
        }
        const h = ld(d, m) * cs;
        st(d, m, h * oldcs);
        st(e, m - 1, h * oldsn);
        if (wantVectors) {
          rotateForward(vt, N, N, ll, cnt, c1, s1, scV, kind);
          rotateForward(u, ldu, Lu, ll, cnt, c2, s2, scU, kind);
        }
        if (Math.abs(ld(e, m - 1)) <= thresh) st(e, m - 1, 0);
      } else {
        let cs: f64 = 1;
        let oldcs: f64 = 1;
        let oldsn: f64 = 0;
        for (let i = m; i > ll; i--) {
          lartg(ld(d, i) * cs, ld(e, i - 1));
          cs = rotC;
          const sn = rotS;
          const r = rotR;
          if (i < m) st(e, i, oldsn * r);
          lartg(oldcs * r, ld(d, i - 1) * sn);
          oldcs = rotC;
          oldsn = rotS;
          st(d, i, rotR);
          st(c1, i - ll - 1, cs);
          st(s1, i - ll - 1, -sn);
          st(c2, i - ll - 1, oldcs);
          st(s2, i - ll - 1, -oldsn);
        }
        const h = ld(d, ll) * cs;
        st(d, ll, h * oldcs);
        st(e, ll, h * oldsn);
        if (wantVectors) {
          rotateBackward(vt, N, N, ll, cnt, c2, s2, scV);
          rotateBackward(u, ldu, Lu, ll, cnt, c1, s1, scU);
        }
        if (Math.abs(ld(e, ll)) <= thresh) st(e, ll, 0);
      }
    } else {
      if (idir == 1) {
        let f = (Math.abs(ld(d, ll)) - shift) * (sign(1, ld(d, ll)) + shift / ld(d, ll));
        let g = ld(e, ll);
        for (let i = ll; i < m; i++) {
          lartg(f, g);
          const cosr = rotC;
          const sinr = rotS;
          if (i > ll) st(e, i - 1, rotR);
          f = cosr * ld(d, i) + sinr * ld(e, i);
          st(e, i, cosr * ld(e, i) - sinr * ld(d, i));
          g = sinr * ld(d, i + 1);
          st(d, i + 1, cosr * ld(d, i + 1));
          lartg(f, g);
          const cosl = rotC;
          const sinl = rotS;
          st(d, i, rotR);
          f = cosl * ld(e, i) + sinl * ld(d, i + 1);
          st(d, i + 1, cosl * ld(d, i + 1) - sinl * ld(e, i));
          if (i < m - 1) {
            g = sinl * ld(e, i + 1);
            st(e, i + 1, cosl * ld(e, i + 1));
          }
          st(c1, i - ll, cosr);
          st(s1, i - ll, sinr);
          st(c2, i - ll, cosl);
          st(s2, i - ll, sinl);
        }
        st(e, m - 1, f);
        if (wantVectors) {
          rotateForward(vt, N, N, ll, cnt, c1, s1, scV, kind);
          rotateForward(u, ldu, Lu, ll, cnt, c2, s2, scU, kind);
        }
        if (Math.abs(ld(e, m - 1)) <= thresh) st(e, m - 1, 0);
      } else {
        let f = (Math.abs(ld(d, m)) - shift) * (sign(1, ld(d, m)) + shift / ld(d, m));
        let g = ld(e, m - 1);
        for (let i = m; i > ll; i--) {
          lartg(f, g);
          const cosr = rotC;
          const sinr = rotS;
          if (i < m) st(e, i, rotR);
          f = cosr * ld(d, i) + sinr * ld(e, i - 1);
          st(e, i - 1, cosr * ld(e, i - 1) - sinr * ld(d, i));
          g = sinr * ld(d, i - 1);
          st(d, i - 1, cosr * ld(d, i - 1));
          lartg(f, g);
          const cosl = rotC;
          const sinl = rotS;
          st(d, i, rotR);
          f = cosl * ld(e, i - 1) + sinl * ld(d, i - 1);
          st(d, i - 1, cosl * ld(d, i - 1) - sinl * ld(e, i - 1));
          if (i > ll + 1) {
            g = sinl * ld(e, i - 2);
            st(e, i - 2, cosl * ld(e, i - 2));
          }
          st(c1, i - ll - 1, cosr);
          st(s1, i - ll - 1, -sinr);
          st(c2, i - ll - 1, cosl);
          st(s2, i - ll - 1, -sinl);
        }
        st(e, ll, f);
        if (Math.abs(ld(e, ll)) <= thresh) st(e, ll, 0);
        if (wantVectors) {
          rotateBackward(vt, N, N, ll, cnt, c2, s2, scV);
          rotateBackward(u, ldu, Lu, ll, cnt, c1, s1, scU);
        }
      }
    }
  }
  if (wantVectors) {
    for (let i = 0; i < N; i++) {
      scal(ld(scV, i), col(vt, N, i, 0), N);
      scal(ld(scU, i), col(u, ldu, i, 0), Lu);
    }
  }
  // Make the values positive, then sort descending (selection sort, swapping vectors).
  for (let i = 0; i < N; i++) {
    if (ld(d, i) < 0) {
      st(d, i, -ld(d, i));
      if (wantVectors) scal(-1, col(vt, N, i, 0), N);
    }
  }
  for (let i = 0; i < N - 1; i++) {
    let best = i;
    for (let j = i + 1; j < N; j++) if (ld(d, j) > ld(d, best)) best = j;
    if (best != i) {
      const t = ld(d, i);
      st(d, i, ld(d, best));
      st(d, best, t);
      if (wantVectors) {
        swapRuns(col(vt, N, i, 0), col(vt, N, best, 0), N);
        swapRuns(col(u, ldu, i, 0), col(u, ldu, best, 0), Lu);
      }
    }
  }
  return 0;
}

/** The entry of the descending run k[0..n) nearest to x. */
function nearest(k: usize, n: i32, x: f64): f64 {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ld(k, mid) > x) lo = mid + 1;
    else hi = mid;
  }
  let best = ld(k, lo);
  if (lo > 0 && Math.abs(ld(k, lo - 1) - x) < Math.abs(best - x)) best = ld(k, lo - 1);
  return best;
}

function swapRuns(a: usize, b: usize, n: i32): void {
  for (let k = 0; k < n; k++) {
    const t = ld(a, k);
    st(a, k, ld(b, k));
    st(b, k, t);
  }
}

// ---- singular values only: dqds (Fernando & Parlett, "Accurate singular values and differential
// qd algorithms", Numer. Math. 67, 1994; Parlett & Marques, "An implementation of the dqds
// algorithm (positive case)", LAA 309, 2000; the shift cases follow the ideas of LAPACK dlasq4) ---

// The qd array of the upper bidiagonal (d, e) is q_i = d_i^2, f_i = e_i^2; it represents the
// tridiagonal B B^T (diagonal q_i + f_i, off-diagonal^2 f_i q_{i+1}). One dqds transform with
// shift tau gives the qd array of B' with B' B'^T similar to B B^T - tau I, using only
// positive quantities and one division per entry (no cancellation: high relative accuracy),
// so it is much cheaper than a bidiagonal QR sweep (two rotations with a square root each).
// The eigenvalues sigma_k^2 are accumulated shifts plus deflated bottom entries.

let dqMin: f64 = 0; // min of the differential d over the transform
let dqMin1: f64 = 0; // ... over all but the last entry
let dqMin2: f64 = 0; // ... over all but the last two
let dqN: f64 = 0; // the last d (the new q at the bottom)
let dqN1: f64 = 0;
let dqN2: f64 = 0;

/**
 * One dqds transform of q[i0..n0], f[i0..n0-1] with shift tau into qh, fh. Sets dqMin.. dqN2.
 * Succeeded when dqMin >= 0 (NaN and negative d mean the shift was too large).
 */
function dqdsTransform(q: usize, f: usize, qh: usize, fh: usize, i0: i32, n0: i32, tau: f64): void {
  let d = ld(q, i0) - tau;
  let dmin = d;
  let i = i0;
  // Entries before the last two: the hot loop. It is latency-bound on d, so d's update divides
  // d q_{i+1} (computed beside q^_i) rather than multiplying by q_{i+1} / q^_i, and the running
  // minimum is a compare (f64.min's NaN handling cost ~10%; a NaN d still reaches the final d,
  // which goes through Math.min below).
  for (; i < n0 - 2; i++) {
    const qn = d + ld(f, i);
    const qi = ld(q, i + 1);
    st(qh, i, qn);
    st(fh, i, ld(f, i) * (qi / qn));
    d = (d * qi) / qn - tau;
    dmin = d < dmin ? d : dmin;
  }
  dqMin2 = n0 - i0 >= 2 ? dmin : Infinity;
  for (; i < n0; i++) {
    if (i == n0 - 2) dqN2 = d;
    else dqN1 = d;
    const qn = d + ld(f, i);
    const qi = ld(q, i + 1);
    st(qh, i, qn);
    st(fh, i, ld(f, i) * (qi / qn));
    d = (d * qi) / qn - tau;
    if (i < n0 - 1) dmin = Math.min(dmin, d);
  }
  if (n0 - i0 < 2) dqN2 = Infinity;
  dqMin1 = dmin;
  dqN = d;
  st(qh, n0, d);
  dqMin = Math.min(dmin, d);
}

/** Reverse q[i0..n0] and f[i0..n0-1] (the bidiagonal read backwards has the same values). */
function flipQd(q: usize, f: usize, i0: i32, n0: i32): void {
  for (let a = i0, b = n0; a < b; a++, b--) {
    const t = ld(q, a);
    st(q, a, ld(q, b));
    st(q, b, t);
  }
  for (let a = i0, b = n0 - 1; a < b; a++, b--) {
    const t = ld(f, a);
    st(f, a, ld(f, b));
    st(f, b, t);
  }
}

/**
 * Singular values of the upper bidiagonal (d, e), N >= 1, into d, descending, by dqds. work: 5N.
 * Returns 0, or 1 when it declines (a zero diagonal entry, or no convergence): the caller then
 * runs bdsqr, which handles those cases, on the untouched (d, e).
 */
function dqds(N: i32, d: usize, e: usize, work: usize): i32 {
  // Exact power-of-two scaling so that the squares neither overflow nor lose the largest values.
  let big: f64 = 0;
  for (let i = 0; i < N; i++) big = Math.max(big, Math.abs(ld(d, i)));
  for (let i = 0; i < N - 1; i++) big = Math.max(big, Math.abs(ld(e, i)));
  if (big < 1e-270) return 1; // (so 1 / scale is finite)
  const scale = Math.pow(2, Math.floor(Math.log2(big)));
  const inv = 1 / scale;
  let q = work;
  let f = at(work, N);
  let qh = at(work, 2 * N);
  let fh = at(work, 3 * N);
  const lam = at(work, 4 * N); // eigenvalues sigma^2 / scale^2 as they deflate
  let qmax: f64 = 0;
  for (let i = 0; i < N; i++) {
    const x = ld(d, i) * inv;
    const qi = x * x;
    if (qi == 0) return 1; // a zero (or underflowing) diagonal entry: bdsqr deflates it exactly
    st(q, i, qi);
    qmax = Math.max(qmax, qi);
  }
  for (let i = 0; i < N - 1; i++) {
    const x = ld(e, i) * inv;
    st(f, i, x * x);
  }
  st(f, N - 1, 0);
  // An f below EPS^2 qmax changes no sigma by more than EPS sigma_max: negligible.
  const absTol = EPS * EPS * qmax;
  const tol2 = (100 * EPS) * (100 * EPS);
  const maxIter = 30 * N + 100;
  let iter = 0;
  let n0 = N - 1;
  // Deflated eigenvalues go to d[n0] as they appear (the active block shrinks from the bottom).
  while (n0 >= 0) {
    // The bottom unreduced block [i0..n0].
    let i0 = 0;
    for (let i = n0 - 1; i >= 0; i--) {
      if (ld(f, i) <= absTol) {
        st(f, i, 0);
        i0 = i + 1;
        break;
      }
    }
    if (n0 > i0 && 1.5 * ld(q, i0) < ld(q, n0)) flipQd(q, f, i0, n0);
    // Transforms ping-pong between (q, f) and (qh, fh) on [i0..n0] only: the entries above
    // stay in these buffers, so the block ends with them current again.
    const q0 = q;
    const f0 = f;
    const qh0 = qh;
    const fh0 = fh;
    let sigma: f64 = 0;
    let tau: f64 = 0;
    let g: f64 = 0.25;
    let lastCase = 0; // 1: Newton-type 2x2 estimate, 6: fraction g of dmin
    let deflated = 2; // entries deflated since the last transform (2: fresh block)
    let haveStats = false;
    while (n0 >= i0) {
      // Deflate at the bottom.
      if (n0 == i0) {
        st(lam, n0, sigma + ld(q, n0));
        n0--;
        break;
      }
      const fb = ld(f, n0 - 1);
      // Negligible when it moves the bottom eigenvalue by a relative tol2: against sigma + q_n,
      // or against q_{n-1} (the bottom 2 x 2 then moves q_n by the factor 1 - f / q_{n-1}).
      // Or by Weyl: zeroing the coupling moves every eigenvalue of B B^T by at most
      // sqrt(f q_n) + f; all of them are >= sigma, the deflated one ~ sigma + q_n; so below
      // EPS relative (sigma to EPS / 2: far inside the promise, about one transform earlier).
      const wb = EPS * (sigma + ld(q, n0));
      if (fb <= absTol || fb <= tol2 * (sigma + ld(q, n0)) || fb <= tol2 * ld(q, n0 - 1) || (fb <= EPS * sigma && fb * ld(q, n0) <= wb * wb)) {
        st(lam, n0, sigma + ld(q, n0));
        n0--;
        deflated++;
        continue;
      }
      const fc = n0 == i0 + 1 ? 0 : ld(f, n0 - 2);
      const wc = EPS * sigma;
      if (fc <= absTol || fc <= tol2 * (sigma + ld(q, n0 - 1)) || fc <= tol2 * ld(q, n0 - 2) || (fc <= wc && fc * ld(q, n0 - 1) <= wc * wc)) {
        // The bottom 2 x 2 block [[q1 + f1, .], [., q2]] (B B^T form), eigenvalues directly:
        // trace^2 - 4 det = (q1 + f1 - q2)^2 + 4 f1 q2 has no cancellation.
        const q1 = ld(q, n0 - 1);
        const f1 = fb;
        const q2 = ld(q, n0);
        const hd = q1 + f1 - q2;
        const big2 = 0.5 * (q1 + f1 + q2 + Math.sqrt(hd * hd + 4 * f1 * q2));
        const small2 = (q1 / big2) * q2;
        st(lam, n0, sigma + small2);
        st(lam, n0 - 1, sigma + big2);
        n0 -= 2;
        deflated += 2;
        continue;
      }
      if (++iter > maxIter) return 1;
      // Choose the shift.
      if (!haveStats) {
        tau = 0;
      } else if ((deflated == 0 && dqMin == dqN) || (deflated == 1 && dqMin1 == dqN1)) {
        // The minimum is at the bottom: Newton-type estimate of the bottom eigenvalue of the
        // 2 x 2 [[a2, b1], [b1, dn]], corrected for the coupling b2 to the row above; kept a
        // lower bound by the gap tests (otherwise a Gershgorin bound).
        const nn = n0;
        const b1 = Math.sqrt(ld(q, nn)) * Math.sqrt(ld(f, nn - 1));
        const b2 = Math.sqrt(ld(q, nn - 1)) * Math.sqrt(ld(f, nn - 2));
        const a2 = ld(q, nn - 1) + ld(f, nn - 1);
        // Right after one deflation the new bottom's d is the previous second-last one.
        const dn = deflated == 0 ? dqN : dqN1;
        const dmin = deflated == 0 ? dqMin : dqMin1;
        const dmin2 = dqMin2;
        const gap2 = dmin2 - a2 - 0.25 * dmin2;
        const gap1 = gap2 > 0 && gap2 > b2 ? a2 - dn - (b2 / gap2) * b2 : a2 - dn - (b1 + b2);
        let s: f64;
        if (gap1 > 0 && gap1 > b1) {
          s = Math.max(dn - (b1 / gap1) * b1, 0.5 * dmin);
        } else {
          s = 0;
          if (dn > b1) s = dn - b1;
          if (a2 > b1 + b2) s = Math.min(s, a2 - (b1 + b2));
          s = Math.max(s, dmin / 3);
        }
        tau = s;
        lastCase = 1;
      } else {
        const base = deflated == 0 ? dqMin : deflated == 1 ? dqMin1 : dqMin2;
        if (lastCase == 6) g += (1 - g) / 3;
        else g = 0.25;
        tau = g * base;
        lastCase = 6;
        if (!(tau > 0)) tau = 0;
      }
      // Transform; on failure shrink the shift (to zero in the end: dqd cannot fail).
      let tries = 0;
      for (;;) {
        dqdsTransform(q, f, qh, fh, i0, n0, tau);
        if (dqMin >= 0) break;
        if (tau == 0) return 1;
        tries++;
        if (tries >= 3) tau = 0;
        else if (dqMin1 > 0 && tries == 1) tau = (tau + dqMin) * (1 - 2 * EPS);
        else tau *= 0.25;
        lastCase = 0;
      }
      sigma += tau;
      let t = q;
      q = qh;
      qh = t;
      t = f;
      f = fh;
      fh = t;
      haveStats = true;
      deflated = 0;
    }
    q = q0;
    f = f0;
    qh = qh0;
    fh = fh0;
  }
  // sigma_k = sqrt(lambda_k) * scale, descending (insertion sort: dqds finds them nearly sorted).
  for (let i = 0; i < N; i++) st(d, i, Math.sqrt(ld(lam, i)) * scale);
  for (let i = 1; i < N; i++) {
    const x = ld(d, i);
    let j = i - 1;
    while (j >= 0 && ld(d, j) < x) {
      st(d, j + 1, ld(d, j));
      j--;
    }
    st(d, j + 1, x);
  }
  return 0;
}

// ---- driver -----------------------------------------------------------------------------------

/** Whether a Householder QR of B comes first (LAPACK's crossover, M >= 1.6 N). */
@inline function qrFirst(m: i32, n: i32): bool {
  return n >= 2 && <i64>m * 5 >= <i64>n * 8;
}

/** f64 entries of scratch svdF64 needs for an m x n problem (m >= n). */
export function svdWorkSize(m: i32, n: i32): i32 {
  let size = 13 * n + 2 * m + n * n + 8;
  if (qrFirst(m, n)) size += n * n + n;
  return size;
}

/**
 * SVD of a (m x n, column-major, m >= n, finite; destroyed): s gets the n singular values in
 * descending order; when wantVectors, u (m x n, column-major) and v (n x n, column-major) get the
 * thin factors with a = u diag(s) v^T. work: svdWorkSize(m, n) f64 entries.
 * Returns 0, or -1 if the bidiagonal QR did not converge in 6 n^2 steps.
 */
export function svdF64(a: usize, m: i32, n: i32, s: usize, u: usize, v: usize, wantVectors: i32, work: usize): i32 {
  if (n == 0) return 0;
  const vectors = wantVectors != 0;
  const d = s; // the diagonal lives in s from the start
  const e = work;
  const tauq = at(work, n);
  const taup = at(work, 2 * n);
  const y = at(work, 3 * n);
  const r = at(work, 4 * n);
  const rot = at(work, 5 * n); // 7n
  const x = at(work, 12 * n);
  const w = at(x, m);
  const pv = at(w, m); // n x n right reflectors
  fill(e, n, 0);
  let status = 0;
  if (qrFirst(m, n)) {
    const rb = at(pv, n * n); // R: n x n
    const qtau = at(rb, n * n);
    bidiagonalize(a, m, m, n, d, e, qtau, taup, pv, y, r, x, w, false);
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++) st(rb, j * n + i, i <= j ? load<f64>(col(a, m, j, i)) : 0);
    bidiagonalize(rb, n, n, n, d, e, tauq, taup, pv, y, r, x, w, true);
    if (vectors) {
      // U_R in the top n rows of u, then U = Q [U_R; 0].
      for (let j = 0; j < n; j++) {
        fill(col(u, m, j, 0), m, 0);
        st(col(u, m, j, 0), j, 1);
      }
      applyReflectorsBackward(rb, n, tauq, n, 0, u, m, n, n, true, w);
      initIdentity(v, n);
      applyReflectorsBackward(pv, n, taup, n - 2, 1, v, n, n, n, true, w);
      status = vectorQR(n, d, e, v, u, m, n, rot, y, r);
      applyReflectorsBackward(a, m, qtau, n, 0, u, m, m, n, false, w);
    } else {
      status = dqds(n, d, e, rot) == 0 ? 0 : bdsqr(n, d, e, false, v, u, m, 0, rot, 0);
    }
  } else {
    bidiagonalize(a, m, m, n, d, e, tauq, taup, pv, y, r, x, w, true);
    if (vectors) {
      for (let j = 0; j < n; j++) {
        fill(col(u, m, j, 0), m, 0);
        st(col(u, m, j, 0), j, 1);
      }
      applyReflectorsBackward(a, m, tauq, n, 0, u, m, m, n, true, w);
      initIdentity(v, n);
      applyReflectorsBackward(pv, n, taup, n - 2, 1, v, n, n, n, true, w);
      status = vectorQR(n, d, e, v, u, m, m, rot, y, r);
    } else {
      status = dqds(n, d, e, rot) == 0 ? 0 : bdsqr(n, d, e, false, v, u, m, 0, rot, 0);
    }
  }
  return status;
}

/**
 * Bidiagonal QR with vectors. dqds first supplies the singular values as shifts (see bdsqr): at
 * a fraction of a values-only QR's cost it saves about 25% of the rotations on U and V
 * (measured 128^2: 3.96 -> 3.59 ms). If dqds declines, plain bdsqr. y, r: n scratch each.
 */
function vectorQR(n: i32, d: usize, e: usize, v: usize, u: usize, ldu: i32, Lu: i32, rot: usize, y: usize, r: usize): i32 {
  memory.copy(y, d, <usize>n << 3);
  memory.copy(r, e, <usize>n << 3);
  if (dqds(n, y, r, rot) != 0) return bdsqr(n, d, e, true, v, u, ldu, Lu, rot, 0);
  return bdsqr(n, d, e, true, v, u, ldu, Lu, rot, y);
}

function initIdentity(p: usize, n: i32): void {
  fill(p, n * n, 0);
  for (let i = 0; i < n; i++) st(p, i * n + i, 1);
}


/**
 * dst (cols x rows, row-major) = src^T for src rows x cols row-major: the layout change between
 * the row-major Matrix of the TS side and this kernel's column-major operands. Blocked 16 x 16 so
 * both sides stay in cache.
 */
export function svdTranspose(src: usize, rows: i32, cols: i32, dst: usize): void {
  const B = 16;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = min(i0 + B, rows);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = min(j0 + B, cols);
      for (let i = i0; i < i1; i++) {
        const s = src + ((<usize>i * <usize>cols) << 3);
        for (let j = j0; j < j1; j++) store<f64>(dst + ((<usize>j * <usize>rows + <usize>i) << 3), load<f64>(s + (<usize>j << 3)));
      }
    }
  }
}

/**
 * max |x| over the run p[0..count): the wrapper's range check (for the exact rescaling) and
 * finiteness test in one SIMD pass. NaN if any entry is NaN (f64x2.max propagates it), +Inf if
 * any is infinite.
 */
export function svdMaxAbs(p: usize, count: i32): f64 {
  let m0 = f64x2.splat(0.0);
  let m1 = f64x2.splat(0.0);
  let k = 0;
  for (; k + 4 <= count; k += 4) {
    const o = <usize>k << 3;
    m0 = f64x2.max(m0, f64x2.abs(v128.load(p + o)));
    m1 = f64x2.max(m1, f64x2.abs(v128.load(p + o, 16)));
  }
  m0 = f64x2.max(m0, m1);
  let m = Math.max(f64x2.extract_lane(m0, 0), f64x2.extract_lane(m0, 1));
  for (; k < count; k++) m = Math.max(m, Math.abs(ld(p, k)));
  return m;
}
