import { basename } from "node:path";
import { getAsset } from "node:sea";
import { embedPackageFiles, type PackageFile } from "../core/package-files";
import { INVENTORY_COMMAND, PACKAGE_FILES_ASSET } from "./layout";

/**
 * The program of the single executable: one bundle, but for the npm dependencies and schema
 * validators, each an asset of its own (sea.ts), that the entry (sea-main.ts) compiles from an
 * asset only when a command needs it. It has no package directory beside it, so the
 * package files running needs come from the asset the release embedded. One binary, two
 * commands: run as uan-k3s-inventory (a symlink, as the RPM installs it), it is the inventory
 * script Ansible runs.
 */

embedPackageFiles(() => JSON.parse(getAsset(PACKAGE_FILES_ASSET, "utf8")) as PackageFile[]);
/* eslint-disable @typescript-eslint/no-require-imports -- only the command that runs is loaded */
if (basename(process.argv0) === INVENTORY_COMMAND) {
  (require("../cli/inventory-script") as typeof import("../cli/inventory-script")).run();
} else {
  (require("../cli/entry") as typeof import("../cli/entry")).run();
}
