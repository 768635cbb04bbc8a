// The Worker handler under fault injection (faults.ts): the real runWorker, over a store whose
// writes fail on purpose, crashing or hanging as the main thread decided for this invocation
// (context.dropsweepFault). Without a fault in the context it is the plain Worker.
import type { Context } from "aws-lambda";
import type { WorkerEvent, WorkerResult } from "../../shared/pipeline/contract.js";
import { runWorker } from "../../shared/pipeline/worker.js";
import { storeFromEnv, workerOptions, type LocalContext } from "../../functions/runtime.js";
import { faultyStore, injectedFaultError, type InjectedFault } from "./faults.js";

function crash(kind: string): Error {
  const error = new Error(`injected worker crash (${kind})`);
  error.name = injectedFaultError;
  return error;
}

/** Far longer than any Task timeout: the runner terminates the thread first. */
const hang = () => new Promise<never>(() => undefined);

export async function handler(
  event: WorkerEvent,
  context?: Context & LocalContext & { dropsweepFault?: InjectedFault },
): Promise<WorkerResult> {
  const fault = context?.dropsweepFault;
  const store = fault ? storeFromEnv((opened) => faultyStore(opened, fault)) : storeFromEnv();
  const options = workerOptions(context);
  switch (fault?.kind) {
    case "throw-before":
      throw crash(fault.kind);
    case "hang-before":
      return hang();
    case "throw-midway": {
      const half = Math.ceil(event.Items.length / 2);
      await runWorker(store, { ...event, Items: event.Items.slice(0, half) }, options);
      throw crash(fault.kind);
    }
  }
  const result = await runWorker(store, event, options);
  if (fault?.kind === "throw-after") throw crash(fault.kind);
  if (fault?.kind === "hang-after") return hang();
  return result;
}
