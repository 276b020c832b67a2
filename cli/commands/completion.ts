import { Argument, type Command } from "commander";
import { completionScript, SHELLS, type Shell } from "../completion";
import { commandReference } from "../reference";

/** `uan-k3s completion bash|zsh`: the completion script for this program, on stdout. */
export function completionCommand(program: Command): Command {
  return program
    .command("completion")
    .description("print the shell completion script (bash or zsh) for uan-k3s")
    .addArgument(new Argument("<shell>", "the shell").choices(SHELLS))
    .action((shell: Shell) => {
      process.stdout.write(completionScript(shell, commandReference(program)));
    });
}
