// The lowering of Distributed Map fields for the local engine: the ASL it produces, and that
// executing it keeps the meaning of ItemReader, ItemBatcher, tolerated failures and ResultWriter.
// Handlers are the fixture modules (run in the worker-thread pool, as in real runs) or, where a
// test must observe calls, in-process functions.
import { StateMachine } from "aws-local-stepfunctions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeLocally, type TaskHandler } from "../../infra/local/execute.js";
import { HandlerPool } from "../../infra/local/handlerPool.js";
import { lowerDefinition, loweredNames, LoweringError } from "../../infra/local/lower.js";
import { batchItems, exceedsTolerance } from "../../infra/local/mapRun.js";
import type { LocalProgress } from "../../infra/local/progress.js";
import type { AslDefinition, RenderedStateMachine } from "../../infra/local/render.js";
import { projectRoot } from "../../infra/stack.js";
import { MemoryStore } from "./fixtures/memoryStore.js";

const workerArn = "arn:aws:lambda:local:000000000000:function:Worker";
const names = loweredNames("Cells");

type MapFields = Record<string, unknown>;

/** A state machine around one Distributed Map "Cells" shaped like the stack's; `fields` override the map's. */
function distributed(fields: MapFields = {}, after: Record<string, unknown> = {}): AslDefinition {
  const map: Record<string, unknown> = {
    Type: "Map",
    ItemReader: {
      Resource: "arn:aws:states:::s3:getObject",
      ReaderConfig: { InputType: "JSONL" },
      Parameters: { "Bucket.$": "$.manifest.bucket", "Key.$": "$.manifest.key" },
    },
    ItemBatcher: { MaxItemsPerBatch: 3, BatchInput: { "sweepId.$": "$.sweepId" } },
    ItemProcessor: {
      ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
      StartAt: "Worker",
      States: { Worker: { Type: "Task", Resource: workerArn, TimeoutSeconds: 60, End: true } },
    },
    MaxConcurrency: 100,
    ToleratedFailurePercentage: 20,
    ResultWriter: {
      Resource: "arn:aws:states:::s3:putObject",
      Parameters: { Bucket: "results", Prefix: "map-runs" },
      WriterConfig: { OutputType: "JSONL", Transformation: "COMPACT" },
    },
    ResultPath: "$.mapResult",
    Next: "After",
  };
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) delete map[field];
    else map[field] = value;
  }
  return { StartAt: "Cells", States: { Cells: map as never, After: { Type: "Pass", End: true, ...after } as never } };
}

function machineOf(definition: AslDefinition): RenderedStateMachine {
  return {
    logicalId: "Test",
    definition,
    functions: new Map([[workerArn, { logicalId: "Worker", arn: workerArn, handler: "test/infra/fixtures/handlers/worker.ts" }]]),
    buckets: new Map(),
  };
}

/** Every field name of every state, nested machines included (not the data in Parameters). */
function stateFields(definition: AslDefinition, into = new Set<string>()): Set<string> {
  for (const key of Object.keys(definition)) into.add(key);
  for (const state of Object.values(definition.States)) {
    for (const key of Object.keys(state)) into.add(key);
    for (const branch of (state.Branches as AslDefinition[] | undefined) ?? []) stateFields(branch, into);
    const processor = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
    if (processor) stateFields(processor, into);
  }
  return into;
}

const manifestKey = "sweeps/s1/manifest.jsonl";
const items = (n: number, failing: number[] = []) =>
  Array.from({ length: n }, (_, i) => ({ hash: `h${i}`, ...(failing.includes(i) ? { fail: true } : {}) }));
const input = { sweepId: "s1", manifest: { bucket: "store", key: manifestKey }, keep: "me" };

let pool: HandlerPool;
beforeAll(() => {
  pool = new HandlerPool({ concurrency: 2 });
});
afterAll(async () => {
  await pool.close();
});

async function execute(definition: AslDefinition, manifestItems: unknown[], handlers?: Record<string, TaskHandler>) {
  const store = new MemoryStore();
  await store.put(manifestKey, manifestItems.map((item) => JSON.stringify(item) + "\n").join(""));
  // Validation compiles the ASL schemas each time (~0.7 s): one test below validates instead.
  const outcome = await executeLocally({
    machine: machineOf(definition),
    input,
    store,
    projectRoot,
    pool,
    validate: false,
    ...(handlers ? { handlers } : {}),
  });
  return { outcome, store };
}

