import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { UserError } from "../core/errors";
import { writeFileAtomic } from "../core/fs";
import type { Log } from "../core/log";
import { renderStarterConfig } from "./starter-config";

/** `uan-k3s init`: the starter config, never over an existing file unless asked. */
export function writeStarterConfig(output: string, force: boolean, log: Log): void {
  const path = resolve(output);
  if (existsSync(path) && !force) {
    throw new UserError(
      `${path} already exists`,
      "Edit it, or pass --force to replace it with the defaults.",
    );
  }
  writeFileAtomic(path, renderStarterConfig());
  log.info(
    `wrote ${path}; edit it, then run uan-k3s gen-roles --out <uan-config-management checkout>`,
  );
}
