import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import type { BuildInfo } from "../cli/version";
import { writeFileAtomic } from "../core/fs";
import { projectPath } from "../core/paths";
import { runProcess } from "../core/subprocess";

/**
 * `npm run build` records which version and commit the code was built from in
 * dist/build-info.json, which `uan-k3s --version` prints: an installed package or the single
 * executable has no git checkout to ask. Same tree, same bytes (no build time, no host).
 */

export async function readBuildInfo(root: string): Promise<BuildInfo> {
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as BuildInfo;
  return { version, commit: await commitOf(root) };
}

async function commitOf(root: string): Promise<string> {
  const git = async (...args: string[]): Promise<string | undefined> => {
    const result = await runProcess("git", args, { cwd: root }).catch(() => undefined);
    return result?.code === 0 ? result.stdout.trim() : undefined;
  };
  // Only a checkout of this project counts, not a repository the sources were unpacked into.
  const top = await git("rev-parse", "--show-toplevel");
  if (top === undefined || realpathSync(top) !== realpathSync(root)) return "unknown";
  const head = await git("rev-parse", "HEAD");
  if (head === undefined) return "unknown"; // a repository with no commit yet
  const dirty = (await git("status", "--porcelain", "--untracked-files=no")) !== "";
  return dirty ? `${head}+dirty` : head;
}

if (require.main === module) {
  readBuildInfo(projectPath())
    .then((info) =>
      writeFileAtomic(projectPath("dist", "build-info.json"), `${JSON.stringify(info)}\n`),
    )
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
