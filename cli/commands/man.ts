import type { Command } from "commander";

/** `uan-k3s man`: the manual page in roff, on stdout (`uan-k3s man | man -l -`). */
export function manCommand(program: Command): Command {
  return program
    .command("man")
    .description("print the manual page in roff (view it with: uan-k3s man | man -l -)")
    .action(async () => {
      // Loaded here, not at the top: `--version` and the other commands never need them.
      const { manPage } = await import("../man-page");
      const { commandReference } = await import("../reference");
      process.stdout.write(manPage(commandReference(program), program.version() ?? ""));
    });
}
