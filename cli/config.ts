import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { readTextFile } from "../core/fs";
import { validate } from "../core/validate";
import { parseYaml } from "../core/yaml";
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
  const document = parseYaml(text, origin);
  const data: unknown = document.toJS() ?? {};
  return validate<UanK3SConfig>(data, "config.schema.json", origin);
}
