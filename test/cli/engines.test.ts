// The README's Node statement, checked against what every installed dependency declares: each
// package's `engines.node` in package-lock.json admits the oldest Node of each major the
// project supports, or it is an exception the README names, with the reason it still works.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, { engines?: { node?: string } | string[] }>;
};
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The oldest release of each supported major: what the range must admit, and every dependency too. */
const oldest = ["20.19.0", "22.13.0"];
/** Packages that declare a newer Node than we support, and why they work anyway. */
const exceptions: Record<string, { declares: string; why: RegExp }> = {
  "aws-local-stepfunctions": { declares: ">=22.0.0", why: /Promise\.withResolvers.*infra\/local\/polyfill\.ts/s },
};

describe("Node versions", () => {
  it("package.json's engines admit exactly the versions the README states", () => {
    for (const version of oldest) expect(semver.satisfies(version, packageJson.engines.node), version).toBe(true);
    for (const older of ["20.18.1", "22.12.0", "18.20.0"]) expect(semver.satisfies(older, packageJson.engines.node), older).toBe(false);
    expect(readme).toMatch(/Node 22\.13 or newer[\s\S]{0,80}Node 20\.19 or\s+newer/);
    expect(semver.satisfies(process.versions.node, packageJson.engines.node), `this Node, ${process.versions.node}`).toBe(true);
  });

  it("every dependency in package-lock.json declares those versions, or is a named exception", () => {
    const refusing: string[] = [];
    let declared = 0;
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = !path || Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (!range) continue;
      declared++;
      const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
      const refused = oldest.filter((v) => !semver.satisfies(v, range));
      if (refused.length === 0) continue;
      const exception = exceptions[name];
      if (exception && exception.declares === range) {
        expect(readme, `the README names ${name}'s exception`).toMatch(exception.why);
        continue;
      }
      refusing.push(`${name} (${range}) refuses Node ${refused.join(", ")}`);
    }
    expect(declared).toBeGreaterThan(50);
    expect(refusing).toEqual([]);
  });

  it("the polyfill supplies what aws-local-stepfunctions calls on Node 20", async () => {
    await import("../../infra/local/polyfill.js");
    const withResolvers = (Promise as unknown as { withResolvers: <T>() => { promise: Promise<T>; resolve: (v: T) => void } })
      .withResolvers;
    expect(typeof withResolvers).toBe("function");
    const { promise, resolve } = withResolvers.call(Promise);
    resolve(42);
    expect(await promise).toBe(42);
    // The engine's build calls nothing else newer than Node 20 (the functions Node 21-22 added).
    const engine = readFileSync(join(root, "node_modules", "aws-local-stepfunctions", "build", "main.node.esm.js"), "utf8");
    expect(engine).toContain("withResolvers");
    expect(engine).not.toMatch(
      /Object\.groupBy|Map\.groupBy|Array\.fromAsync|\.isSubsetOf\(|\.symmetricDifference\(|process\.getBuiltinModule|RegExp\.escape|Iterator\.from/,
    );
  });
});
