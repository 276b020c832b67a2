import { UserError } from "../core/errors";
import { exitQuietlyWhenStdoutCloses, writeStdout } from "../core/log";
import { fail } from "./fail";
import { runInventory, type InventoryRequest } from "./inventory";
import { scriptLog } from "./output";
import { loadSettings } from "./settings";

export const USAGE = "usage: uan-k3s-inventory --list | --host NAME | --help";

const HELP = `${USAGE}

The Ansible inventory script of uan-k3s: the inventory built from SLS and HSM.
  --list        every group and _meta.hostvars, as JSON
  --host NAME   one host's variables (xname or alias), as JSON; {} if unknown
  -h, --help    this help

Ansible passes only --list or --host, so every other setting comes from UAN_K3S_* environment
variables and the config file (UAN_K3S_CONFIG, else ./uan-k3s.yaml); see \`uan-k3s inventory --help\`.
stderr carries only real problems (Ansible shows it as [ERROR]).
  UAN_K3S_SCOPE=k3s      serve only the K3s servers, agents and UANs
  UAN_K3S_VERBOSE=1      also say which scope is served, and the inventory's notes
  UAN_K3S_QUIET=1        not even warnings

Examples:
  ansible-inventory -i uan-k3s-inventory --graph
  UAN_K3S_SCOPE=k3s ansible-playbook -i "$(command -v uan-k3s-inventory)" k3s.yml

Exit codes: 0 success, 1 bad input or an unreachable API (one message and a hint on stderr),
70 a bug.
`;

/** What the script is asked: an inventory request, or its help. */
export type ScriptRequest = InventoryRequest | { readonly kind: "help" };

/**
 * The Ansible inventory script. Ansible passes it only `--list` or `--host NAME`, so every
 * other setting comes from the environment or the config file; commander is not needed.
 */
export function parseScriptArgs(argv: readonly string[]): ScriptRequest {
  if (argv.length === 1 && (argv[0] === "--help" || argv[0] === "-h")) return { kind: "help" };
  if (argv.length === 1 && argv[0] === "--list") return { kind: "list" };
  if (argv.length === 2 && argv[0] === "--host" && argv[1] !== undefined)
    return { kind: "host", name: argv[1] };
  throw new UserError(
    `unexpected arguments: ${argv.map((arg) => JSON.stringify(arg)).join(" ") || "(none)"}`,
    `${USAGE}; see uan-k3s-inventory --help`,
  );
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const request = parseScriptArgs(argv);
  if (request.kind === "help") return writeStdout(HELP);
  const { config, settings } = loadSettings({}, env);
  await runInventory(request, settings, config, scriptLog(env), writeStdout);
}

export function run(): void {
  exitQuietlyWhenStdoutCloses();
  main(process.argv.slice(2), process.env).catch(fail);
}
