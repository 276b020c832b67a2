import { Argument, type Command } from "commander";
import type { Shell } from "../completion";

/** `uan-k3s completion bash|zsh`: the completion script for this program, on stdout. */
export function completionCommand(program: Command): Command {
  const shells: readonly Shell[] = ["bash", "zsh"];
  return program
    .command("completion")
    .description("print the shell completion script (bash or zsh) for uan-k3s")
    .addArgument(new Argument("<shell>", "the shell").choices(shells))
    .action(async (shell: Shell) => {
      // Loaded here, not at the top: `--version` and the other commands never need them.
      const { completionScript } = await import("../completion");
      const { commandReference } = await import("../reference");
      process.stdout.write(completionScript(shell, commandReference(program)));
    });
}
