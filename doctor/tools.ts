import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { pass, warn, type Check } from "./check";

/** The programs the procedure runs besides uan-k3s, and what each is for. */
const TOOLS: readonly (readonly [string, string])[] = [
  ["git", "gen-roles --git-commit and cfs-layer --repo / --branch"],
  ["kubectl", "split --kubectl (the live LoadBalancer check) and the split's next steps"],
  ["cray", "the HSM group fixes, subid's upload commands and CFS by hand"],
];

/** Whether `name` is an executable file in one of PATH's directories. */
export function onPath(name: string, path = process.env.PATH ?? ""): boolean {
  return path
    .split(delimiter)
    .filter((dir) => dir !== "")
    .some((dir) => {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** git, kubectl and cray on PATH: a warning each when missing, since a laptop lacks them. */
export function checkTools(present: (name: string) => boolean): Check[] {
  return TOOLS.map(([name, use]) =>
    present(name)
      ? pass(`tool-${name}`, `${name} is on PATH`, `for ${use}`)
      : warn(
          `tool-${name}`,
          `${name} is on PATH`,
          `not found on PATH; needed for ${use}`,
          name === "git"
            ? "Install git (zypper install git-core on SLES), or skip those steps."
            : `Run those steps on a management node (ncn-m001), where ${name} is installed.`,
        ),
  );
}