function readManifest(store: MemoryStore, output: any) {
  const key = output.mapResult.ResultWriterDetails.Key as string;
  return { key, manifest: JSON.parse(store.text(key)!) };
}

const jsonl = (text: string | undefined) =>
  (text ?? "")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));

describe("lowerDefinition (the ASL it produces)", () => {
  it("replaces the Distributed Map by a Parallel over read/iterate/finish and an unwrap, leaving none of its fields", () => {
    const { definition, helpers, distributedMaps } = lowerDefinition(distributed(), { concurrency: 4 });
    expect(distributedMaps).toEqual(["Cells"]);
    const fields = stateFields(definition);
    expect(fields.has("Branches")).toBe(true);
    for (const field of ["ItemReader", "ItemBatcher", "ResultWriter", "ToleratedFailurePercentage", "ProcessorConfig", "Label"]) {
      expect(fields.has(field), field).toBe(false);
    }
    const wrapper = definition.States.Cells as any;
    expect(wrapper.Type).toBe("Parallel");
    expect(wrapper.ResultPath).toBe("$.mapResult");
    expect(wrapper.Next).toBe(names.unwrap);
    expect(definition.States[names.unwrap]).toEqual({
      Type: "Pass",
      InputPath: "$.mapResult[0]",
      ResultPath: "$.mapResult",
      Next: "After",
    });
    const branch = wrapper.Branches[0] as AslDefinition;
    expect(branch.StartAt).toBe(names.read);
    expect(Object.keys(branch.States)).toEqual([names.read, names.iterate, names.finish]);
    expect((branch.States[names.read] as any).Parameters).toMatchObject({
      Source: { InputType: "JSONL", Object: { "Bucket.$": "$.manifest.bucket", "Key.$": "$.manifest.key" } },
      Batcher: { MaxItemsPerBatch: 3, BatchInput: { "sweepId.$": "$.sweepId" } },
      Tolerance: { Percentage: 20 },
      MaxConcurrency: 100,
      LocalConcurrency: 4,
      Writer: {
        Resource: "arn:aws:states:::s3:putObject",
        Object: { Bucket: "results", Prefix: "map-runs" },
        WriterConfig: { OutputType: "JSONL", Transformation: "COMPACT" },
      },
    });
    const iterate = branch.States[names.iterate] as any;
    expect(iterate).toMatchObject({ Type: "Map", ItemsPath: "$.Items", MaxConcurrencyPath: "$.MaxConcurrency" });
    const child = iterate.ItemProcessor.States[names.child];
    expect(child.Type).toBe("Parallel");
    expect(child.Branches[0].States.Worker.Resource).toBe(workerArn);
    expect(child.Catch).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.Failed", Next: names.tallyFailed }]);
    expect([...helpers.entries()].sort()).toEqual(
      [
        [names.read, "readItems"],
        [names.finish, "finishMap"],
        [names.tallySucceeded, "tally"],
        [names.tallyFailed, "tally"],
      ].sort(),
    );
  });

  it("produces valid ASL (the engine's validator: JSONPaths and ARNs checked)", () => {
    const { definition } = lowerDefinition(distributed({ Catch: [{ ErrorEquals: ["States.ALL"], Next: "After" }] }), { concurrency: 3 });
    expect(() => new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } })).not.toThrow();
  });

  it("turns *Path variants into JSONPath parameters evaluated against the map's input", () => {
    const { definition } = lowerDefinition(
      distributed({
        ItemBatcher: { MaxItemsPerBatchPath: "$.batch", MaxInputBytesPerBatch: 1000 },
        ToleratedFailurePercentage: undefined,
        ToleratedFailureCountPath: "$.tolerate",
        MaxConcurrency: undefined,
        MaxConcurrencyPath: "$.parallel",
      }),
      { concurrency: 2 },
    );
    const read = ((definition.States.Cells as any).Branches[0].States[names.read] as any).Parameters;
    expect(read.Batcher).toEqual({ "MaxItemsPerBatch.$": "$.batch", MaxInputBytesPerBatch: 1000 });
    expect(read.Tolerance).toEqual({ "Count.$": "$.tolerate" });
    expect(read["MaxConcurrency.$"]).toBe("$.parallel");
  });

  it("keeps Retry, Catch, InputPath on the map and discards without unwrapping when ResultPath is null", () => {
    const retry = [{ ErrorEquals: ["States.ALL"], MaxAttempts: 1 }];
    const catchers = [{ ErrorEquals: ["States.ExceedToleratedFailureThreshold"], Next: "After" }];
    const { definition } = lowerDefinition(
      distributed({ ResultPath: null, OutputPath: "$.keep", InputPath: "$", Retry: retry, Catch: catchers }),
      { concurrency: 1 },
    );
    expect(definition.States.Cells).toMatchObject({
      Type: "Parallel",
      InputPath: "$",
      ResultPath: null,
      OutputPath: "$.keep",
      Retry: retry,
      Catch: catchers,
      Next: "After",
    });
    expect(definition.States[names.unwrap]).toBeUndefined();
  });

  it('gives Tasks without a timeout a long one (AWS has none, the engine 60 s) and drops ResultPath "$"', () => {
    const { definition } = lowerDefinition(
      {
        StartAt: "T",
        States: {
          T: {
            Type: "Task",
            Resource: workerArn,
            ResultPath: "$",
            Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$", Next: "E" }],
            Next: "E",
          },
          E: { Type: "Succeed" },
        },
      },
      { concurrency: 1 },
    );
    expect(definition.States.T).toEqual({
      Type: "Task",
      Resource: workerArn,
      TimeoutSeconds: 2_073_600,
      Catch: [{ ErrorEquals: ["States.ALL"], Next: "E" }],
      Next: "E",
    });
  });

  it("refuses what the engine would ignore, naming the state and the field", () => {
    const refused: [AslDefinition, RegExp][] = [
      [distributed({ ItemSelector: { "x.$": "$" } }), /"Cells".*ItemSelector/],
      [
        distributed({ ItemReader: { Resource: "arn:aws:states:::s3:getObject", ReaderConfig: { InputType: "CSV" }, Parameters: {} } }),
        /"Cells".*CSV/,
      ],
      [distributed({ ItemReader: { Resource: "arn:aws:states:::s3:listObjectsV2", Parameters: {} } }), /"Cells".*listObjectsV2/],
      [distributed({ ItemBatcher: { MaxItemsPerBatch: 2, Surprise: 1 } }), /"Cells".*ItemBatcher.*Surprise/],
      [distributed({ QueryLanguage: "JSONata" }), /"Cells".*JSONata/],
      [{ StartAt: "T", QueryLanguage: "JSONata", States: { T: { Type: "Pass", End: true } } }, /JSONata/],
      [{ StartAt: "T", States: { T: { Type: "Pass", Assign: { x: 1 }, End: true } } }, /"T".*Assign/],
      [{ StartAt: "T", States: { T: { Type: "Task", Resource: workerArn, HeartbeatSeconds: 10, End: true } } }, /"T".*HeartbeatSeconds/],
      [
        { StartAt: "T", States: { T: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken", End: true } } },
        /"T".*waitForTaskToken/,
      ],
    ];
    for (const [definition, message] of refused) {
      expect(() => lowerDefinition(definition, { concurrency: 1 })).toThrow(LoweringError);
      expect(() => lowerDefinition(definition, { concurrency: 1 })).toThrow(message);
    }
  });
});

