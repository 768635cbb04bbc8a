// How much of a large sweep the report draws and lists (the full lists are always in
// summary.json). Every cap that cuts something says so in the report.
export interface ReportLimits {
  /** Facets per per-configuration plot (spectra, curves, balance, schemes). */
  configurations: number;
  /** Points in the objective-gap plot. */
  gapPoints: number;
  /** Settings (each with all its seeds) in claim 7's plot of twin cells. */
  pairedSettings: number;
  /** Rows of the per-cell table (the full list is always in summary.json). */
  tableRows: number;
  /** Cell links per claim in the claims table. */
  claimLinks: number;
}

export const defaultLimits: ReportLimits = { configurations: 12, gapPoints: 2000, pairedSettings: 6, tableRows: 2000, claimLinks: 8 };
