import type { Command } from "commander";
import { manPage } from "../man-page";
import { commandReference } from "../reference";

/** `uan-k3s man`: the manual page in roff, on stdout (`uan-k3s man | man -l -`). */
export function manCommand(program: Command): Command {
  return program
    .command("man")
    .description("print the manual page in roff (view it with: uan-k3s man | man -l -)")
    .action(() => {
      process.stdout.write(manPage(commandReference(program), program.version() ?? ""));
    });
}
