// Singular value decomposition, f64.
//
// svdJacobi: one-sided (Hestenes) Jacobi with de Rijk's column pivoting omitted. Source:
// Demmel & Veselic, "Jacobi's method is more accurate than QR", SIAM J. Matrix Anal. 1992.
// Accuracy: singular values to a few ulps times cond-independent relative accuracy of the
// columns; sweeps stop when every pair is orthogonal to 1e-15 relative.
// Input a: m x n column-major (m >= n), overwritten by U*S (columns). v: n x n column-major,
// set to V when wantV != 0. s: n values, unsorted (the TS layer sorts).

@inline function dot(a: usize, b: usize, m: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < m; i++) s += load<f64>(a + (<usize>i << 3)) * load<f64>(b + (<usize>i << 3));
  return s;
}

export function svdJacobi(a: usize, m: i32, n: i32, s: usize, v: usize, wantV: i32): i32 {
  const colBytes = <usize>m << 3;
  if (wantV) {
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++) store<f64>(v + ((<usize>j * n + i) << 3), i == j ? 1.0 : 0.0);
  }
  let sweeps = 0;
  for (; sweeps < 60; sweeps++) {
    let rotated = 0;
    for (let p = 0; p < n - 1; p++) {
      const ap = a + <usize>p * colBytes;
      for (let q = p + 1; q < n; q++) {
        const aq = a + <usize>q * colBytes;
        const alpha = dot(ap, ap, m);
        const beta = dot(aq, aq, m);
        const gamma = dot(ap, aq, m);
        if (gamma == 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated++;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1.0 : -1.0) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = c * t;
        for (let i = 0; i < m; i++) {
          const x = load<f64>(ap + (<usize>i << 3));
          const y = load<f64>(aq + (<usize>i << 3));
          store<f64>(ap + (<usize>i << 3), c * x - sn * y);
          store<f64>(aq + (<usize>i << 3), sn * x + c * y);
        }
        if (wantV) {
          const vp = v + ((<usize>p * n) << 3);
          const vq = v + ((<usize>q * n) << 3);
          for (let i = 0; i < n; i++) {
            const x = load<f64>(vp + (<usize>i << 3));
            const y = load<f64>(vq + (<usize>i << 3));
            store<f64>(vp + (<usize>i << 3), c * x - sn * y);
            store<f64>(vq + (<usize>i << 3), sn * x + c * y);
          }
        }
      }
    }
    if (rotated == 0) break;
  }
  for (let j = 0; j < n; j++) {
    const aj = a + <usize>j * colBytes;
    store<f64>(s + (<usize>j << 3), Math.sqrt(dot(aj, aj, m)));
  }
  return sweeps;
}
