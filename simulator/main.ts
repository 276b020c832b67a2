import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { isUserError, UserError } from "../core/errors";
import { writeFileAtomic } from "../core/fs";
import { readHsmGroups, readSlsDump } from "../csm/file-source";
import { parseJson } from "../core/json";
import { projectPath } from "../core/paths";
import { checkFault, type Fault } from "./faults";
import { startSimulator } from "./server";

const USAGE = `usage: npm run sim -- [--sls-file FILE] [--hsm-file FILE] [--port N] [--dir DIR] [--fault JSON]...

Serves a simulated CSM API gateway (Keycloak token, SLS, HSM groups) on 127.0.0.1 and prints
the environment that points uan-k3s at it. Runs until interrupted.
  --sls-file FILE  SLS dumpstate JSON (default: the bundled example system)
  --hsm-file FILE  HSM groups JSON (default: the bundled example system)
  --port N         port to listen on (default: any free port)
  --dir DIR        where to write ca.pem and client-secret (default: a new temporary directory)
  --fault JSON     a fault to inject at start, e.g. {"path":"/apis/sls","kind":"status","status":503}
`;

export interface SimCommand {
  slsFile: string;
  hsmFile: string;
  port: number;
  /** undefined: a temporary directory, removed at exit. */
  dir: string | undefined;
  faults: Fault[];
}

/** Turns argv into options; no I/O, so that it is testable. */
export function parseCommand(argv: string[]): SimCommand | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        "sls-file": { type: "string" },
        "hsm-file": { type: "string" },
        port: { type: "string" },
        dir: { type: "string" },
        fault: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UserError((error as Error).message, "Run with --help for the options.");
  }
  const { values } = parsed;
  if (values.help === true) return "help";
  return {
    slsFile: values["sls-file"] ?? projectPath("fixtures", "systems", "seed", "sls.json"),
    hsmFile: values["hsm-file"] ?? projectPath("fixtures", "systems", "seed", "hsm-groups.json"),
    port: parsePort(values.port ?? "0"),
    dir: values.dir,
    faults: (values.fault ?? []).map(parseFault),
  };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UserError(
      `--port ${text} is not a port number`,
      "Use 0..65535; 0 picks a free port.",
    );
  }
  return port;
}

function parseFault(text: string): Fault {
  const fault = parseJson(text, "--fault");
  if (fault === null || typeof fault !== "object" || Array.isArray(fault)) {
    throw new UserError(
      "--fault must be a JSON object",
      'e.g. --fault \'{"path":"/apis/sls","kind":"reset"}\'',
    );
  }
  checkFault(fault as Fault);
  return fault as Fault;
}

async function run(command: SimCommand): Promise<void> {
  // Listening from the start, so that Ctrl-C during start-up still cleans up.
  const signalled = untilSignalled();
  const sls = readSlsDump(command.slsFile);
  const groups = readHsmGroups(command.hsmFile);
  const clientSecret = randomBytes(24).toString("base64url");
  const sim = await startSimulator({ sls, groups, clientSecret, port: command.port });
  const dir =
    command.dir === undefined
      ? mkdtempSync(join(tmpdir(), "uan-k3s-sim-env-"))
      : resolve(command.dir);
  try {
    mkdirSync(dir, { recursive: true });
    command.faults.forEach((fault) => sim.inject(fault));
    const caFile = join(dir, "ca.pem");
    const secretFile = join(dir, "client-secret");
    // The simulator's own copy of the CA goes away with it; this one lives as long as the shell.
    copyFileSync(sim.caFile, caFile);
    // No trailing newline: the same bytes as `kubectl get secret … | base64 -d`.
    writeFileAtomic(secretFile, clientSecret, 0o600);
    process.stdout.write(
      [
        `export UAN_K3S_API_GATEWAY=${sim.url}`,
        `export UAN_K3S_CA_CERT=${caFile}`,
        `export UAN_K3S_CLIENT_SECRET_FILE=${secretFile}`,
        "",
      ].join("\n"),
    );
    process.stderr.write(`uan-k3s simulator: serving ${sim.url}; Ctrl-C to stop\n`);
    await signalled;
  } finally {
    await sim.stop();
    if (command.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

function untilSignalled(): Promise<void> {
  return new Promise((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
}

async function main(argv: string[]): Promise<void> {
  const command = parseCommand(argv);
  if (command === "help") process.stdout.write(USAGE);
  else await run(command);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    if (isUserError(error)) {
      process.stderr.write(
        `uan-k3s simulator: ${error.message}\n${error.hint === undefined ? "" : `${error.hint}\n`}`,
      );
    } else {
      process.stderr.write(`uan-k3s simulator: ${(error as Error).stack ?? String(error)}\n`);
    }
    process.exitCode = isUserError(error) ? error.exitCode : 2;
  });
}
