// Runs a numpy peer through python3, single-threaded, when python3 with numpy is present.
// python3 is only a benchmark peer, never a runtime dependency.
import { spawnSync } from "node:child_process";

/** Run `script` with `input` as JSON on stdin; returns its stdout parsed as JSON, or null. */
export function runPython<T>(script: string, input: unknown): T | null {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
  // See env notes: these two slow a current OpenBLAS; unset together for the benchmark only.
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const result = spawnSync("python3", ["-c", script], {
    input: JSON.stringify(input),
    env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error || result.status !== 0) return null;
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    return null;
  }
}

export function numpyAvailable(): boolean {
  return runPython<boolean>("import numpy, json; print(json.dumps(True))", null) === true;
}
