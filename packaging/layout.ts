import type { BuildInfo } from "../cli/version";

/**
 * What the release build's steps share, and the names the single executable's entry
 * (sea-main.ts) needs: apart from both, since sea-main.ts runs as soon as it is loaded.
 */

/**
 * The programs sea-main.ts compiles, each bundled from its module in packaging/ into a SEA
 * asset of the same name: uan-k3s, and the inventory script, which Ansible runs on every
 * command and which needs a quarter of the code.
 */
export const PROGRAMS = { main: "sea-program.js", inventory: "sea-inventory.js" } as const;

/** The SEA asset holding the package files running needs (core/package-files.ts). */
export const PACKAGE_FILES_ASSET = "package-files.json";

/** The package folders and files the executable embeds: the role sources, the config schema. */
export const EMBEDDED = { trees: ["roles-templates"], files: ["schemas/config.schema.json"] };

/** The inventory script's name: the executable run under it (a symlink) is that script. */
export const INVENTORY_COMMAND = "uan-k3s-inventory";

export interface Release {
  readonly out: string;
  readonly info: BuildInfo;
  /** Seconds since 1970: every time stamp in the artifacts. */
  readonly epoch: number;
}

/** The files the three artifacts install, relative to the prefix (/usr in the RPM). */
export const INSTALLED = {
  command: "bin/uan-k3s",
  inventory: `bin/${INVENTORY_COMMAND}`,
  bash: "share/bash-completion/completions/uan-k3s",
  zsh: "share/zsh/site-functions/_uan-k3s",
  man: "share/man/man1/uan-k3s.1.gz",
} as const;
