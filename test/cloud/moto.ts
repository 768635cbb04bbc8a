// moto_server (an AWS API emulator on this machine's image) on a free loopback port, for the
// `dropsweep cloud` tests: S3, Step Functions (executing state machines) and CloudFormation.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

/** Whether moto_server can be started here (the tests skip, saying so, when it cannot). */
export function motoAvailable(): boolean {
  return spawnSync("moto_server", ["--help"], { stdio: "ignore" }).status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export interface Moto {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * On: moto runs state machines (Pass, Fail, ...) in its parser backend. moto 5.2.1 runs only
 * ONE execution there per server (the next StartExecution fails deep-copying the first one's
 * lock), so a test starts a server per executed run. Off: the plain backend (a separate set of
 * state machines) keeps every execution RUNNING, any number of them.
 */
export async function executeStateMachines(endpoint: string, on: boolean): Promise<void> {
  const config = await fetch(`${endpoint}/moto-api/config`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ stepfunctions: { execute_state_machine: on } }),
  });
  if (!config.ok) throw new Error(`moto_server config: HTTP ${config.status}`);
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += String(chunk)));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr.slice(-500)}`);
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await executeStateMachines(endpoint, true);
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
