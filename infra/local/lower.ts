// Lowering: rewrite the ASL features aws-local-stepfunctions lacks (and would silently ignore)
// into states it runs, plus runner-implemented helper Tasks (infra/local/mapRun.ts).
//
// A Distributed Map state `M`
//
//   M: { Type: Map, ItemReader, ItemBatcher, ItemProcessor{DISTRIBUTED}, MaxConcurrency,
//        ToleratedFailurePercentage, ResultWriter, InputPath, ResultPath, OutputPath, Retry, Catch, Next }
//
// becomes (JSONPath semantics kept: InputPath/ResultPath/OutputPath/Retry/Catch act on the whole map):
//
//   M (Parallel, InputPath, ResultPath, Retry, Catch) -- one branch:
//     "M [read items]"        helper Task: evaluates ItemReader/ItemBatcher/ResultWriter/tolerance
//                             parameters against the map's input, reads the items from the store,
//                             cuts them into batch envelopes {Items, BatchInput}
//     "M [iterate]"           inline Map over the envelopes, MaxConcurrency capped at the local pool
//        "M [child]"          Parallel running the original ItemProcessor as its only branch (one
//                             child execution); Catch States.ALL -> failure recorded, not raised
//        "M [tally succeeded]" / "M [tally failed]"  helper Tasks: progress, cells per envelope
//     "M [tolerate and write]" helper Task: failed items (a failed batch fails all its items) against
//                             ToleratedFailurePercentage/Count -> States.ExceedToleratedFailureThreshold,
//                             else writes the result manifest (ResultWriter) and returns
//                             {MapRunArn, ResultWriterDetails}; the original ResultSelector applies here
//   "M [unwrap]" (Pass, InputPath <ResultPath>[0], ResultPath, OutputPath, Next/End): a Parallel
//                             returns [branch output]; this puts the single output where M's result goes.
//
// Anything this module does not lower or the engine does not run (JSONata, variables, ItemSelector on
// a distributed map, CSV readers, callback tasks...) is an error naming the state and the field.
import type { AslDefinition, AslState } from "./render.js";
import { placeholderAccount, placeholderRegion } from "./render.js";

/** What a runner-implemented helper Task does. */
type HelperKind = "readItems" | "tally" | "finishMap";

const helperArns: Record<HelperKind, string> = {
  readItems: `arn:aws:lambda:${placeholderRegion}:${placeholderAccount}:function:dropsweep-local-read-items`,
  tally: `arn:aws:lambda:${placeholderRegion}:${placeholderAccount}:function:dropsweep-local-tally`,
  finishMap: `arn:aws:lambda:${placeholderRegion}:${placeholderAccount}:function:dropsweep-local-finish-map`,
};

/** Names of the states one Distributed Map `name` is lowered into. */
export function loweredNames(name: string) {
  return {
    read: `${name} [read items]`,
    iterate: `${name} [iterate]`,
    child: `${name} [child]`,
    tallySucceeded: `${name} [tally succeeded]`,
    tallyFailed: `${name} [tally failed]`,
    finish: `${name} [tolerate and write]`,
    unwrap: `${name} [unwrap]`,
  };
}

export interface LowerOptions {
  /** Local worker pool size: the lowered map never runs more children than this at once. */
  concurrency: number;
  /**
   * TimeoutSeconds for Tasks that set none. AWS has no default; the engine's is 60 s, and its
   * setTimeout overflows past 2^31 ms, hence 24 days.
   * @default 2_073_600
   */
  defaultTaskTimeoutSeconds?: number;
}

export interface Lowering {
  definition: AslDefinition;
  /** Helper Task state name -> what it does. */
  helpers: Map<string, HelperKind>;
  /** Names of the Distributed Map states that were lowered. */
  distributedMaps: string[];
}

export class LoweringError extends Error {
  constructor(message: string) {
    super(`dropsweep local: ${message}`);
    this.name = "LoweringError";
  }
}

