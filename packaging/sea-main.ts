import { basename } from "node:path";
import { getAsset } from "node:sea";
import { compileFunction } from "node:vm";
import { isVersionOnly, versionText } from "../cli/version";
import { exitQuietlyWhenStdoutCloses } from "../core/log";
import { INVENTORY_COMMAND, PROGRAM_ASSET } from "./layout";

/**
 * The entry of the single executable: small on purpose. Node compiles a SEA's main script
 * whole before it runs, and the program with its dependencies is 1.6 MB even minified: as the
 * main script, it made `uan-k3s --version` start 40% slower than Node. So --version is answered
 * here, and the program (sea-program.ts) is compiled from its asset only for a command.
 */

if (basename(process.argv0) !== INVENTORY_COMMAND && isVersionOnly(process.argv.slice(2))) {
  exitQuietlyWhenStdoutCloses();
  process.stdout.write(`${versionText()}\n`);
} else {
  // A CommonJS bundle that requires only Node's built-ins, which the SEA's require serves.
  // compileFunction, not a wrapper text around it: no second 1.6 MB copy of the program.
  const body = compileFunction(
    getAsset(PROGRAM_ASSET, "utf8"),
    ["exports", "require", "module", "__filename", "__dirname"],
    { filename: PROGRAM_ASSET },
  ) as (...args: unknown[]) => void;
  const program = { exports: {} };
  body(program.exports, require, program, PROGRAM_ASSET, ".");
}
