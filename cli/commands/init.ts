import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { UserError } from "../../core/errors";
import { writeFileAtomic } from "../../core/fs";
import type { Flags } from "../flags";
import { addHelpFooter } from "../help";
import { commandLog } from "../output";

type InitFlags = Flags & { readonly output: string; readonly force?: true };

/** `uan-k3s init`: the starter config, never over an existing file unless asked. */
export function initCommand(program: Command): Command {
  const command = program
    .command("init")
    .description("write a starter uan-k3s.yaml with every setting and its default")
    .option("--output <path>", "where to write it", "uan-k3s.yaml")
    .option("--force", "overwrite an existing file")
    .action(async (flags: InitFlags) => {
      const path = resolve(flags.output);
      if (existsSync(path) && flags.force !== true) {
        throw new UserError(
          `${path} already exists`,
          "Edit it, or pass --force to replace it with the defaults.",
        );
      }
      const { renderStarterConfig } = await import("../starter-config");
      writeFileAtomic(path, renderStarterConfig());
      commandLog(flags, process.env).info(
        `wrote ${path}; set the settings marked CHANGE, then run uan-k3s doctor`,
      );
    });
  return addHelpFooter(command, [
    "uan-k3s init",
    "uan-k3s init --output /etc/uan-k3s.yaml && export UAN_K3S_CONFIG=/etc/uan-k3s.yaml",
  ]);
}
