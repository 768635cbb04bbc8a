// Shared by the hardening suites: capture a command's output, read results back, spawn the CLI.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { vi } from "vitest";
import { main } from "../../cli/main.js";
import { openResult } from "../../shared/results/result.js";

export const projectRoot = join(import.meta.dirname, "..", "..");

/** Run an in-process command with stdout and stderr captured. */
export async function capture<T>(body: () => Promise<T>): Promise<{ value?: T; error?: unknown; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((out += String(chunk)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    return { value: await body(), out, err };
  } catch (error) {
    return { error, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** `dropsweep ...argv` in-process (cli/main.ts): its exit code and captured output; a throw is rethrown. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const { value, error, out, err } = await capture(() => main(argv));
  if (error !== undefined) throw error;
  return { code: value!, out, err };
}

/** Every cells/<hash>/result.json of a directory store: its bytes, by hash. */
export function resultFiles(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const cells = join(root, "cells");
  if (!existsSync(cells)) return out;
  for (const hash of readdirSync(cells)) {
    const path = join(cells, hash, "result.json");
    if (existsSync(path) && statSync(path).isFile()) out.set(hash, readFileSync(path));
  }
  return out;
}

/** Hashes whose stored result does not verify. */
export function unverified(results: Map<string, Buffer>): string[] {
  return [...results].filter(([hash, bytes]) => openResult(hash, new Uint8Array(bytes)).state !== "valid").map(([hash]) => hash);
}

export interface Spawned {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** `node bin/dropsweep.js ...args`; `onStart` gets the child (to kill it). */
export function spawnCli(args: string[], onStart?: (child: ReturnType<typeof spawn>) => void, timeoutMs = 120_000): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, "bin", "dropsweep.js"), ...args], {
      cwd: projectRoot,
      env: { ...process.env, NODE_OPTIONS: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (err += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`dropsweep ${args.join(" ")} did not finish in ${timeoutMs} ms\n${out}\n${err}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err });
    });
    onStart?.(child);
  });
}