describe("executing a lowered Distributed Map", () => {
  it("hands each Worker a batch envelope {Items, BatchInput} of consecutive items, in order", async () => {
    const { outcome, store } = await execute(distributed({ ToleratedFailurePercentage: 0 }), items(10));
    expect(outcome.status).toBe("SUCCEEDED");
    const output = outcome.output as any;
    expect(output.keep).toBe("me");
    const { manifest } = readManifest(store, output);
    const succeeded = jsonl(store.text(manifest.ResultFiles.SUCCEEDED[0].Key));
    // Independent expectation: consecutive chunks of 3.
    const hashes = items(10).map((item) => item.hash);
    const chunks = [0, 3, 6, 9].map((start) => hashes.slice(start, start + 3));
    expect(succeeded).toEqual(chunks.map((chunk) => ({ computed: chunk, cached: [], failed: [], batchInput: { sweepId: "s1" } })));
    expect(manifest.ResultFiles.FAILED).toEqual([]);
  });

  it("writes a result manifest listing the SUCCEEDED and FAILED files, and returns where it is", async () => {
    const { outcome, store } = await execute(
      distributed({ ItemBatcher: { MaxItemsPerBatch: 1, BatchInput: { "sweepId.$": "$.sweepId" } } }),
      items(10, [2, 7]),
    );
    expect(outcome.status).toBe("SUCCEEDED");
    const output = outcome.output as any;
    const { key, manifest } = readManifest(store, output);
    expect(output.mapResult.ResultWriterDetails.Bucket).toBe("results");
    expect(key).toMatch(/^map-runs\/[0-9a-f-]{36}\/manifest\.json$/);
    expect(manifest.DestinationBucket).toBe("results");
    expect(manifest.MapRunArn).toBe(output.mapResult.MapRunArn);
    for (const status of ["SUCCEEDED", "FAILED"]) {
      expect(manifest.ResultFiles[status]).toHaveLength(1);
      const file = manifest.ResultFiles[status][0];
      expect(file.Key.startsWith(key.replace("manifest.json", ""))).toBe(true);
      expect(file.Size).toBe(Buffer.byteLength(store.text(file.Key)!));
    }
    const failed = jsonl(store.text(manifest.ResultFiles.FAILED[0].Key));
    expect(failed.map((f: any) => [f.Status, f.Error, JSON.parse(f.Input).Items[0].hash])).toEqual([
      ["FAILED", "CellFailed", "h2"],
      ["FAILED", "CellFailed", "h7"],
    ]);
    expect(failed[0].Cause).toMatch(/cell h2 failed/);
    expect(jsonl(store.text(manifest.ResultFiles.SUCCEEDED[0].Key))).toHaveLength(8);
  });

  it("fails the map with States.ExceedToleratedFailureThreshold when failures exceed the percentage, still writing results", async () => {
    const single = { ItemBatcher: { MaxItemsPerBatch: 1 } };
    // 2 of 10 items fail: 20 % is tolerated by 20, not by 19.
    const passing = await execute(distributed({ ...single, ToleratedFailurePercentage: 20 }), items(10, [0, 9]));
    expect(passing.outcome.status).toBe("SUCCEEDED");
    const { outcome, store } = await execute(distributed({ ...single, ToleratedFailurePercentage: 19 }), items(10, [0, 9]));
    expect(outcome.status).toBe("FAILED");
    expect(outcome.error?.name).toBe("States.ExceedToleratedFailureThreshold");
    expect(outcome.error?.cause).toMatch(/2 of 10 items failed/);
    const manifests = [...store.objects.keys()].filter((k) => k.endsWith("/manifest.json"));
    expect(manifests).toHaveLength(1);
  });

  it("counts every item of a failed batch as failed", async () => {
    // One bad item in a batch of 5 fails 5 of 10 items: 50 %.
    const batchOfFive = { ItemBatcher: { MaxItemsPerBatch: 5 } };
    const atHalf = await execute(distributed({ ...batchOfFive, ToleratedFailurePercentage: 50 }), items(10, [3]));
    expect(atHalf.outcome.status).toBe("SUCCEEDED");
    const belowHalf = await execute(distributed({ ...batchOfFive, ToleratedFailurePercentage: 49 }), items(10, [3]));
    expect(belowHalf.outcome.error?.name).toBe("States.ExceedToleratedFailureThreshold");
    expect(belowHalf.outcome.error?.cause).toMatch(/5 of 10 items failed/);
  });

  it("applies ToleratedFailureCount, and tolerates nothing when no threshold is set", async () => {
    const single = { ItemBatcher: { MaxItemsPerBatch: 1 }, ToleratedFailurePercentage: undefined };
    expect((await execute(distributed({ ...single, ToleratedFailureCount: 2 }), items(6, [1, 4]))).outcome.status).toBe("SUCCEEDED");
    expect((await execute(distributed({ ...single, ToleratedFailureCount: 1 }), items(6, [1, 4]))).outcome.error?.name).toBe(
      "States.ExceedToleratedFailureThreshold",
    );
    expect((await execute(distributed(single), items(6, [4]))).outcome.error?.name).toBe("States.ExceedToleratedFailureThreshold");
    expect((await execute(distributed(single), items(6))).outcome.status).toBe("SUCCEEDED");
  });

  it("lets a Catch on the map see States.ExceedToleratedFailureThreshold", async () => {
    const caught = distributed({
      ToleratedFailurePercentage: 0,
      Catch: [{ ErrorEquals: ["States.ExceedToleratedFailureThreshold"], ResultPath: "$.mapError", Next: "After" }],
    });
    const { outcome } = await execute(caught, items(4, [1]));
    expect(outcome.status).toBe("SUCCEEDED");
    expect((outcome.output as any).mapError.Error).toBe("States.ExceedToleratedFailureThreshold");
    expect((outcome.output as any).keep).toBe("me");
  });

  it("without ItemReader and ItemBatcher, gives each child one item of ItemsPath and returns the outputs", async () => {
    const seen: unknown[] = [];
    const definition = distributed({ ItemReader: undefined, ItemBatcher: undefined, ResultWriter: undefined, ItemsPath: "$.list" });
    const store = new MemoryStore();
    const outcome = await executeLocally({
      machine: machineOf(definition),
      input: { list: [{ n: 1 }, { n: 2 }, { n: 3 }] },
      store,
      projectRoot,
      pool,
      validate: false,
      handlers: {
        Worker: async (event) => {
          seen.push(event);
          return { doubled: (event as { n: number }).n * 2 };
        },
      },
    });
    expect(outcome.status).toBe("SUCCEEDED");
    expect(seen.sort((a: any, b: any) => a.n - b.n)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect((outcome.output as any).mapResult).toEqual([{ doubled: 2 }, { doubled: 4 }, { doubled: 6 }]);
    expect(store.objects.size).toBe(0);
  });

  it("with an ItemReader and no ItemBatcher (the slices' map), hands each child one line of the object as its event", async () => {
    const seen: unknown[] = [];
    const lines = Array.from({ length: 5 }, (_, i) => ({ sweepId: "s1", slice: i, cells: 1000 }));
    const { outcome, store } = await execute(distributed({ ItemBatcher: undefined, ToleratedFailurePercentage: undefined }), lines, {
      Worker: async (event) => {
        seen.push(event);
        return { slice: (event as { slice: number }).slice };
      },
    });
    expect(outcome.status).toBe("SUCCEEDED");
    // The line itself, not an envelope: the Reduce event is the slice.
    expect([...seen].sort((a: any, b: any) => a.slice - b.slice)).toEqual(lines);
    const { manifest } = readManifest(store, outcome.output);
    expect(jsonl(store.text(manifest.ResultFiles.SUCCEEDED[0].Key)).sort((a: any, b: any) => a.slice - b.slice)).toEqual(
      lines.map(({ slice }) => ({ slice })),
    );
  });

  it("counts only the cells' map toward progress when told which it is (cellsMap)", async () => {
    // Two maps one after the other, as in the stack: 7 cells, then 3 slices.
    const cells = distributed({ ItemBatcher: { MaxItemsPerBatch: 2 }, Next: "Slices" });
    const slices = distributed({
      ItemBatcher: undefined,
      ItemReader: { ...(cells.States.Cells!.ItemReader as object), Parameters: { Bucket: "store", Key: "sweeps/s1/slices.jsonl" } },
      ResultPath: "$.reduceResult",
      ItemProcessor: {
        ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
        StartAt: "Reduce",
        States: { Reduce: { Type: "Task", Resource: workerArn, TimeoutSeconds: 60, End: true } },
      },
    }).States.Cells!;
    const definition: AslDefinition = { ...cells, States: { ...cells.States, Slices: slices } };
    const run = async (cellsMap?: string) => {
      const store = new MemoryStore();
      await store.put(
        manifestKey,
        items(7)
          .map((item) => JSON.stringify(item) + "\n")
          .join(""),
      );
      await store.put("sweeps/s1/slices.jsonl", [0, 1, 2].map((slice) => JSON.stringify({ hash: `slice${slice}` }) + "\n").join(""));
      const progress: LocalProgress[] = [];
      const outcome = await executeLocally({
        machine: machineOf(definition),
        input,
        store,
        projectRoot,
        pool,
        validate: false,
        progress: (p) => progress.push(p),
        handlers: { Worker: async (event) => event },
        ...(cellsMap ? { cellsMap } : {}),
      });
      expect(outcome.status).toBe("SUCCEEDED");
      return progress.at(-1)!;
    };
    expect(await run("Cells")).toMatchObject({ cellsPending: 7, cellsDone: 7 });
    // Without it every map's items count (the last map read sets what is pending).
    expect(await run()).toMatchObject({ cellsPending: 3, cellsDone: 10 });
  });

  it("never runs more children at once than MaxConcurrency or the pool", async () => {
    const inFlightPeaks: number[] = [];
    for (const maxConcurrency of [1, 100]) {
      let inFlight = 0;
      let peak = 0;
      const worker: TaskHandler = async (event) => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return (event as { Items: unknown[] }).Items.length;
      };
      const { outcome } = await execute(distributed({ MaxConcurrency: maxConcurrency, ItemBatcher: { MaxItemsPerBatch: 1 } }), items(12), {
        Worker: worker,
      });
      expect(outcome.status).toBe("SUCCEEDED");
      inFlightPeaks.push(peak);
    }
    expect(inFlightPeaks[0]).toBe(1);
    expect(inFlightPeaks[1]).toBeLessThanOrEqual(pool.concurrency);
    expect(inFlightPeaks[1]).toBeGreaterThan(1);
  });

  it("fails like AWS when the manifest is missing or not JSON Lines", async () => {
    const store = new MemoryStore();
    const missing = await executeLocally({ machine: machineOf(distributed()), input, store, projectRoot, pool, validate: false });
    expect(missing.error?.name).toBe("States.ItemReaderFailed");
    await store.put(manifestKey, '{"hash":"a"}\nnot json\n');
    const broken = await executeLocally({ machine: machineOf(distributed()), input, store, projectRoot, pool, validate: false });
    expect(broken.error?.name).toBe("States.ItemReaderFailed");
    expect(broken.error?.cause).toMatch(/line 2/);
  });
});