const maxTimerSeconds = 2_073_600;

// Fields per state type that the engine executes as AWS does. Anything else is refused.
const commonFields = ["Type", "Comment", "Next", "End"];
const ioFields = ["InputPath", "OutputPath", "ResultPath"];
const allowedFields: Record<string, string[]> = {
  Task: [
    ...commonFields,
    ...ioFields,
    "Resource",
    "Parameters",
    "ResultSelector",
    "Retry",
    "Catch",
    "TimeoutSeconds",
    "TimeoutSecondsPath",
  ],
  Parallel: [...commonFields, ...ioFields, "Branches", "Parameters", "ResultSelector", "Retry", "Catch"],
  Map: [
    ...commonFields,
    ...ioFields,
    "ItemProcessor",
    "Iterator",
    "ItemsPath",
    "ItemSelector",
    "Parameters",
    "MaxConcurrency",
    "MaxConcurrencyPath",
    "ResultSelector",
    "Retry",
    "Catch",
  ],
  Pass: [...commonFields, ...ioFields, "Result", "Parameters"],
  Wait: [...commonFields, "InputPath", "OutputPath", "Seconds", "Timestamp", "SecondsPath", "TimestampPath"],
  Choice: ["Type", "Comment", "InputPath", "OutputPath", "Choices", "Default"],
  Succeed: ["Type", "Comment", "InputPath", "OutputPath"],
  Fail: ["Type", "Comment", "Error", "Cause", "ErrorPath", "CausePath"],
};

const distributedFields = [
  ...commonFields,
  "InputPath",
  "OutputPath",
  "ResultPath",
  "ResultSelector",
  "Retry",
  "Catch",
  "ItemProcessor",
  "ItemsPath",
  "ItemReader",
  "ItemBatcher",
  "ResultWriter",
  "MaxConcurrency",
  "MaxConcurrencyPath",
  "ToleratedFailurePercentage",
  "ToleratedFailurePercentagePath",
  "ToleratedFailureCount",
  "ToleratedFailureCountPath",
  // A name for the map run in the console; no behaviour.
  "Label",
];

