// What Plan, a Worker and Reduce return is exactly what the contract declares (shared/pipeline/
// contract.ts): the state machine passes these on, so an undeclared or missing field is a bug.
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { planResultSchema, reduceResultSchema, workerResultSchema } from "../../shared/pipeline/contract.js";
import { plan, readManifest, submitSpec } from "../../shared/pipeline/plan.js";
import { reduce } from "../../shared/pipeline/reduce.js";
import { readSlices } from "../../shared/pipeline/slices.js";
import { runWorker } from "../../shared/pipeline/worker.js";
import { MemoryStore } from "../report/fixtures.js";

const exactly = <S extends z.ZodObject>(schema: S, value: unknown) => z.strictObject(schema.shape).safeParse(value);

describe("the Task results", () => {
  it("Plan's, a Worker's and Reduce's results have the contract's fields and no others", async () => {
    const store = new MemoryStore();
    const { event } = await submitSpec(store, "experiment: noop\nseeds: [0, 1, 2]\n");
    const planned = await plan(store, event);
    expect(exactly(planResultSchema, planned).error).toBeUndefined();
    const worked = await runWorker(store, { Items: await readManifest(store, planned.sweepId), BatchInput: { sweepId: planned.sweepId } });
    expect(exactly(workerResultSchema, worked).error).toBeUndefined();
    expect(worked.computed).toHaveLength(3);
    const [item] = (await readSlices(store, planned.sweepId))!;
    expect(exactly(reduceResultSchema, await reduce(store, item!)).error).toBeUndefined();
    expect(exactly(planResultSchema, { ...planned, extra: 1 }).success).toBe(false);
  });
});
