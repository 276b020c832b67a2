import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { UserError } from "../../core/errors";
import { writeFileAtomic } from "../../core/fs";
import type { Log } from "../../core/log";
import type { Flags } from "../flags";
import { addHelpFooter } from "../help";
import { commandLog } from "../output";

type InitFlags = Flags & {
  readonly output: string;
  readonly force?: true;
  readonly clientSecret?: string;
};

/** Where CSM keeps the admin-client's Keycloak secret, as the seed's `kubectl` reads it. */
const SECRET_ARGS = [
  "get",
  "secret",
  "-n",
  "default",
  "admin-client-auth",
  "-o",
  "jsonpath={.data.client-secret}",
];

/** `uan-k3s init`: the starter config, never over an existing file unless asked. */
export function initCommand(program: Command): Command {
  const command = program
    .command("init")
    .description("write a starter uan-k3s.yaml with every setting and its default")
    .option("--output <file>", "where to write it", "uan-k3s.yaml")
    .option(
      "--client-secret <file>",
      "also save the admin-client Keycloak secret (read with kubectl) here, created 0600, and set client_secret_file to it",
    )
    .option("--force", "overwrite existing files")
    .action(async (flags: InitFlags) => {
      const log = commandLog(flags, process.env);
      const path = resolve(flags.output);
      const secret = flags.clientSecret === undefined ? undefined : resolve(flags.clientSecret);
      // Both refusals before any write: nothing half-done.
      for (const file of [path, secret]) {
        if (file !== undefined && existsSync(file) && flags.force !== true) {
          throw new UserError(`${file} already exists`, "Edit it, or pass --force to replace it.");
        }
      }
      if (secret !== undefined) await saveClientSecret(secret, log);
      const { renderStarterConfig } = await import("../starter-config");
      writeFileAtomic(path, renderStarterConfig({ clientSecretFile: secret }));
      log.info(`wrote ${path}; set the settings marked CHANGE, then run uan-k3s doctor`);
    });
  return addHelpFooter(command, [
    "uan-k3s init",
    "uan-k3s init --client-secret /root/.uan-k3s-secret   # on a management node",
    "uan-k3s init --output /etc/uan-k3s.yaml && export UAN_K3S_CONFIG=/etc/uan-k3s.yaml",
  ]);
}

/**
 * The Keycloak secret from the cluster, into `file`: created 0600 (never world-readable, not
 * even between a write and a chmod), and atomically.
 */
async function saveClientSecret(file: string, log: Log): Promise<void> {
  const { runProcess } = await import("../../core/subprocess");
  const command = `kubectl ${SECRET_ARGS.join(" ")}`;
  log.progress?.(command);
  const result = await runProcess("kubectl", SECRET_ARGS, {
    installHint: "Run uan-k3s init --client-secret on a management node, where kubectl works.",
  });
  const secret = Buffer.from(result.stdout.trim(), "base64").toString("utf8");
  if (result.code !== 0 || secret === "") {
    throw new UserError(
      `${command} gave no secret${result.stderr.trim() === "" ? "" : `: ${result.stderr.trim()}`}`,
      "Run it on a management node as root; or leave out --client-secret and set client_secret_file yourself.",
    );
  }
  writeFileAtomic(file, secret, 0o600);
  log.info(`wrote the admin-client secret to ${file} (mode 0600)`);
}