function refuseFields(name: string, state: AslState, allowed: readonly string[], what: string): void {
  const extra = Object.keys(state).filter((field) => !allowed.includes(field));
  if (extra.length > 0) {
    throw new LoweringError(`state "${name}": ${what} field(s) ${extra.join(", ")} are not supported by the local runner`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isDistributed(state: AslState): boolean {
  const processor = state.ItemProcessor;
  const mode = isObject(processor) && isObject(processor.ProcessorConfig) ? processor.ProcessorConfig.Mode : undefined;
  return (
    mode === "DISTRIBUTED" ||
    [
      "ItemReader",
      "ItemBatcher",
      "ResultWriter",
      "ToleratedFailurePercentage",
      "ToleratedFailurePercentagePath",
      "ToleratedFailureCount",
      "ToleratedFailureCountPath",
    ].some((f) => f in state)
  );
}

/** `{Field: value}` or `{"Field.$": path}` from a static field and its *Path variant. */
function staticOrPath(state: Record<string, unknown>, field: string, into: string = field): Record<string, unknown> {
  if (state[`${field}Path`] !== undefined) return { [`${into}.$`]: state[`${field}Path`] };
  if (state[field] !== undefined) return { [into]: state[field] };
  return {};
}

class Lowerer {
  readonly helpers = new Map<string, HelperKind>();
  readonly distributedMaps: string[] = [];
  private readonly names = new Set<string>();

  constructor(private readonly options: Required<LowerOptions>) {}

  machine(definition: AslDefinition, where: string): AslDefinition {
    if (definition.QueryLanguage !== undefined && definition.QueryLanguage !== "JSONPath") {
      throw new LoweringError(`${where}: QueryLanguage ${String(definition.QueryLanguage)} (JSONata) is not supported by the local engine`);
    }
    const states: Record<string, AslState> = {};
    for (const [name, state] of Object.entries(definition.States)) Object.assign(states, this.state(name, state));
    const { States: _states, ProcessorConfig: _config, QueryLanguage: _language, ...rest } = definition;
    return { ...rest, StartAt: definition.StartAt, States: states } as AslDefinition;
  }

  private claim(name: string): string {
    if (this.names.has(name))
      throw new LoweringError(`state name "${name}" is used twice (ASL requires unique names; lowered names end in "[...]")`);
    this.names.add(name);
    return name;
  }

  private state(name: string, state: AslState): Record<string, AslState> {
    this.claim(name);
    if (state.QueryLanguage !== undefined && state.QueryLanguage !== "JSONPath") {
      throw new LoweringError(
        `state "${name}": QueryLanguage ${String(state.QueryLanguage)} (JSONata) is not supported by the local engine`,
      );
    }
    for (const field of ["Arguments", "Output", "Assign"]) {
      if (field in state) throw new LoweringError(`state "${name}": ${field} (JSONata / variables) is not supported by the local engine`);
    }
    if (state.Type === "Map" && isDistributed(state)) return this.distributedMap(name, state);
    const allowed = allowedFields[state.Type];
    if (!allowed) throw new LoweringError(`state "${name}": unknown state type ${state.Type}`);
    const { QueryLanguage: _language, ...plain } = state;
    refuseFields(name, plain as AslState, allowed, state.Type);
    switch (state.Type) {
      case "Task":
        return { [name]: this.task(name, plain as AslState) };
      case "Parallel":
        return {
          [name]: {
            ...plain,
            Branches: (state.Branches as AslDefinition[]).map((b, i) => this.machine(b, `branch ${i} of "${name}"`)),
          } as AslState,
        };
      case "Map": {
        const processor = (state.ItemProcessor ?? state.Iterator) as AslDefinition;
        const { ItemProcessor: _p, Iterator: _i, ...restOfMap } = plain;
        return { [name]: { ...restOfMap, ItemProcessor: this.machine(processor, `processor of "${name}"`) } as AslState };
      }
      default:
        return { [name]: plain as AslState };
    }
  }

  private task(name: string, state: AslState): AslState {
    const resource = String(state.Resource);
    if (/\.(waitForTaskToken|sync)(:\d+)?$/.test(resource)) {
      throw new LoweringError(`state "${name}": integration pattern of ${resource} (callback/sync) is not supported locally`);
    }
    if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
      return { ...state, TimeoutSeconds: this.options.defaultTaskTimeoutSeconds };
    }
    if (typeof state.TimeoutSeconds === "number" && state.TimeoutSeconds > maxTimerSeconds) {
      return { ...state, TimeoutSeconds: maxTimerSeconds };
    }
    return state;
  }

  private helper(name: string, kind: HelperKind, fields: Record<string, unknown>): AslState {
    this.claim(name);
    this.helpers.set(name, kind);
    return { Type: "Task", Resource: helperArns[kind], TimeoutSeconds: this.options.defaultTaskTimeoutSeconds, ...fields };
  }

  private distributedMap(name: string, state: AslState): Record<string, AslState> {
    refuseFields(name, state, distributedFields, "Distributed Map");
    if (state.ItemReader !== undefined && state.ItemsPath !== undefined) {
      throw new LoweringError(`state "${name}": ItemReader and ItemsPath together are not valid ASL`);
    }
    const names = loweredNames(name);
    this.distributedMaps.push(name);

    // [read items]: every JSONPath of the map's configuration is evaluated by the engine against
    // the map's effective input (this Task runs first in the branch, whose input is that).
    const source: Record<string, unknown> = {};
    if (state.ItemReader !== undefined) {
      const reader = state.ItemReader as Record<string, unknown>;
      refuseFields(name, reader as AslState, ["Resource", "ReaderConfig", "Parameters"], "ItemReader");
      const config = (reader.ReaderConfig ?? {}) as Record<string, unknown>;
      refuseFields(name, config as AslState, ["InputType", "MaxItems", "MaxItemsPath"], "ItemReader.ReaderConfig");
      const resource = String(reader.Resource);
      if (!/^arn:aws[a-z-]*:states:::s3:getObject$/.test(resource)) {
        throw new LoweringError(`state "${name}": ItemReader resource ${resource} is not supported locally (only s3:getObject)`);
      }
      if (config.InputType !== "JSONL" && config.InputType !== "JSON") {
        throw new LoweringError(`state "${name}": ItemReader InputType ${String(config.InputType)} is not supported locally (JSON, JSONL)`);
      }
      const parameters = (reader.Parameters ?? {}) as Record<string, unknown>;
      refuseFields(name, parameters as AslState, ["Bucket", "Bucket.$", "Key", "Key.$"], "ItemReader.Parameters");
      Object.assign(source, { InputType: config.InputType, Object: parameters, ...staticOrPath(config, "MaxItems") });
    } else {
      source["Items.$"] = state.ItemsPath ?? "$";
    }

    const readParameters: Record<string, unknown> = {
      Map: name,
      Source: source,
      LocalConcurrency: this.options.concurrency,
      ...staticOrPath(state, "MaxConcurrency"),
      Tolerance: {
        ...staticOrPath(state, "ToleratedFailurePercentage", "Percentage"),
        ...staticOrPath(state, "ToleratedFailureCount", "Count"),
      },
    };
    if (state.ItemBatcher !== undefined) {
      const batcher = state.ItemBatcher as Record<string, unknown>;
      refuseFields(
        name,
        batcher as AslState,
        ["MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", "BatchInput"],
        "ItemBatcher",
      );
      readParameters.Batcher = {
        ...staticOrPath(batcher, "MaxItemsPerBatch"),
        ...staticOrPath(batcher, "MaxInputBytesPerBatch"),
        ...(batcher.BatchInput !== undefined ? { BatchInput: batcher.BatchInput } : {}),
      };
    }
    if (state.ResultWriter !== undefined) {
      const writer = state.ResultWriter as Record<string, unknown>;
      refuseFields(name, writer as AslState, ["Resource", "Parameters", "WriterConfig"], "ResultWriter");
      if (writer.Resource !== undefined && !/^arn:aws[a-z-]*:states:::s3:putObject$/.test(String(writer.Resource))) {
        throw new LoweringError(
          `state "${name}": ResultWriter resource ${String(writer.Resource)} is not supported locally (only s3:putObject)`,
        );
      }
      const parameters = (writer.Parameters ?? {}) as Record<string, unknown>;
      refuseFields(name, parameters as AslState, ["Bucket", "Bucket.$", "Prefix", "Prefix.$"], "ResultWriter.Parameters");
      readParameters.Writer = {
        ...(writer.Resource !== undefined ? { Resource: writer.Resource, Object: parameters } : {}),
        ...(writer.WriterConfig !== undefined ? { WriterConfig: writer.WriterConfig } : {}),
      };
    }

    const processor = state.ItemProcessor as AslDefinition;
    const children: Record<string, AslState> = {
      [names.child]: {
        Type: "Parallel",
        InputPath: "$.Input",
        Branches: [this.machine(processor, `processor of "${name}"`)],
        ResultSelector: { "Output.$": "$[0]" },
        ResultPath: "$.Succeeded",
        // A failed child is recorded, not raised: the threshold is judged over all of them.
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.Failed", Next: names.tallyFailed }],
        Next: names.tallySucceeded,
      },
      [names.tallySucceeded]: this.helper(names.tallySucceeded, "tally", {
        Parameters: { "MapRunArn.$": "$.MapRunArn", "Index.$": "$.Index", Succeeded: true },
        ResultPath: null,
        End: true,
      }),
      [names.tallyFailed]: this.helper(names.tallyFailed, "tally", {
        Parameters: { "MapRunArn.$": "$.MapRunArn", "Index.$": "$.Index", Succeeded: false },
        ResultPath: null,
        End: true,
      }),
    };
    this.claim(names.child);

    const branch: AslDefinition = {
      StartAt: names.read,
      States: {
        [names.read]: this.helper(names.read, "readItems", { Parameters: readParameters, Next: names.iterate }),
        [names.iterate]: {
          Type: "Map",
          ItemsPath: "$.Items",
          MaxConcurrencyPath: "$.MaxConcurrency",
          ItemSelector: { "Index.$": "$$.Map.Item.Index", "Input.$": "$$.Map.Item.Value", "MapRunArn.$": "$.Run.MapRunArn" },
          ItemProcessor: { StartAt: names.child, States: children },
          ResultPath: "$.Results",
          Next: names.finish,
        },
        [names.finish]: this.helper(names.finish, "finishMap", {
          Parameters: { "Run.$": "$.Run", "Results.$": "$.Results" },
          ...(state.ResultSelector !== undefined ? { ResultSelector: state.ResultSelector } : {}),
          End: true,
        }),
      },
    };
    this.claim(names.iterate);

    const wrapper: AslState = {
      Type: "Parallel",
      ...(state.Comment !== undefined ? { Comment: state.Comment } : {}),
      ...(state.InputPath !== undefined ? { InputPath: state.InputPath } : {}),
      Branches: [branch],
      ...(state.Retry !== undefined ? { Retry: state.Retry } : {}),
      ...(state.Catch !== undefined ? { Catch: state.Catch } : {}),
    };
    const next = state.End === true ? { End: true } : { Next: state.Next };
    if (state.ResultPath === null) {
      // The map's result is discarded: no unwrapping needed.
      return {
        [name]: { ...wrapper, ResultPath: null, ...(state.OutputPath !== undefined ? { OutputPath: state.OutputPath } : {}), ...next },
      };
    }
    const resultPath = (state.ResultPath as string | undefined) ?? "$";
    this.claim(names.unwrap);
    return {
      [name]: { ...wrapper, ResultPath: resultPath, Next: names.unwrap },
      [names.unwrap]: {
        Type: "Pass",
        InputPath: `${resultPath}[0]`,
        ResultPath: resultPath,
        ...(state.OutputPath !== undefined ? { OutputPath: state.OutputPath } : {}),
        ...next,
      },
    };
  }
}

/**
 * aws-local-stepfunctions 3.0.0 treats ResultPath "$" as a field named "$" (it should replace
 * the whole input); omitting ResultPath means the same in ASL and works, so "$" is dropped
 * everywhere, Catch included.
 */
function dropRootResultPaths(definition: AslDefinition): void {
  for (const state of Object.values(definition.States)) {
    if (state.ResultPath === "$") delete state.ResultPath;
    for (const catcher of (state.Catch as Record<string, unknown>[] | undefined) ?? []) {
      if (catcher.ResultPath === "$") delete catcher.ResultPath;
    }
    for (const branch of (state.Branches as AslDefinition[] | undefined) ?? []) dropRootResultPaths(branch);
    const processor = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
    if (processor) dropRootResultPaths(processor);
  }
}

/** Lower `definition` (not modified) for aws-local-stepfunctions. */
export function lowerDefinition(definition: AslDefinition, options: LowerOptions): Lowering {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new LoweringError(`concurrency must be a positive integer (got ${options.concurrency})`);
  }
  const lowerer = new Lowerer({ defaultTaskTimeoutSeconds: maxTimerSeconds, ...options });
  const lowered = lowerer.machine(structuredClone(definition), "state machine");
  dropRootResultPaths(lowered);
  return { definition: lowered, helpers: lowerer.helpers, distributedMaps: lowerer.distributedMaps };
}
