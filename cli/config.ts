import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { UserError } from "../core/errors";
import { readTextFile } from "../core/fs";
import { validate } from "../core/validate";
import type { UanK3SConfig } from "../schemas/generated/config";

export const DEFAULT_CONFIG_FILE = "uan-k3s.yaml";

export interface LoadedConfig {
  readonly data: UanK3SConfig;
  /** Absolute path of the file, for messages and for resolving relative paths in it. */
  readonly path: string;
}

/**
 * The config file named by --config or UAN_K3S_CONFIG (which must exist), else ./uan-k3s.yaml
 * when present, else none.
 */
export function loadConfig(explicit: string | undefined): LoadedConfig | undefined {
  const path = explicit === undefined ? resolve(DEFAULT_CONFIG_FILE) : resolve(explicit);
  if (explicit === undefined && !existsSync(path)) return undefined;
  return { data: parseConfig(readTextFile(path, "config file"), path), path };
}

export function parseConfig(text: string, origin: string): UanK3SConfig {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const YAML = require("yaml") as typeof import("yaml");
  const document = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const problem = document.errors[0];
  if (problem !== undefined) {
    const at = problem.linePos?.[0];
    const where = at === undefined ? origin : `${origin}:${at.line}:${at.col}`;
    throw new UserError(
      `${where}: invalid YAML: ${problem.message.split("\n")[0] ?? ""}`,
      undefined,
      { cause: problem },
    );
  }
  const data: unknown = document.toJS() ?? {};
  return validate<UanK3SConfig>(data, "config.schema.json", origin);
}
