// What a claim's evaluation produces (THEORY.md "Claims the pipeline checks"): the verdict, the
// checks it rests on, and the cells behind it. Aggregate writes these into summary.json
// (shared/results/summary.ts), and the report and the CLI read them back through this schema.
import * as z from "zod";
import { sha256HexSchema } from "../spec/canonical.js";
import { claimStatusSchema } from "./status.js";

/** The claims' numbers in THEORY.md; shared/claims/list.ts has one module for each. */
export const claimIds = ["1", "2", "3", "4", "5", "6", "7"] as const;
export const claimIdSchema = z.enum(claimIds);
export type ClaimId = z.infer<typeof claimIdSchema>;

const hash = sha256HexSchema;

/** One test a claim rests on: `measured` must be <= (or >=) `tolerance`. */
const claimCheckSchema = z.object({
  name: z.string(),
  measured: z.number(),
  relation: z.enum(["<=", ">="]),
  tolerance: z.number(),
  /** How many cells (or twin pairs) the check read. */
  cells: z.number().int().nonnegative(),
  pass: z.boolean(),
  /** A measurement shown against the tolerance but not part of the verdict. */
  reported: z.literal(true).optional(),
});
export type ClaimCheck = z.infer<typeof claimCheckSchema>;

/** A group of cells by the part they play in a claim (ClaimResult.roles). */
const claimRoleSchema = z.object({
  /** Short, for the cells table: "at the bound", "equal where predicted". */
  role: z.string().min(1),
  /** Read and shown beside the verdict, not judged. */
  reported: z.literal(true).optional(),
  hashes: z.array(hash),
});
export type ClaimRole = z.infer<typeof claimRoleSchema>;

// Fields in the order the claims write them, so summary.json reads the same whether Aggregate
// wrote it or the report rewrote it from a parsed copy.
export const claimResultSchema = z
  .object({
    /** The claim's number in THEORY.md. */
    id: claimIdSchema,
    title: z.string(),
    status: claimStatusSchema,
    /** The first check's measurement and tolerance (null when skipped or inconclusive). */
    measured: z.number().nullable(),
    tolerance: z.number().nullable(),
    /** How many cells bear on the claim. */
    cells: z.number().int().nonnegative(),
    /** Every check, the first one being `measured` / `tolerance` (absent when skipped, empty when inconclusive). */
    checks: z.array(claimCheckSchema).optional(),
    /** Why the claim is skipped, or what else a reader must know (measured values of this sweep). */
    reason: z.string().optional(),
    /** Why the tolerances are what they are, from measurement (the claim module's justification). */
    justification: z.string(),
    /**
     * Hashes of the cells that bear on the claim, the worst first (largest measurement against
     * its tolerance; diverged cells and mismatches first), so the report's first links are the
     * cells a reader should look at. Absent when the claim is skipped.
     */
    hashes: z.array(hash).optional(),
    /**
     * Claim 5's verdict per cell (absent for other claims and when it is skipped): the hashes it
     * counts as mismatches (their number is its first check's measurement), and those it accepts
     * either way because a closed-form singular value lies within the resolution of the
     * threshold. The report's rank column marks cells from these lists, never from `hashes` order.
     */
    mismatched: z.array(hash).optional(),
    unresolved: z.array(hash).optional(),
    /**
     * The part cells play in the claim, where they differ (absent when every cell it read is
     * simply judged): judged cells by the check they feed (claim 2), and cells it read but set
     * aside, `reported` beside the verdict and not judged (claims 3-5: cells exactly at the
     * representability bound, non-representable ones). A cell of `hashes` in no role is
     * "claimed". The report's cells table and objective-gap plot read roles from here, never
     * re-deriving a claim's rule.
     */
    roles: z.array(claimRoleSchema).optional(),
  })
  .superRefine((claim, context) => {
    // What the report reads without a fallback: an evaluated claim lists its checks and cells,
    // and claim 5 its verdicts per cell (the rank column marks cells from them).
    if (claim.status === "skipped") return;
    const wanted = ["checks", "hashes", ...(claim.id === "5" ? (["mismatched", "unresolved"] as const) : [])] as const;
    for (const field of wanted)
      if (claim[field] === undefined)
        context.addIssue({
          code: "custom",
          path: [field],
          message: `missing (claim ${claim.id} is ${claim.status}: every claim that is not skipped lists it)`,
        });
  });
export type ClaimResult = z.infer<typeof claimResultSchema>;
