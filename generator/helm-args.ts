import { UserError } from "../core/errors";

/** Helm values as --set builds them: nested maps of scalars. */
export interface HelmValues {
  readonly [key: string]: HelmValue;
}
export type HelmValue = string | number | boolean | null | HelmValues;

/** What an instance's `args` (HPE's extra `helm install` arguments) amount to. */
export interface HelmArgs {
  /** --set and --set-string, as Helm values: written into the values file. */
  readonly values: HelmValues & { readonly service?: { readonly type?: HelmValue } };
  /** Flags that change how helm runs, not what it installs: passed as they are. */
  readonly flags: readonly string[];
  /** --timeout <duration>. */
  readonly timeout?: string;
}

const PASSED = new Set(["--atomic", "--debug", "--force"]);
const KEY = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const DURATION = /^[0-9]+(us|ms|s|m|h|d)?$/;

/**
 * HPE's `args`, a string of words ("--set service.type=LoadBalancer") or a list. --set becomes
 * values rather than a flag so that the role can compare what is installed with what it would
 * install (helm get values reports --set values as values), and a second run changes nothing.
 * Anything helm would read another way is refused here with the field it came from.
 */
export function parseHelmArgs(
  args: string | readonly string[] | undefined,
  where: string,
): HelmArgs {
  const words =
    typeof args === "string" ? args.split(/\s+/).filter((w) => w !== "") : [...(args ?? [])];
  const values: Record<string, HelmValue> = {};
  const flags: string[] = [];
  let timeout: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const [flag, inline] =
      word.startsWith("--") && word.includes("=") ? splitOnce(word, "=") : [word, undefined];
    if (PASSED.has(word)) {
      flags.push(word);
      continue;
    }
    if (flag !== "--set" && flag !== "--set-string" && flag !== "--timeout") {
      throw new UserError(
        `${where}: ${JSON.stringify(word)} is not an argument uan-k3s can pass to helm`,
        "args takes --set key=value, --set-string key=value, --atomic, --debug, --force and --timeout <duration>; other chart settings go in the instance's own keys (service_type, kind, port, config).",
      );
    }
    const operand = inline ?? words[++i];
    if (operand === undefined) throw new UserError(`${where}: ${flag} needs a value`);
    if (flag === "--timeout") {
      if (!DURATION.test(operand))
        throw new UserError(
          `${where}: --timeout ${JSON.stringify(operand)} is not a duration (e.g. 5m)`,
        );
      timeout = operand;
      continue;
    }
    for (const assignment of operand.split(",")) {
      const [key, value] = splitOnce(assignment, "=");
      if (value === undefined || !KEY.test(key) || key.split(".").includes("__proto__")) {
        throw new UserError(
          `${where}: ${flag} ${JSON.stringify(assignment)} is not key.path=value`,
          "Lists and escapes in --set are not supported; write the value in config or the instance's keys.",
        );
      }
      setPath(
        values,
        key.split("."),
        flag === "--set" ? typed(value) : value,
        `${where}: ${flag} ${key}`,
      );
    }
  }
  return { values, flags, ...(timeout === undefined ? {} : { timeout }) };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/** The type helm's --set gives a value: booleans, integers and null are not strings. */
function typed(value: string): HelmValue {
  if (value === "true") return true;
  if (value === "false") return false;
  if (value === "null") return null;
  if (/^-?(0|[1-9][0-9]{0,14})$/.test(value)) return Number(value);
  return value;
}

function setPath(
  target: Record<string, HelmValue>,
  path: readonly string[],
  value: HelmValue,
  where: string,
): void {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const next = Object.hasOwn(target, head) ? target[head] : undefined;
  if (next !== undefined && (next === null || typeof next !== "object")) {
    throw new UserError(`${where}: ${head} is already set to a value, not a map`);
  }
  const child: Record<string, HelmValue> = next === undefined ? {} : { ...next };
  target[head] = child;
  setPath(child, rest, value, where);
}
