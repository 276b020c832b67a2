import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { UserError } from "../core/errors";
import type { UanK3SConfig } from "../schemas/generated/config";
import type { HostnameMode } from "../inventory/build";
import { parseScope, type InventoryScope } from "../inventory/scope";
import { loadConfig, type LoadedConfig } from "./config";

/** Where SLS and HSM data come from and how to reach the CSM API. */
export interface SourceSettings {
  /** SLS `GET /dumpstate` file. When set, nothing is read from the API (see openSources). */
  readonly slsFile?: string;
  readonly hsmFile?: string;
  /** @default "https://api-gw-service-nmn.local" */
  readonly apiGateway: string;
  readonly caCert?: string;
  /** @default false */
  readonly insecure: boolean;
  /** Allow http:// for the gateway and the VCS URL (secrets in cleartext). @default false */
  readonly allowHttp: boolean;
  readonly tokenFile?: string;
  /** A raw token from the TOKEN environment variable (never a flag: flags show in `ps`). */
  readonly token?: string;
  /** @default "admin-client" */
  readonly clientId: string;
  readonly clientSecretFile?: string;
  /** Seconds. @default 30 */
  readonly timeout: number;
  /** @default 3 */
  readonly retries: number;
  /** Seconds. @default 300 */
  readonly cacheTtl: number;
  /** Bypass the response cache. @default false */
  readonly refresh: boolean;
  /** Undefined when the user has no home directory: then nothing is cached. */
  readonly cacheDir?: string;
  /** @default "xname" */
  readonly hostnames: HostnameMode;
  /** Which hosts the inventory serves (see inventory/scope.ts). @default "all" */
  readonly scope: InventoryScope;
}

type Raw = string | boolean | number | undefined;

type Kind = "path" | "string" | "boolean" | "integer" | "hostnames" | "scope";

interface Setting {
  /** The key in SourceSettings. */
  readonly key: keyof SourceSettings;
  /** The key in uan-k3s.yaml, when the file may hold it. */
  readonly file?: keyof UanK3SConfig;
  /** The commander flag, e.g. "--sls-file <path>". */
  readonly flag?: string;
  /** Environment variables, first found wins. */
  readonly env: readonly string[];
  readonly kind: Kind;
  /** Smallest accepted value of an integer setting; the config schema's minimum. */
  readonly min?: number;
  /**
   * Largest accepted value of an integer setting: the config schema's maximum, so that a flag
   * or a variable cannot go past what the file may say (a test holds the two equal).
   */
  readonly max?: number;
  /** Only `uan-k3s inventory` takes the flag (the script reads the environment and file). */
  readonly inventoryOnly?: true;
  readonly description: string;
}

