import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { completionScript } from "../cli/completion";
import { buildProgram } from "../cli/main";
import { builtFrom } from "../cli/version";
import { manPage } from "../cli/man-page";
import { commandReference } from "../cli/reference";
import { projectPath } from "../core/paths";
import { INSTALLED, type Release } from "./layout";
import { buildRpm } from "./rpm";
import { must } from "./run";
import { buildExecutable } from "./sea";

/**
 * `npm run release`: from the built dist/, into release/ (or --out DIR),
 *
 *   npm pack → buildExecutable (sea.ts) → stage (the install tree) → tarball, buildRpm (rpm.ts)
 *
 * Reproducible: the same commit gives the same bytes, every time stamp being SOURCE_DATE_EPOCH
 * (the commit's time unless set), entries sorted, owners root, gzip without a name or time.
 */

export async function release(out: string, epoch: number): Promise<string[]> {
  const info = builtFrom();
  const spec: Release = { out, info, epoch };
  const work = join(out, ".work");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  await must("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", out], {
    cwd: projectPath(),
  });
  const executable = join(out, `uan-k3s-${info.version}-linux-x64`);
  await buildExecutable(work, executable);
  const stage = join(work, `uan-k3s-${info.version}-linux-x64`);
  writeInstallTree(stage, executable);
  await tarball(stage, join(out, `uan-k3s-${info.version}-linux-x64.tar.gz`), epoch);
  await buildRpm(spec, stage, work);

  rmSync(work, { recursive: true });
  const artifacts = readdirSync(out).sort();
  writeFileSync(join(out, "SHA256SUMS"), artifacts.map((name) => sums(out, name)).join(""));
  return [...artifacts, "SHA256SUMS"];
}

/** The install tree: the executable, its inventory-script name, the completions, the man page. */
function writeInstallTree(stage: string, executable: string): void {
  const program = buildProgram();
  const reference = commandReference(program);
  const files: Record<string, string | Buffer> = {
    [INSTALLED.bash]: completionScript("bash", reference),
    [INSTALLED.zsh]: completionScript("zsh", reference),
    [INSTALLED.man]: gzipSync(manPage(reference, program.version() ?? ""), { level: 9 }),
  };
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(join(stage, path, ".."), { recursive: true });
    writeFileSync(join(stage, path), data);
    chmodSync(join(stage, path), 0o644);
  }
  mkdirSync(join(stage, INSTALLED.command, ".."), { recursive: true });
  copyFileSync(executable, join(stage, INSTALLED.command));
  chmodSync(join(stage, INSTALLED.command), 0o755);
  symlinkSync("uan-k3s", join(stage, INSTALLED.inventory));
}

/** A .tar.gz of `dir` (as its top folder) with sorted entries, root owners and fixed times. */
async function tarball(dir: string, output: string, epoch: number): Promise<void> {
  const tar = `${dir}.tar`;
  await must("tar", [
    "--sort=name",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    `--mtime=@${epoch}`,
    "--format=gnu",
    "-C",
    dirname(dir),
    "-cf",
    tar,
    basename(dir),
  ]);
  writeFileSync(output, gzipSync(readFileSync(tar)));
  rmSync(tar);
}

function sums(dir: string, name: string): string {
  const hash = createHash("sha256")
    .update(readFileSync(join(dir, name)))
    .digest("hex");
  return `${hash}  ${name}\n`;
}

/** SOURCE_DATE_EPOCH if set (the reproducible-builds convention), else the commit's time. */
async function sourceDateEpoch(): Promise<number> {
  const fromEnv = process.env.SOURCE_DATE_EPOCH;
  const text =
    fromEnv !== undefined && fromEnv !== ""
      ? fromEnv
      : (await must("git", ["log", "-1", "--format=%ct"], { cwd: projectPath() })).trim();
  const epoch = Number(text);
  if (!Number.isSafeInteger(epoch) || epoch < 0)
    throw new Error(`SOURCE_DATE_EPOCH must be seconds since 1970, got ${JSON.stringify(text)}`);
  return epoch;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: "string" } } });
  const out = resolve(values.out ?? projectPath("release"));
  const artifacts = await release(out, await sourceDateEpoch());
  for (const name of artifacts) console.log(join(out, name));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
