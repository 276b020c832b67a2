import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

let root: string | undefined;

/**
 * A path inside the uan-k3s package (schemas, templates, fixtures). Found by walking up to
 * package.json, so it is the same from the sources and from their compiled copies in dist/.
 */
export function projectPath(...parts: string[]): string {
  if (root === undefined) {
    let dir = __dirname;
    while (!existsSync(join(dir, "package.json"))) {
      const parent = dirname(dir);
      if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
      dir = parent;
    }
    root = dir;
  }
  return join(root, ...parts);
}
