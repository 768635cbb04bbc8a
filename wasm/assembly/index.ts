// Entry point of the dropsweep numeric engine. Every kernel takes pointers into linear memory
// and sizes; none allocates. Memory is owned by the TypeScript layer (shared/numerics/engine.ts),
// which hands out regions above heapBase() and passes scratch space explicitly.

export { svdF64, svdWorkSize, svdTranspose, svdMaxAbs } from "./svd";
export { gemmF32, gemmF64, gemmScratchBytes } from "./gemm";
export { rngPhilox, rngSetStream, rngUniform, rngNormal, rngBernoulli, rngPermutation, rngWords } from "./rng";
export { sampleMasksF32, sampleMasksF64 } from "./masks";
export { trainStepF32, trainStepF64, trainScratchBytes, mathCos, allFiniteF32, allFiniteF64 } from "./train";
export { mathPow, mathExp, mathLog, mathLog2 } from "./libm";

/** First byte that kernels' static data does not use; the TS arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}

/** Kernel version: part of every cell hash, bump it when a kernel's results can change. */
export const KERNEL_VERSION: i32 = 4;