describe("batchItems", () => {
  const sized = (n: number, seed: number) => Array.from({ length: n }, (_, i) => ({ hash: "x".repeat(((i * 7919 + seed) % 50) + 1) }));

  it("cuts consecutive batches, each within both limits and maximal (the next item would not fit)", () => {
    for (const [maxItems, maxBytes] of [
      [3, undefined],
      [undefined, 200],
      [4, 150],
      [1, undefined],
    ] as const) {
      const all = sized(37, maxBytes ?? 1);
      const batches = batchItems("M", all, maxItems, maxBytes, { sweepId: "s" }) as { Items: unknown[]; BatchInput: unknown }[];
      expect(batches.flatMap((b) => b.Items)).toEqual(all);
      let next = 0;
      for (const batch of batches) {
        next += batch.Items.length;
        const bytes = Buffer.byteLength(JSON.stringify(batch));
        expect(bytes).toBeLessThanOrEqual(maxBytes ?? 262_144);
        if (maxItems) expect(batch.Items.length).toBeLessThanOrEqual(maxItems);
        expect(batch.BatchInput).toEqual({ sweepId: "s" });
        if (next < all.length) {
          const grown = { ...batch, Items: [...batch.Items, all[next]] };
          const fitsBytes = Buffer.byteLength(JSON.stringify(grown)) <= (maxBytes ?? 262_144);
          const fitsCount = !maxItems || grown.Items.length <= maxItems;
          expect(fitsBytes && fitsCount).toBe(false);
        }
      }
    }
  });

  it("refuses an item larger than a batch may be", () => {
    expect(() => batchItems("M", [{ big: "x".repeat(300) }], undefined, 100, undefined)).toThrow(/does not fit/);
  });
});

describe("exceedsTolerance", () => {
  it("fails on any failure without a threshold and compares strictly above one", () => {
    expect(exceedsTolerance({}, 0, 10)).toBe(false);
    expect(exceedsTolerance({}, 1, 10)).toBe(true);
    expect(exceedsTolerance({ Percentage: 10 }, 1, 10)).toBe(false);
    expect(exceedsTolerance({ Percentage: 10 }, 2, 10)).toBe(true);
    expect(exceedsTolerance({ Count: 3, Percentage: 100 }, 4, 10)).toBe(true);
    expect(exceedsTolerance({ Count: 3, Percentage: 5 }, 1, 10)).toBe(true);
    expect(exceedsTolerance({ Percentage: 0 }, 0, 0)).toBe(false);
  });
});
