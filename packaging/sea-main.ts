import { isBuiltin } from "node:module";
import { basename } from "node:path";
import { getAsset } from "node:sea";
import { compileFunction } from "node:vm";
import { isVersionOnly, versionText } from "../cli/version";
import { exitQuietlyWhenStdoutCloses } from "../core/log";
import { INVENTORY_COMMAND, PROGRAMS } from "./layout";

/**
 * The entry of the single executable: small on purpose. Node compiles a SEA's main script
 * whole before it runs, and the program with its dependencies is 1.6 MB even minified: as the
 * main script, it made `uan-k3s --version` start 40% slower than Node. So --version is answered
 * here; a command gets its program (layout.ts PROGRAMS) from an asset, and each module the
 * program loads on first use (an npm dependency, a schema validator) from an asset of its own,
 * compiled only when required, as the npm install reads only the files it needs (sea.ts).
 */

const PARAMETERS = ["exports", "require", "module", "__filename", "__dirname"];
const loaded = new Map<string, { exports: unknown }>();

/**
 * The require the program's modules get: Node's built-ins from Node (the SEA's own require
 * serves only those), everything else from its asset.
 */
function programRequire(specifier: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a specifier known at run time
  if (isBuiltin(specifier)) return require(specifier);
  let module = loaded.get(specifier);
  if (module === undefined) {
    module = { exports: {} };
    // Before it runs, as Node does: a module in a require cycle gets the exports so far.
    loaded.set(specifier, module);
    // compileFunction, not a wrapper text around it: no second copy of a 400 kB program.
    const body = compileFunction(getAsset(specifier, "utf8"), PARAMETERS, {
      filename: specifier,
    }) as (...args: unknown[]) => void;
    body(module.exports, programRequire, module, specifier, ".");
  }
  return module.exports;
}

// One binary, two commands: run as uan-k3s-inventory, it is the inventory script.
if (basename(process.argv0) === INVENTORY_COMMAND) {
  programRequire(PROGRAMS.inventory);
} else if (isVersionOnly(process.argv.slice(2))) {
  exitQuietlyWhenStdoutCloses();
  process.stdout.write(`${versionText()}\n`);
} else {
  programRequire(PROGRAMS.main);
}
