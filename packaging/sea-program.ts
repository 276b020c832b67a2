import { run } from "../cli/entry";
import { useEmbeddedPackageFiles } from "./sea-files";

/**
 * The program of the single executable run as uan-k3s: one bundle, but for the npm dependencies
 * and schema validators, each an asset of its own (sea.ts), that the entry (sea-main.ts)
 * compiles from an asset only when a command needs it.
 */

useEmbeddedPackageFiles();
run();
