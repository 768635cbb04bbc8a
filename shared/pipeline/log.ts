// The little the pipeline needs from a logger; Powertools' Logger (functions/) and the CLI's
// progress printer both fit it.
export interface PipelineLog {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
}

export const silentLog: PipelineLog = { info() {}, warn() {} };
