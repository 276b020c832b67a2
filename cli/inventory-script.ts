import { UserError } from "../core/errors";
import { stderrLog, warningsOnlyLog } from "../core/log";
import { fail } from "./fail";
import { runInventory, type InventoryRequest } from "./inventory";
import { loadSettings } from "./settings";

export const USAGE =
  "usage: uan-k3s-inventory --list | --host NAME\n" +
  "Settings come from UAN_K3S_* environment variables and the config file (UAN_K3S_CONFIG or ./uan-k3s.yaml),\n" +
  "e.g. UAN_K3S_SCOPE=k3s to serve only the K3s hosts, UAN_K3S_VERBOSE=1 to say which.";

/**
 * The Ansible inventory script. Ansible passes it only `--list` or `--host NAME`, so every
 * other setting comes from the environment or the config file; commander is not needed.
 */
export function parseScriptArgs(argv: readonly string[]): InventoryRequest {
  if (argv.length === 1 && argv[0] === "--list") return { kind: "list" };
  if (argv.length === 2 && argv[0] === "--host" && argv[1] !== undefined)
    return { kind: "host", name: argv[1] };
  throw new UserError(
    `unexpected arguments: ${argv.map((arg) => JSON.stringify(arg)).join(" ") || "(none)"}`,
    USAGE,
  );
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const request = parseScriptArgs(argv);
  const { config, settings } = loadSettings({}, env);
  // Notes only when asked (UAN_K3S_VERBOSE): Ansible shows any stderr as an error.
  const log = settings.verbose ? stderrLog : warningsOnlyLog;
  await runInventory(request, settings, config, log, (text) => process.stdout.write(text));
}

export function run(): void {
  main(process.argv.slice(2), process.env).catch(fail);
}