/** Every source setting with its flag, environment twin and config key: one table, no drift. */
export const SOURCE_SETTINGS: readonly Setting[] = [
  {
    key: "slsFile",
    file: "sls_file",
    flag: "--sls-file <path>",
    env: ["UAN_K3S_SLS_FILE"],
    kind: "path",
    description: "read SLS from a GET /dumpstate JSON file instead of the API",
  },
  {
    key: "hsmFile",
    file: "hsm_file",
    flag: "--hsm-file <path>",
    env: ["UAN_K3S_HSM_FILE"],
    kind: "path",
    description: "read HSM groups from a GET /hsm/v2/groups JSON file",
  },
  {
    key: "apiGateway",
    file: "api_gateway",
    flag: "--api-gateway <url>",
    env: ["UAN_K3S_API_GATEWAY"],
    kind: "string",
    description: "CSM API gateway base URL",
  },
  {
    key: "caCert",
    file: "ca_cert",
    flag: "--ca-cert <path>",
    env: ["UAN_K3S_CA_CERT", "REQUESTS_CA_BUNDLE"],
    kind: "path",
    description: "PEM CA bundle for the gateway's TLS certificate",
  },
  {
    key: "insecure",
    file: "insecure",
    flag: "--insecure",
    env: ["UAN_K3S_INSECURE"],
    kind: "boolean",
    description: "skip TLS verification (warns every time)",
  },
  {
    key: "allowHttp",
    file: "allow_http",
    flag: "--allow-http",
    env: ["UAN_K3S_ALLOW_HTTP"],
    kind: "boolean",
    description: "allow http:// gateway and VCS URLs: secrets go unencrypted (warns every time)",
  },
  {
    key: "tokenFile",
    file: "token_file",
    flag: "--token-file <path>",
    env: ["CRAY_CREDENTIALS"],
    kind: "path",
    description: "JSON file with an access_token",
  },
  { key: "token", env: ["TOKEN"], kind: "string", description: "raw access token" },
  {
    key: "clientId",
    file: "client_id",
    flag: "--client-id <id>",
    env: ["UAN_K3S_CLIENT_ID"],
    kind: "string",
    description: "Keycloak client for client-credentials login",
  },
  {
    key: "clientSecretFile",
    file: "client_secret_file",
    flag: "--client-secret-file <path>",
    env: ["UAN_K3S_CLIENT_SECRET_FILE"],
    kind: "path",
    description: "file holding the Keycloak client secret",
  },
  {
    key: "timeout",
    file: "timeout",
    flag: "--timeout <seconds>",
    env: ["UAN_K3S_TIMEOUT"],
    kind: "integer",
    min: 1,
    // Node's timers take at most 2^31-1 ms; the schema's 600 s is far inside that.
    max: 600,
    description: "seconds to wait for one API response",
  },
  {
    key: "retries",
    file: "retries",
    flag: "--retries <n>",
    env: ["UAN_K3S_RETRIES"],
    kind: "integer",
    min: 0,
    max: 10,
    description: "retries after a connection error or 5xx",
  },
  {
    key: "cacheTtl",
    file: "cache_ttl",
    flag: "--cache-ttl <seconds>",
    env: ["UAN_K3S_CACHE_TTL"],
    kind: "integer",
    min: 0,
    description: "seconds to reuse cached API responses (0: no cache, nor a scoped-inventory one)",
  },
  {
    key: "refresh",
    flag: "--refresh",
    env: ["UAN_K3S_REFRESH"],
    kind: "boolean",
    description: "ignore cached API responses and scoped inventory",
  },
  {
    key: "hostnames",
    file: "hostnames",
    flag: "--hostnames <mode>",
    env: ["UAN_K3S_HOSTNAMES"],
    kind: "hostnames",
    description: "host names: xname (as CFS) or alias",
  },
  {
    key: "scope",
    file: "scope",
    flag: "--scope <scope>",
    env: ["UAN_K3S_SCOPE"],
    kind: "scope",
    inventoryOnly: true,
    description: "hosts served: all, k3s (K3s servers, agents, UANs) or groups a,b,c",
  },
];

/**
 * The config file: `--config`, else UAN_K3S_CONFIG; with neither, ./uan-k3s.yaml if present.
 * Not a row of SOURCE_SETTINGS, because it says where the file those rows read comes from.
 */
export const CONFIG_SETTING = {
  key: "config",
  flag: "--config <path>",
  env: "UAN_K3S_CONFIG",
  description: "config file (env UAN_K3S_CONFIG; default ./uan-k3s.yaml if present)",
} as const;

/** The config file the user named, if any (see CONFIG_SETTING); an empty variable names none. */
export function configPath(
  flags: Readonly<Record<string, Raw>>,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const flag = flags[CONFIG_SETTING.key];
  if (typeof flag === "string") return flag;
  return env[CONFIG_SETTING.env] || undefined;
}

/** The config file and the source settings of a run, from flags over environment over file. */
export function loadSettings(
  flags: Readonly<Record<string, Raw>>,
  env: NodeJS.ProcessEnv,
): { config: LoadedConfig | undefined; settings: SourceSettings } {
  const config = loadConfig(configPath(flags, env));
  return { config, settings: resolveSourceSettings(flags, env, config) };
}

