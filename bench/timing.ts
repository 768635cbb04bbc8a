// Wall-clock timing for benchmarks: the best of several rounds of the mean time per call, so
// a round disturbed by other processes does not count.

/** Seconds per call of `fn`: repeat until a round lasts `roundMs`, keep the best of `rounds`. */
export function secondsPerCall(fn: () => void, options: { roundMs?: number; rounds?: number } = {}): number {
  const roundMs = options.roundMs ?? 300;
  const rounds = options.rounds ?? 3;
  fn(); // warm-up: compile, fault pages in
  let calls = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    const elapsed = performance.now() - t0;
    if (elapsed >= roundMs / 4 || calls >= 1 << 20) break;
    calls *= 2;
  }
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const t0 = performance.now();
    let done = 0;
    do {
      for (let i = 0; i < calls; i++) fn();
      done += calls;
    } while (performance.now() - t0 < roundMs);
    best = Math.min(best, (performance.now() - t0) / 1000 / done);
  }
  return best;
}
