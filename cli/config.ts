import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { readTextFile } from "../core/fs";
import { UserError } from "../core/errors";
import { schemaErrors } from "../core/validate";
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

const SCHEMA = "config.schema.json";

export function parseConfig(text: string, origin: string): UanK3SConfig {
  const document = parseYaml(text, origin);
  const data: unknown = document.toJS() ?? {};
  const errors = schemaErrors(data, SCHEMA);
  if (errors === undefined) return data as UanK3SConfig;
  // Loaded only for a wrong file: it reads the schema to put the errors in words.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { describeConfigErrors } = require("./config-errors") as typeof import("./config-errors");
  const problems = describeConfigErrors(errors, data, SCHEMA);
  const described = problems.find((problem) => problem.description !== undefined);
  throw new UserError(
    problems.map((problem) => `${origin}: ${problem.key}: ${problem.text}`).join("\n"),
    (described === undefined ? "" : `${described.key}: ${described.description}\n`) +
      "`uan-k3s init --output uan-k3s.example.yaml` writes every setting with its default and description.",
  );
}
