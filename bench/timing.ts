// Timing for benchmarks. The clock is this process's CPU time (user + system), not wall time:
// the machine is shared, and CPU time does not count the slices other processes take, so the
// figures stay comparable across runs. Every kernel here is single-threaded, so CPU time is the
// time of the work itself (plus a little from V8's background threads). Peers are timed the
// same way (numpy with time.process_time). Each figure is the best of several rounds.

/** CPU seconds used by this process so far. */
export function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** CPU seconds per call of `fn`: repeat until a round lasts `roundMs`, keep the best of `rounds`. */
export function secondsPerCall(fn: () => void, options: { roundMs?: number; rounds?: number } = {}): number {
  const roundSeconds = (options.roundMs ?? 300) / 1000;
  const rounds = options.rounds ?? 3;
  fn(); // warm-up: compile, fault pages in
  let calls = 1;
  for (;;) {
    const t0 = cpuSeconds();
    for (let i = 0; i < calls; i++) fn();
    if (cpuSeconds() - t0 >= roundSeconds / 4 || calls >= 1 << 20) break;
    calls *= 2;
  }
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const t0 = cpuSeconds();
    let done = 0;
    do {
      for (let i = 0; i < calls; i++) fn();
      done += calls;
    } while (cpuSeconds() - t0 < roundSeconds);
    best = Math.min(best, (cpuSeconds() - t0) / done);
  }
  return best;
}
