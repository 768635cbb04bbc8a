// The stand-in for Lambda's Node.js runtime inside one container process: loads the handler
// named by _HANDLER from LAMBDA_TASK_ROOT (the init phase), then runs one invocation at a time
// for the parent (test/artifacts/lambda.ts) over the IPC channel. Plain JavaScript with Node's
// built-ins only: it runs on the Node 22 binaries, outside the project, like /var/runtime.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = process.env.LAMBDA_TASK_ROOT;
const [file, name] = String(process.env._HANDLER).split(".");

/** @param {unknown} error */
function failure(error) {
  const e = error instanceof Error ? error : new Error(String(error));
  return { ok: false, name: e.name || "Error", message: e.message, stack: e.stack };
}

let handler;
let init = { ok: true };
try {
  const path = [".mjs", ".js", ".cjs"].map((ext) => join(root, `${file}${ext}`)).find((p) => existsSync(p));
  if (!path) throw Object.assign(new Error(`Cannot find module '${file}' in ${root}`), { name: "Runtime.ImportModuleError" });
  const module = await import(pathToFileURL(path).href);
  handler = module[name];
  if (typeof handler !== "function")
    throw Object.assign(new Error(`${file}.${name} is undefined or not exported`), { name: "Runtime.HandlerNotFound" });
} catch (error) {
  init = failure(error);
}

let invocation = 0;
process.on("message", async (/** @type {{ id: number, event: unknown, timeoutMs: number }} */ request) => {
  const started = Date.now();
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: `artifact-${process.pid}-${++invocation}`,
    logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    logStreamName: "artifact",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, request.timeoutMs - (Date.now() - started)),
  };
  let reply;
  if (!init.ok) reply = init;
  else {
    try {
      reply = { ok: true, value: (await handler(request.event, context)) ?? null };
    } catch (error) {
      reply = failure(error);
    }
  }
  process.send({ type: "result", id: request.id, ...reply });
});

process.send({ type: "ready", version: process.version, arch: process.arch, init: init.ok ? "ok" : `${init.name}: ${init.message}` });
