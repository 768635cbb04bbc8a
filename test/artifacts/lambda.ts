// Lambda containers for the artifact tests: one process per container, running a bundle from its
// bare directory (cdkOut.ts) on a chosen Node binary (lambdaNode.ts), natively or under qemu-user,
// with only the environment Lambda would give it: the template's variables, the Lambda runtime's
// own (region, function name, task root, handler), the role's credentials, and what the test
// adds (the S3-compatible endpoint). A container keeps its imported modules between invocations
// (warm), runs one invocation at a time, and is ended past the template's timeout.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { LambdaArtifact } from "./cdkOut.js";

export interface NodeRuntime {
  /** For messages: "Node 22 x86-64", "Node 22 arm64 (qemu-user)". */
  label: string;
  node: string;
  /** User-mode emulator that runs `node` (qemu-aarch64), if not native. */
  emulator?: string;
}

export interface FunctionSetup {
  artifact: LambdaArtifact;
  /** The bare directory standing for /var/task. */
  taskRoot: string;
  /** The template's environment, mapped (cdkOut.templateEnvironment). */
  environment: Record<string, string>;
  /** The role's credentials (an IAM user's keys in moto; anything for s3rver). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
  /** More variables: DROPSWEEP_S3_ENDPOINT for an emulator. */
  extra?: Record<string, string>;
}

const bootstrap = fileURLToPath(new URL("./bootstrap.mjs", import.meta.url));

/** An error a handler threw (or the runtime reported), with the Lambda errorType as its name. */
export class FunctionError extends Error {
  constructor(
    name: string,
    message: string,
    readonly handlerStack?: string,
  ) {
    super(message);
    this.name = name;
  }
}

export function lambdaEnvironment(setup: FunctionSetup): Record<string, string> {
  const { artifact } = setup;
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    LAMBDA_TASK_ROOT: setup.taskRoot,
    _HANDLER: artifact.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${artifact.runtime}`,
    AWS_REGION: setup.region,
    AWS_DEFAULT_REGION: setup.region,
    AWS_LAMBDA_FUNCTION_NAME: artifact.logicalId,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(artifact.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_ACCESS_KEY_ID: setup.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: setup.credentials.secretAccessKey,
    ...setup.environment,
    ...setup.extra,
  };
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class Container {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private output = "";
  private exited = false;
  /** process.version and process.arch as the container reported them. */
  version = "";
  arch = "";
  invocations = 0;

  private constructor(
    readonly runtime: NodeRuntime,
    readonly setup: FunctionSetup,
  ) {
    // A heap cap at 90% of the function's memory: a bundle that needs more than its function
    // is given fails here instead of on AWS.
    const args = [`--max-old-space-size=${Math.floor(setup.artifact.memorySize * 0.9)}`, bootstrap];
    const [command, argv] = runtime.emulator ? [runtime.emulator, [runtime.node, ...args]] : [runtime.node, args];
    this.child = spawn(command, argv, { cwd: setup.taskRoot, env: lambdaEnvironment(setup), stdio: ["ignore", "pipe", "pipe", "ipc"] });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    this.child.stdout!.on("data", keep);
    this.child.stderr!.on("data", keep);
    this.child.on("exit", (code, signal) => {
      this.exited = true;
      for (const [, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(
          new FunctionError("Runtime.ExitError", `${this.describe()} exited (${signal ?? code}) during an invocation: ${this.tail()}`),
        );
      }
      this.pending.clear();
    });
    this.child.on("message", (message: any) => {
      if (message?.type !== "result") return;
      const p = this.pending.get(message.id);
      if (!p) return;
      this.pending.delete(message.id);
      clearTimeout(p.timer);
      if (message.ok) p.resolve(message.value);
      else p.reject(new FunctionError(message.name, message.message, message.stack));
    });
  }

  /** Start a container and wait for its init phase (the handler module imported). */
  static async start(runtime: NodeRuntime, setup: FunctionSetup): Promise<Container> {
    const container = new Container(runtime, setup);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${container.describe()} did not start within 120 s: ${container.tail()}`)), 120_000);
      container.child.once("error", (error) => {
        clearTimeout(timer);
        reject(new Error(`${container.describe()} could not be started: ${error.message}`));
      });
      container.child.once("exit", () => {
        clearTimeout(timer);
        reject(new Error(`${container.describe()} exited while starting: ${container.tail()}`));
      });
      container.child.on("message", (message: any) => {
        if (message?.type !== "ready") return;
        clearTimeout(timer);
        container.version = message.version;
        container.arch = message.arch;
        if (message.init !== "ok") reject(new Error(`${container.describe()}: init failed: ${message.init}`));
        else resolve();
      });
    });
    return container;
  }

  describe(): string {
    return `${this.setup.artifact.role} (${this.setup.artifact.logicalId}) on ${this.runtime.label}`;
  }

  tail(): string {
    return this.output.slice(-2000);
  }

  /** One invocation with the template's timeout (times `timeoutScale` under emulation). */
  invoke(event: unknown, timeoutScale = 1): Promise<unknown> {
    if (this.exited) return Promise.reject(new FunctionError("Runtime.ExitError", `${this.describe()} has exited`));
    const id = ++this.nextId;
    this.invocations += 1;
    const timeoutMs = this.setup.artifact.timeout * 1000 * timeoutScale;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.child.kill("SIGKILL");
        reject(new FunctionError("Sandbox.Timedout", `${this.describe()} did not finish within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.child.send({ id, event, timeoutMs });
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    await new Promise<void>((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.kill("SIGTERM");
    });
  }
}

/**
 * Up to `size` warm containers of one function, as Lambda scales a function out: an invocation
 * takes an idle container or starts one. A container that exited (crash, timeout) is replaced.
 */
export class FunctionPool {
  private readonly idle: Container[] = [];
  private readonly all = new Set<Container>();
  private readonly waiting: ((c: Container) => void)[] = [];
  private starting = 0;
  /** Every event this function received, in order (the tests reuse the state machine's events). */
  readonly events: unknown[] = [];

  constructor(
    readonly runtime: NodeRuntime,
    readonly setup: FunctionSetup,
    readonly size = 1,
    private readonly timeoutScale = 1,
  ) {}

  private async acquire(): Promise<Container> {
    const ready = this.idle.pop();
    if (ready) return ready;
    if (this.all.size + this.starting < this.size) {
      this.starting += 1;
      try {
        const c = await Container.start(this.runtime, this.setup);
        this.all.add(c);
        return c;
      } finally {
        this.starting -= 1;
      }
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(c: Container): void {
    if (!c.alive) {
      this.all.delete(c);
      const next = this.waiting.shift();
      if (next) void this.acquire().then(next);
      return;
    }
    const next = this.waiting.shift();
    if (next) next(c);
    else this.idle.push(c);
  }

  async invoke(event: unknown): Promise<unknown> {
    this.events.push(event);
    const c = await this.acquire();
    try {
      return await c.invoke(event, this.timeoutScale);
    } finally {
      this.release(c);
    }
  }

  /** What the containers reported: [process.version, process.arch] of each. */
  reported(): [string, string][] {
    return [...this.all].map((c) => [c.version, c.arch]);
  }

  get invocations(): number {
    return [...this.all].reduce((n, c) => n + c.invocations, 0);
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((c) => c.close()));
    this.all.clear();
    this.idle.length = 0;
  }
}
