// Each cell's part in each claim, as the claims' results record it (shared/claims/result.ts:
// `hashes` are the cells a claim judges, `roles` name the parts where they differ and the
// cells it reads but sets aside), for the cells table: "claimed by 1, 3, 4, 5", "2: equal where
// predicted", "reported by 3, 4, 5: at the bound". Nothing here decides a role: a claim did.
import { atTheBound } from "../claims/evidence.js";
import type { ClaimId, ClaimResult } from "../claims/result.js";
import { formatQuantity } from "./format.js";

export interface CellRole {
  claim: ClaimId;
  role: string;
  /** Read and shown beside the verdict, not judged. */
  reported: boolean;
}

/** The role a claim gives the cells it judges without naming one. */
const claimedRole = "claimed";

/** Every cell's roles, in the claims' order. */
export function cellRoles(claims: readonly ClaimResult[]): Map<string, CellRole[]> {
  const roles = new Map<string, CellRole[]>();
  const add = (hash: string, role: CellRole) => {
    const list = roles.get(hash) ?? [];
    if (!list.some((r) => r.claim === role.claim)) list.push(role);
    roles.set(hash, list);
  };
  for (const claim of claims) {
    if (claim.status === "skipped") continue;
    for (const group of claim.roles ?? [])
      for (const hash of group.hashes) add(hash, { claim: claim.id, role: group.role, reported: group.reported === true });
    for (const hash of claim.hashes ?? []) add(hash, { claim: claim.id, role: claimedRole, reported: false });
  }
  return roles;
}

/** One cell's roles as a reader scans them: claims grouped by role, judged ones first. */
export function rolesText(roles: readonly CellRole[]): string {
  const groups = new Map<string, { role: string; reported: boolean; claims: string[] }>();
  const ordered = [...roles].sort((a, b) => Number(a.reported) - Number(b.reported));
  for (const r of ordered) {
    const key = `${r.reported} ${r.role}`;
    if (!groups.has(key)) groups.set(key, { role: r.role, reported: r.reported, claims: [] });
    groups.get(key)!.claims.push(r.claim);
  }
  return [...groups.values()]
    .map((g) =>
      g.reported
        ? `reported by ${g.claims.join(", ")}: ${g.role}`
        : g.role === claimedRole
          ? `claimed by ${g.claims.join(", ")}`
          : `${g.claims.join(", ")}: ${g.role}`,
    )
    .join("; ");
}

/** What the column's entries mean, for both renderers. */
export const rolesNote =
  'Claims: each cell\'s part in each claim, as the claim recorded it. "Claimed by 3" means claim 3 judges the cell; "reported by 3: at the bound" means claim 3 read the cell and shows it beside its verdict without judging it (cells exactly at the representability bound, non-representable ones); "2: equal where predicted" names the check of claim 2 the cell feeds. A cell no claim reads shows nothing.';

/**
 * The Representable column: "yes" is said "yes, at the bound" for a cell a claim set aside as
 * exactly at the representability bound, so it does not read like the cells claims 3-5 judge.
 */
export function representableText(representable: boolean | null | undefined, roles: readonly CellRole[]): string {
  return representable === true && roles.some((r) => r.role === atTheBound) ? `yes, ${atTheBound}` : formatQuantity(representable);
}
