// A spec's own fields (name, seeds, grid, zip, sections, maxCells, description): everything else
// written in a spec is a cell field (shared/spec/cell.ts). The syntax is described with a
// worked example at the top of shared/spec/spec.ts.
import * as z from "zod";
import { seedSchema } from "./cell.js";
import { integer } from "./fields.js";

export const TOP_ONLY = ["maxCells", "description", "sections"] as const;
export const SECTION_FIELDS = ["name", "seeds", "grid", "zip"] as const;
export const RESERVED = new Set<string>([...TOP_ONLY, ...SECTION_FIELDS]);
/** Spec fields in the order "expected one of" lists them, after the cell fields. */
export const TOP_FIELDS = ["name", "description", "maxCells", "seeds", "grid", "zip", "sections"];

const axisValues = z.array(z.unknown(), { error: "expected a list of values" }).min(1, { error: "expected at least one value" });
const seedsSchema = z.array(seedSchema, { error: "expected a list of integers" }).min(1, { error: "expected at least one seed" });
const sectionFields = {
  name: z
    .string({ error: "expected a name" })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: "expected letters, digits, '.', '_' or '-'" })
    .optional(),
  seeds: seedsSchema.optional(),
  grid: z.record(z.string(), axisValues, { error: "expected a mapping from field path to a list of values" }).optional(),
  zip: z
    .array(z.record(z.string(), axisValues, { error: "expected a mapping from field path to a list of values" }), {
      error: "expected a list of groups of linked axes",
    })
    .optional(),
};
const sectionSchema = z.looseObject(sectionFields);
export const topSchema = z.looseObject({
  ...sectionFields,
  description: z.string({ error: "expected text" }).optional(),
  maxCells: integer({ ge: 1 }).optional(),
  sections: z.array(sectionSchema, { error: "expected a list of sections" }).min(1, { error: "expected at least one section" }).optional(),
});

export type SectionInput = z.infer<typeof sectionSchema>;
export type TopInput = z.infer<typeof topSchema>;

/** The cell fields written at a level of the spec (its own fields left out). */
export function cellFields(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => !RESERVED.has(k)));
}
