// `dropsweep cloud` without a usable AWS setup, and AWS refusing or unreachable: each ends in one
// line naming what failed (exit 2 when it is the user's to fix, 1 when the call failed), no
// stack trace, nothing written. No AWS account needed: the child gets no region or credentials,
// and a loopback server plays Step Functions answering AccessDenied.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../hardening/helpers.js";
import { listedSubcommand } from "./cliHelp.js";

const projectRoot = join(import.meta.dirname, "..", "..");
const stackTrace = /\n\s+at .+[:(]\d+/;
const dir = mkdtempSync(join(tmpdir(), "dropsweep-cloud-errors-"));
const emptyConfig = join(dir, "empty-aws-config");
writeFileSync(emptyConfig, "");
const spec = join(dir, "one.yaml");
writeFileSync(spec, "name: cloud-errors\nexperiment: noop\nseeds: [0]\n");
const machine = "arn:aws:states:us-east-1:123456789012:stateMachine:Sweep";

/** This process's environment without any AWS setup: no region, no credentials, no profile. */
function noAws(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_")));
  return {
    ...env,
    AWS_CONFIG_FILE: emptyConfig,
    AWS_SHARED_CREDENTIALS_FILE: emptyConfig,
    AWS_EC2_METADATA_DISABLED: "true",
    NODE_OPTIONS: "",
  };
}

function spawnCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, "bin", "dropsweep.js"), ...args], {
      cwd: dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("dropsweep cloud without an AWS setup (through bin/dropsweep.js)", () => {
  const cases: [string, string[], RegExp][] = [
    ["start, no region", ["start", spec, "--stack", "Dropsweep"], /^dropsweep: cloud: no AWS region: give --region or set AWS_REGION/],
    [
      "start, no credentials",
      ["start", spec, "--stack", "Dropsweep", "--region", "us-east-1"],
      /^dropsweep: cloud: no AWS credentials found \(environment, shared config\/profile, SSO\)/,
    ],
    ["status, no region", ["status", spec, "--stack", "Dropsweep"], /^dropsweep: cloud: no AWS region/],
    [
      "fetch, no credentials",
      ["fetch", spec, "--bucket", "dropsweep-b", "--state-machine", machine, "--region", "us-east-1", "--out", join(dir, "fetched")],
      /^dropsweep: cloud: no AWS credentials found/,
    ],
  ];
  for (const [name, args, message] of cases)
    it(`${name}: one line, exit 2, no stack, nothing written`, async () => {
      const result = await spawnCli(["cloud", ...args], noAws());
      expect(result.code, result.err).toBe(2);
      expect(result.err).toMatch(message);
      expect(result.err.trim().split("\n")).toHaveLength(1);
      expect(result.err).not.toMatch(stackTrace);
      expect(result.out).toBe("");
      expect(existsSync(join(dir, "fetched"))).toBe(false);
      expect(existsSync(join(dir, "cloud-reports"))).toBe(false);
    }, 60_000);
});

describe("dropsweep cloud when AWS refuses or cannot be reached", () => {
  let server: Server;
  let endpoint: string;
  const saved = { ...process.env };
  /** Every request the server got: "PUT /bucket/key" for S3, the operation's name for Step Functions. */
  const requests: string[] = [];
  /** What the server plays: everything denied, or S3 and DescribeExecution fine but StartExecution denied. */
  let denied: "everything" | "StartExecution" = "everything";
  const answer = (response: import("node:http").ServerResponse, status: number, type: string, message: string) => {
    response.writeHead(status, { "content-type": "application/x-amz-json-1.0" });
    response.end(JSON.stringify({ __type: `com.amazonaws.swf.base.model#${type}`, message }));
  };
  beforeAll(async () => {
    // Step Functions' JSON protocol: a POST whose X-Amz-Target names the operation, an error a
    // 400 whose body names its type. S3 (path-style with an endpoint): PUT /bucket/key.
    server = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        const target = request.headers["x-amz-target"];
        const operation = typeof target === "string" ? target.split(".").pop()! : `${request.method} ${request.url?.split("?")[0]}`;
        requests.push(operation);
        if (denied === "StartExecution" && operation.startsWith("PUT ")) {
          response.writeHead(200, { etag: '"0"' });
          response.end();
        } else if (denied === "StartExecution" && operation === "DescribeExecution")
          answer(response, 400, "ExecutionDoesNotExist", "Execution Does Not Exist");
        else
          answer(
            response,
            400,
            "AccessDeniedException",
            `User: arn:aws:iam::123456789012:user/x is not authorized to perform: states:${operation}`,
          );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    Object.assign(process.env, noAws(), { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" });
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise((resolve) => server.close(resolve));
  });

  it("access denied: names the call and the refusal, exit 2, nothing uploaded", async () => {
    requests.length = 0;
    denied = "everything";
    const result = await cli(
      "cloud",
      "start",
      spec,
      "--bucket",
      "dropsweep-b",
      "--state-machine",
      machine,
      "--region",
      "us-east-1",
      "--endpoint",
      endpoint,
    );
    expect(result.code, result.err).toBe(2);
    expect(result.err).toMatch(
      /^dropsweep: cloud: reading execution arn:aws:states:us-east-1:123456789012:execution:Sweep:[0-9a-f]{64} \(DescribeExecution\): access denied \(AccessDeniedException: User: .* is not authorized/,
    );
    expect(result.err).not.toMatch(stackTrace);
    expect(result.out).toBe("");
    expect(requests).toContain("DescribeExecution");
    expect(requests.filter((r) => r.startsWith("PUT "))).toEqual([]);
  });

  it("StartExecution denied after the upload: exit 1, and the message says the spec was uploaded and where", async () => {
    requests.length = 0;
    denied = "StartExecution";
    try {
      const result = await cli(
        "cloud",
        "start",
        spec,
        "--bucket",
        "dropsweep-b",
        "--state-machine",
        machine,
        "--region",
        "us-east-1",
        "--endpoint",
        endpoint,
      );
      expect(result.code, result.err).toBe(1);
      const puts = requests.filter((r) => r.startsWith("PUT "));
      expect(puts).toHaveLength(1);
      const specUrl = `s3://${puts[0]!.slice("PUT /".length)}`;
      expect(specUrl).toMatch(/^s3:\/\/dropsweep-b\/sweeps\/[0-9a-f]{64}\/spec\.yaml$/);
      expect(requests.indexOf("StartExecution")).toBeGreaterThan(requests.indexOf(puts[0]!));
      expect(result.err).toMatch(
        /^dropsweep: cloud: starting execution [0-9a-f]{64} of .* \(StartExecution\): access denied \(AccessDeniedException: /,
      );
      expect(result.err).toContain(`; the spec was uploaded to ${specUrl}, but no execution was started`);
      expect(result.err.trim().split("\n")).toHaveLength(1);
      expect(result.err).not.toMatch(stackTrace);
      expect(result.out).toBe("");
    } finally {
      denied = "everything";
    }
  });

  it("an endpoint nobody answers: a failed call, exit 1, one line", async () => {
    // A port just closed: connections are refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const out = join(dir, "unreached");
    const result = await cli(
      "cloud",
      "fetch",
      spec,
      "--bucket",
      "dropsweep-b",
      "--state-machine",
      machine,
      "--region",
      "us-east-1",
      "--endpoint",
      `http://127.0.0.1:${port}`,
      "--out",
      out,
    );
    expect(result.code, result.err).toBe(1);
    expect(result.err).toMatch(
      new RegExp(
        `^dropsweep: cloud: reading execution .* \\(DescribeExecution\\): cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)\\n$`,
      ),
    );
    expect(existsSync(out)).toBe(false);
  }, 30_000);
});

describe("dropsweep cloud arguments", () => {
  it("lists each subcommand with the arguments of its own usage line", async () => {
    const { code, out } = await cli("cloud", "--help");
    expect(code).toBe(0);
    for (const subcommand of ["start", "status", "fetch", "doctor"]) {
      const own = await cli("cloud", subcommand, "--help");
      // Its usage line: "usage: dropsweep cloud start SPEC (--stack NAME | ...) ...": the words before the first option.
      const words = own.out.split("\n")[0]!.replace(`usage: dropsweep cloud ${subcommand}`, "").trim().split(" ");
      const args = words.slice(
        0,
        words.findIndex((w) => w.startsWith("-") || w.startsWith("(") || w.startsWith("[-")),
      );
      const shown = args.map((a) => (a.startsWith("[") ? a : `<${a}>`));
      expect(listedSubcommand(out, subcommand), subcommand).toBe([subcommand, ...shown].join(" "));
    }
  });

  it("an unknown subcommand is one message", async () => {
    const result = await cli("cloud", "launch");
    expect(result.code).toBe(2);
    expect(result.err).toBe(
      'dropsweep: cloud: unknown subcommand "launch"; expected start, status, fetch or doctor (see `dropsweep cloud --help`)\n',
    );
    const near = await cli("cloud", "stats", "x");
    expect(near.err).toBe(
      'dropsweep: cloud: unknown subcommand "stats" (did you mean status?); expected start, status, fetch or doctor (see `dropsweep cloud --help`)\n',
    );
  });

  it("flags may come before the subcommand, a flag's value is not taken for it", async () => {
    // Each reaches status/fetch's own checks, as with the flags after the subcommand.
    for (const argv of [
      ["--stack", "X", "status", "032d"],
      ["--stack", "status", "status", "032d"],
      ["--stack=X", "--region", "fetch", "fetch", "032d"],
    ]) {
      const command = argv.includes("fetch") ? "fetch" : "status";
      const result = await cli("cloud", ...argv);
      expect(result.code, argv.join(" ")).toBe(2);
      expect(result.err).toMatch(new RegExp(`^dropsweep: cloud ${command}: "032d" is not a whole sweep id`));
    }
    const help = await cli("cloud", "--stack", "X", "fetch", "--help");
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage: dropsweep cloud fetch /);
  });

  it("no subcommand among the flags, or an unknown flag before one, is one message", async () => {
    const none = await cli("cloud", "--stack", "X");
    expect(none.code).toBe(2);
    expect(none.err).toBe(
      "dropsweep: cloud: no subcommand; expected start, status, fetch or doctor, e.g. dropsweep cloud status SWEEP --stack X (see `dropsweep cloud --help`)\n",
    );
    const unknown = await cli("cloud", "--profile", "p", "status", "x");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^dropsweep: cloud: unknown option --profile; allowed: --stack, /);
    const launch = await cli("cloud", "--stack", "X", "launch");
    expect(launch.err).toMatch(/^dropsweep: cloud: unknown subcommand "launch"/);
  });

  it("a shortened sweep id says status/fetch need all 64 hex digits and where the id is", async () => {
    for (const command of ["status", "fetch"]) {
      const result = await cli("cloud", command, "032d", "--stack", "X");
      expect(result.code).toBe(2);
      expect(result.err).toMatch(
        new RegExp(
          `^dropsweep: cloud ${command}: "032d" is not a whole sweep id: give all 64 hex digits or the SPEC file; \`cloud start\` prints it`,
        ),
      );
      expect(result.err).not.toMatch(/ENOENT/);
    }
  });

  it("a missing spec or a directory is named as such", async () => {
    const missing = await cli("cloud", "status", join(dir, "nope.yaml"), "--stack", "X");
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(
      /cloud status: cannot read .*nope\.yaml: no such file \(ENOENT\), expected the 64-hex sweep id or the SPEC file/,
    );
    const directory = await cli("cloud", "start", dir, "--stack", "X");
    expect(directory.code).toBe(2);
    expect(directory.err).toBe(`dropsweep: cloud start: ${dir} is a directory, expected a spec file (YAML)\n`);
  });

  it("each subcommand has its own help: its usage line and only its options", async () => {
    const pages = new Map<string, string>();
    for (const command of ["start", "status", "fetch"]) {
      const result = await cli("cloud", command, "--help");
      expect(result.code).toBe(0);
      expect(result.out).toMatch(new RegExp(`^usage: dropsweep cloud ${command} `));
      pages.set(command, result.out);
    }
    expect(new Set(pages.values()).size).toBe(3);
    expect(pages.get("start")).toContain("--baseline");
    expect(pages.get("start")).not.toContain("--watch");
    expect(pages.get("status")).toContain("--watch");
    expect(pages.get("status")).not.toContain("--out DIR");
    expect(pages.get("fetch")).toContain("--out DIR");
    expect(pages.get("fetch")).not.toContain("--baseline");
  });

  it("an option of another subcommand is an unknown option here, listing what is allowed", async () => {
    const result = await cli("cloud", "status", "x", "--stack", "X", "--out", "d");
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^dropsweep: cloud status: unknown option --out; allowed: --stack, .*--watch, --interval/);
  });
});
