// Field builders for the spec schema: each says in words what it accepts ("a number > 0 and
// <= 1"), so a problem reads `mask.keepProbability: expected a number > 0 and <= 1, got 1.5`.
import * as z from "zod";
import { unknownField } from "./problems.js";

export interface Bounds {
  gt?: number;
  ge?: number;
  lt?: number;
  le?: number;
}

function describe(bounds: Bounds, noun: string): string {
  const parts: string[] = [];
  if (bounds.gt !== undefined) parts.push(`> ${bounds.gt}`);
  if (bounds.ge !== undefined) parts.push(`>= ${bounds.ge}`);
  if (bounds.lt !== undefined) parts.push(`< ${bounds.lt}`);
  if (bounds.le !== undefined) parts.push(`<= ${bounds.le}`);
  return parts.length ? `${noun} ${parts.join(" and ")}` : noun;
}

function bounded<T extends z.ZodNumber>(base: T, bounds: Bounds, error: string): T {
  let s = base;
  if (bounds.gt !== undefined) s = s.gt(bounds.gt, { error }) as T;
  if (bounds.ge !== undefined) s = s.gte(bounds.ge, { error }) as T;
  if (bounds.lt !== undefined) s = s.lt(bounds.lt, { error }) as T;
  if (bounds.le !== undefined) s = s.lte(bounds.le, { error }) as T;
  return s;
}

/** A finite number within `bounds`. */
export function number(bounds: Bounds = {}): z.ZodNumber {
  const error = `expected ${describe(bounds, "a number")}`;
  return bounded(z.number({ error }), bounds, error);
}

/** A safe integer within `bounds`. */
export function integer(bounds: Bounds = {}): z.ZodNumber {
  const error = `expected ${describe(bounds, "an integer")}`;
  return bounded(z.int({ error }) as unknown as z.ZodNumber, bounds, error);
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `expected one of ${values.map((v) => JSON.stringify(v)).join(", ")}` });
}

export function flag() {
  return z.boolean({ error: "expected true or false" });
}

type Shape = Record<string, z.ZodType>;
type Variants = Record<string, z.ZodObject<Shape>>;

/**
 * A discriminated union whose variants ignore fields that only OTHER variants use, so a grid
 * axis or a section can span variants (e.g. `mask.family: [dropout, dropblock]` with a
 * `blockSize` that only dropblock reads). A field no variant knows is still an error.
 * `nested` names object fields (like `sizes`) whose own keys differ between variants.
 */
export function variants<const V extends Variants>(discriminator: string, options: V, nested: readonly string[] = []) {
  const names = Object.keys(options);
  const keysOf = (schema: z.ZodObject<Shape>) => new Set(Object.keys(schema.shape));
  const nestedKeys = (schema: z.ZodObject<Shape>, field: string) => {
    const inner = schema.shape[field];
    return inner instanceof z.ZodObject ? new Set(Object.keys(inner.shape)) : new Set<string>();
  };
  const allKeys = new Set(names.flatMap((n) => [...keysOf(options[n]!)]));
  const drop = (value: unknown, ctx: z.core.ParsePayload<unknown>): unknown => {
    if (!isPlainObject(value)) return value;
    const name = value[discriminator];
    if (typeof name !== "string" || !names.includes(name)) {
      // Issues raised here end the parse, so report the discriminator too, and with it every
      // field that no variant knows (the union alone would stop at the discriminator).
      const expected = `expected one of ${names.map((n) => JSON.stringify(n)).join(", ")}`;
      ctx.issues.push(
        name === undefined
          ? { code: "custom", path: [discriminator], message: `missing (${expected})`, input: value }
          : { code: "custom", path: [discriminator], message: expected, input: name },
      );
      for (const key of Object.keys(value))
        if (!allKeys.has(key)) ctx.issues.push({ code: "custom", path: [key], message: unknownField(key, [...allKeys]), input: value });
      return value;
    }
    const own = options[name]!;
    const ownKeys = keysOf(own);
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const foreign = !ownKeys.has(key) && names.some((n) => keysOf(options[n]!).has(key));
      if (foreign) continue;
      if (nested.includes(key) && isPlainObject(v)) {
        const ownInner = nestedKeys(own, key);
        const inner: Record<string, unknown> = {};
        for (const [k, w] of Object.entries(v)) {
          const foreignInner = !ownInner.has(k) && names.some((n) => nestedKeys(options[n]!, key).has(k));
          if (!foreignInner) inner[k] = w;
        }
        out[key] = inner;
      } else out[key] = v;
    }
    return out;
  };
  const union = z.discriminatedUnion(discriminator, Object.values(options) as unknown as [V[keyof V], ...V[keyof V][]]);
  return z.preprocess(drop, union);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
