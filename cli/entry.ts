import { exitQuietlyWhenStdoutCloses } from "../core/log";
import { isVersionOnly, versionText } from "./version";

/**
 * What bin/uan-k3s (and the single executable) runs. `uan-k3s --version` alone is answered
 * before commander and the commands load: scripts and checks call it, and it should start
 * about as fast as Node itself (`npm run bench`). Anything else goes to the program, which
 * prints the same line for --version among other arguments.
 */
export function run(argv: readonly string[] = process.argv.slice(2)): void {
  exitQuietlyWhenStdoutCloses();
  if (isVersionOnly(argv)) {
    process.stdout.write(`${versionText()}\n`);
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require("./main") as typeof import("./main")).run();
}
