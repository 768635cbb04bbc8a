// Evidence shared by the tests of claims 3-5 (stated on linear cells strictly above the
// representability bound): a converged cell above it, one at it, one not representable.
import { dropblock, evidence, factorisation } from "./evidence.js";

export const good = {
  representable: true,
  blocks: 4,
  blocksNeeded: 2,
  objectiveGap: 1e-4,
  spectrumError: 1e-3,
  balanceRatio: 1.01,
  learnedRank: 2,
  closedFormRank: 2,
};

export const aboveAtAndBelowTheBound = () => [
  evidence(factorisation(dropblock), good),
  evidence(factorisation(dropblock, 1), { ...good, blocks: 2, blocksNeeded: 2, objectiveGap: 2e-3, balanceRatio: 3, learnedRank: 5 }),
  evidence(factorisation(dropblock, 2), { representable: false, objectiveGap: 0.5, balanceRatio: 9, learnedRank: 4, closedFormRank: 2 }),
];