/** Defaults shared by the CLI and the library. */
export const DEFAULTS = {
  apiGateway: "https://api-gw-service-nmn.local",
  insecure: false,
  allowHttp: false,
  clientId: "admin-client",
  timeout: 30,
  retries: 3,
  cacheTtl: 300,
  refresh: false,
  hostnames: "xname",
  scope: "all",
} as const satisfies Partial<SourceSettings>;

/**
 * Merges flags over environment over the config file over DEFAULTS. Paths from the file are
 * relative to the file's directory; paths from flags and environment to the working directory.
 */
export function resolveSourceSettings(
  flags: Readonly<Record<string, Raw>>,
  env: NodeJS.ProcessEnv,
  config: { readonly data: UanK3SConfig; readonly path: string } | undefined,
): SourceSettings {
  const settings: Record<string, unknown> = { ...DEFAULTS, cacheDir: cacheDir(env) };
  for (const setting of SOURCE_SETTINGS) {
    const fromFile = setting.file === undefined ? undefined : config?.data[setting.file];
    const envName = setting.env.find((name) => env[name] !== undefined && env[name] !== "");
    const value =
      flags[setting.key] !== undefined
        ? convert(setting, flags[setting.key], flagName(setting))
        : envName !== undefined
          ? convert(setting, env[envName], envName)
          : setting.kind === "scope" && Array.isArray(fromFile)
            ? { groups: fromFile as string[] }
            : fromFile !== undefined && typeof fromFile !== "object"
              ? setting.kind === "path" && config !== undefined && typeof fromFile === "string"
                ? resolve(dirname(config.path), fromFile)
                : fromFile
              : undefined;
    if (value !== undefined) settings[setting.key] = value;
  }
  return settings as unknown as SourceSettings;
}

function flagName(setting: Setting): string {
  return (setting.flag ?? "").split(" ")[0];
}

function convert(
  setting: Setting,
  raw: Raw,
  origin: string,
): Raw | Exclude<InventoryScope, string> {
  if (typeof raw !== "string") return raw;
  switch (setting.kind) {
    case "path":
      return isAbsolute(raw) ? raw : resolve(raw);
    case "string":
      return raw;
    case "boolean":
      return booleanValue(raw, origin);
    case "integer": {
      const { min = 0, max } = setting;
      const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (value >= min && value <= (max ?? Number.MAX_SAFE_INTEGER)) return value;
      const range = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
      throw new UserError(
        `${origin}: expected a whole number ${range}, got ${JSON.stringify(raw)}`,
      );
    }
    case "hostnames":
      if (raw === "xname" || raw === "alias") return raw;
      throw new UserError(`${origin}: expected xname or alias, got ${JSON.stringify(raw)}`);
    case "scope":
      return parseScope(raw, origin);
  }
}

/** A yes/no setting as a variable spells it: 1, true, yes, on or 0, false, no, off. */
export function booleanValue(raw: string, origin: string): boolean {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new UserError(`${origin}: expected true or false, got ${JSON.stringify(raw)}`);
}

/**
 * $XDG_CACHE_HOME/uan-k3s, else ~/.cache/uan-k3s; undefined when there is neither (no HOME
 * and no passwd entry, as under some cron and container set-ups). No fallback to a shared
 * directory such as /tmp: another user could plant answers there for the next run to trust.
 */
export function cacheDir(env: NodeJS.ProcessEnv, home: () => string = homedir): string | undefined {
  if (env.XDG_CACHE_HOME !== undefined && isAbsolute(env.XDG_CACHE_HOME))
    return join(env.XDG_CACHE_HOME, "uan-k3s");
  try {
    return join(home(), ".cache", "uan-k3s");
  } catch {
    return undefined; // os.homedir() throws when the user has no home at all
  }
}
