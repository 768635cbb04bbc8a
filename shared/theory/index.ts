// What the theory predicts (THEORY.md), in one place: every other part imports from here.
export { kSupportNorm, spectralKSupportNorm, type KSupportNorm } from "./kSupportNorm.js";
export { squaredKSupportProx, type SquaredKSupportProx } from "./squaredKSupportProx.js";
export { closedForm, checkCell, type ClosedForm, type ClosedFormProblem } from "./closedForm.js";
export { balancedFactorisation, type BalancedFactorisation } from "./balancedFactorisation.js";
export { projectorDecomposition } from "./projectorDecomposition.js";
export { maskMoments, type MaskMoments } from "./maskMoments.js";
export {
  createDeterministicObjective,
  deterministicObjective,
  deterministicObjectiveGradient,
  type DeterministicObjective,
  type ObjectiveAt,
  type ObjectiveGradient,
  type ObjectiveProblem,
} from "./deterministicObjective.js";
export { whiten, gramConditionLimit, type Whitening } from "./whitening.js";
