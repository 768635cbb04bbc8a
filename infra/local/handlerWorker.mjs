// A worker thread of the local handler pool: loads a Lambda handler module once (a warm
// container) and calls `handler(event, context)`. Errors come back as data so their name (the
// Lambda errorType, which Retry/Catch match) survives the thread boundary.
//
// Plain JavaScript on purpose: on Node 20, `--import tsx` in a worker's execArgv does not make
// dynamic import() of .ts files work inside the worker, while registering tsx's loader from
// inside the thread does (Node 20 and 22 alike). The handlers of one thread share one module
// graph (Lambda would isolate each function): importing shared/ and the AWS SDK once per
// thread instead of once per handler saves ~0.5 s per handler and thread.
import { register } from "tsx/esm/api";
import { pathToFileURL } from "node:url";
import { parentPort } from "node:worker_threads";

register();

/** @type {Map<string, Promise<(event: unknown, context: unknown) => unknown>>} */
const modules = new Map();

/** @param {string} module */
function load(module) {
  let loaded = modules.get(module);
  if (!loaded) {
    loaded = import(pathToFileURL(module).href).then((m) => {
      if (typeof m.handler !== "function") throw new Error(`${module} does not export a function named handler`);
      return m.handler;
    });
    modules.set(module, loaded);
  }
  return loaded;
}

let invocation = 0;

/**
 * @param {{ module: string, event: unknown, functionName: string, timeoutMs: number, deadline?: number, fault?: object, reportCells?: number }} call
 * @returns {Promise<({ ok: true, value: unknown } | { ok: false, name: string, message: string, stack?: string }) & { fault?: object }>}
 */
export default async function call({ module, event, functionName, timeoutMs, deadline, fault, reportCells }) {
  // The pool's deadline (Date.now() milliseconds, the same clock in every thread): when its
  // timeout terminates this thread.
  const ends = deadline ?? Date.now() + timeoutMs;
  // The subset of the Lambda context object handlers and Powertools read.
  const context = {
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: `local-${process.pid}-${++invocation}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, ends - Date.now()),
    // Local only: the fault this invocation is to suffer (infra/local/faults.ts); the handler
    // records what it injected in it, and it goes back to the main thread.
    ...(fault ? { dropsweepFault: fault } : {}),
    // Local only: the Worker tells each cell it finished (functions/runtime.ts workerOptions); the
    // pool hands it to the invocation's listener (handlerPool.ts), tagged with the invocation's id.
    ...(reportCells !== undefined
      ? {
          /** @param {unknown} cell */
          dropsweepCellFinished: (cell) => parentPort?.postMessage({ dropsweepCellFinished: reportCells, cell }),
        }
      : {}),
  };
  const back = fault ? { fault } : {};
  try {
    const handler = await load(module);
    return { ok: true, value: (await handler(event, context)) ?? null, ...back };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    return { ok: false, name: e.name || "Error", message: e.message, ...(e.stack ? { stack: e.stack } : {}), ...back };
  }
}
