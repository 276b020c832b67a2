import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HsmGroup } from "../../schemas/generated/hsm";
import type { SlsDump } from "../../schemas/generated/sls";
import { startSimulator, type Simulator } from "../../simulator/server";
import { shellQuote } from "../../core/shell";
import { needs } from "../tools";
import { INVENTORY_SCRIPT, run, SEED, tempDir, UAN_K3S, type Result } from "./exec";

// The CLI's conventions, through the built executables as an admin types them: what reaches
// stderr, usage errors, flag spellings, help.

const FILES = ["--sls-file", SEED.sls, "--hsm-file", SEED.hsm];

/** Every command, with arguments that make it print data from the seed files. */
const COMMANDS = ["inventory", "split", "cfs-layer", "subid", "doctor", "init", "gen-roles"];

/** A usage error: exit 1, nothing on stdout, the error and where to read more, no help dump. */
function expectUsageError(result: Result, message: RegExp, command: string): void {
  expect(result.code, result.stderr).to.equal(1);
  expect(result.stdout).to.equal("");
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines[0]).to.match(message);
  expect(lines.at(-1)).to.equal(`see \`${command} --help\``);
  expect(lines.length, result.stderr).to.be.at.most(3); // error, maybe a suggestion, see help
  expect(result.stderr).not.to.include("Usage:");
}

/** The seed system behind the CSM API simulator, for `body`, with a secret file in `dir`. */
async function withSeedSimulator(
  body: (sim: Simulator, dir: string) => Promise<void>,
): Promise<void> {
  const seedSls = JSON.parse(readFileSync(SEED.sls, "utf8")) as SlsDump;
  const groups = JSON.parse(readFileSync(SEED.hsm, "utf8")) as HsmGroup[];
  const sim = await startSimulator({ sls: seedSls, groups, clientSecret: "s3cret" });
  try {
    const dir = tempDir();
    writeFileSync(join(dir, "secret"), "s3cret", { mode: 0o600 });
    await body(sim, dir);
  } finally {
    await sim.stop();
  }
}

/** The settings that reach the simulator with the secret withSeedSimulator wrote. */
function apiEnv(sim: Simulator, dir: string): Record<string, string> {
  return {
    UAN_K3S_API_GATEWAY: sim.url,
    UAN_K3S_CA_CERT: sim.caFile,
    UAN_K3S_CLIENT_SECRET_FILE: join(dir, "secret"),
  };
}

describe("CLI conventions (built executables)", function () {
  needs(this, "openssl"); // the simulator's test CA
  this.timeout(60_000);

  describe("stderr carries only what needs a person", () => {
    it("the inventory script on the seed system says nothing on stderr: one K3s server is the design", async () => {
      const result = await run(INVENTORY_SCRIPT, ["--list"], {
        UAN_K3S_SLS_FILE: SEED.sls,
        UAN_K3S_HSM_FILE: SEED.hsm,
      });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.equal("");
      const verbose = await run(INVENTORY_SCRIPT, ["--list"], {
        UAN_K3S_SLS_FILE: SEED.sls,
        UAN_K3S_HSM_FILE: SEED.hsm,
        UAN_K3S_VERBOSE: "1",
      });
      expect(verbose.stderr).to.include("k3s_server has 1 node, as the seed procedure sets up");
      expect(verbose.stdout).to.equal(result.stdout);
    });

    it("the seed's default K3s Name is explained once, in the split report, and warned about nowhere", async () => {
      const result = await run(UAN_K3S, ["split", ...FILES]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.equal("");
      // Wrapped at 100 columns, so the words may be on two lines.
      expect(result.stdout.match(/a CSM\s+MetalLB\s+pool/g)).to.have.length(1);
      expect(result.stdout).to.match(/"can_metallb_k3s_address_pool"\s+is\s+the\s+seed/);
      const [, warnings] = /\nWarnings\n([\s\S]*?)\n\n/.exec(result.stdout) ?? [];
      expect(warnings).not.to.include('contains "metallb"');
    });

    it("the cached GET lines only with --verbose; --quiet drops warnings but never errors", async () => {
      await withSeedSimulator(async (sim, dir) => {
        const env = { ...apiEnv(sim, dir), XDG_CACHE_HOME: join(dir, "cache") };
        const cold = await run(UAN_K3S, ["inventory", "--graph"], env);
        expect(cold.code, cold.stderr).to.equal(0);
        const warm = await run(UAN_K3S, ["inventory", "--graph"], env);
        expect(warm.stderr).to.equal("");
        expect(warm.stdout).to.equal(cold.stdout);
        const verbose = await run(UAN_K3S, ["inventory", "--graph", "--verbose"], env);
        expect(verbose.stderr).to.match(/^uan-k3s: debug: using the cached GET /m);
        const fromEnv = await run(UAN_K3S, ["inventory", "--graph"], {
          ...env,
          UAN_K3S_VERBOSE: "1",
        });
        expect(fromEnv.stderr).to.include("using the cached GET");

        const insecure = await run(UAN_K3S, ["inventory", "--graph", "--insecure"], env);
        expect(insecure.stderr).to.include("warning: TLS verification is OFF");
        const quiet = await run(UAN_K3S, ["inventory", "--graph", "--insecure", "-q"], env);
        expect(quiet.code, quiet.stderr).to.equal(0);
        expect(quiet.stderr).to.equal("");
        const quietEnv = await run(UAN_K3S, ["inventory", "--graph", "--insecure"], {
          ...env,
          UAN_K3S_QUIET: "yes",
        });
        expect(quietEnv.stderr).to.equal("");
        const error = await run(UAN_K3S, ["inventory", "--graph", "--quiet"], {
          ...env,
          UAN_K3S_API_GATEWAY: "https://127.0.0.1:9",
          UAN_K3S_RETRIES: "0",
          UAN_K3S_CACHE_TTL: "0",
        });
        expect(error.code).to.equal(1);
        expect(error.stderr).to.match(/^uan-k3s: error: cannot reach https:\/\/127\.0\.0\.1:9/);
      });
    });

    it("--verbose and --quiet together are a usage error", async () => {
      expectUsageError(
        await run(UAN_K3S, ["inventory", "--graph", "--verbose", "--quiet", ...FILES]),
        /cannot be used with option '-q, --quiet'/,
        "uan-k3s inventory",
      );
    });
  });

  describe("usage errors: one line and where to read more", () => {
    it("an unknown option, with a suggestion only when it is close", async () => {
      const close = await run(UAN_K3S, ["split", "--netwrk", "CAN"]);
      expectUsageError(close, /^uan-k3s: error: unknown option '--netwrk'$/, "uan-k3s split");
      expect(close.stderr).to.include("(Did you mean --network?)");
      const far = await run(UAN_K3S, ["split", "--zzzzzz"]);
      expectUsageError(far, /unknown option '--zzzzzz'/, "uan-k3s split");
      expect(far.stderr).not.to.include("Did you mean");
    });

    it("an unknown command, a bad choice, a missing value", async () => {
      const typo = await run(UAN_K3S, ["invetory", "--list"]);
      expectUsageError(typo, /unknown command 'invetory'/, "uan-k3s");
      expect(typo.stderr).to.include("(Did you mean inventory?)");
      const far = await run(UAN_K3S, ["frobnicate"]);
      expectUsageError(far, /unknown command 'frobnicate'/, "uan-k3s");
      expect(far.stderr).not.to.include("Did you mean");
      expectUsageError(
        await run(UAN_K3S, ["doctor", "-o", "xml"]),
        /argument 'xml' is invalid. Allowed choices are text, json/,
        "uan-k3s doctor",
      );
      expectUsageError(
        await run(UAN_K3S, ["gen-roles", ...FILES]),
        /required option '--out <dir>' not specified/,
        "uan-k3s gen-roles",
      );
      expectUsageError(
        await run(UAN_K3S, ["split", "--network", "xyz", ...FILES]),
        /argument 'xyz' is invalid. expected CAN or CHN \(any case\)/,
        "uan-k3s split",
      );
    });

    it("uan-k3s-inventory --help works, and a wrong argument points to it", async () => {
      const help = await run(INVENTORY_SCRIPT, ["--help"]);
      expect(help.code, help.stderr).to.equal(0);
      expect(help.stdout).to.match(/^usage: uan-k3s-inventory --list \| --host NAME/);
      expect(help.stdout).to.include("UAN_K3S_SCOPE").and.include("Exit codes:");
      const wrong = await run(INVENTORY_SCRIPT, ["--lst"]);
      expect(wrong.code).to.equal(1);
      expect(wrong.stderr).to.include("see uan-k3s-inventory --help");
    });

    it("every command's help ends with examples and the exit codes", async () => {
      const helps = await Promise.all(
        ["--help", ...COMMANDS.map((command) => `${command} --help`)].map((args) =>
          run(UAN_K3S, args.split(" ")),
        ),
      );
      for (const [index, help] of helps.entries()) {
        const name = index === 0 ? "uan-k3s" : `uan-k3s ${COMMANDS[index - 1]}`;
        expect(help.code, name).to.equal(0);
        expect(help.stdout, name).to.match(/\nExamples:\n {2}[^\n]*uan-k3s/);
        expect(help.stdout, name).to.match(/\nExit codes:\n {2}0 {3}success\n {2}1 {3}bad input/);
        expect(help.stdout, name).to.include("70  a bug");
      }
      expect(helps[COMMANDS.indexOf("split") + 1].stdout).to.include("3   blocked");
    });
  });

  describe("one meaning per flag", () => {
    it("network names in any case", async () => {
      const [lower, upper] = await Promise.all([
        run(UAN_K3S, ["split", "--network", "can", "-o", "json", ...FILES]),
        run(UAN_K3S, ["split", "--network", "CAN", "--format", "json", ...FILES]),
      ]);
      expect(lower.code, lower.stderr).to.equal(0);
      expect(lower.stdout).to.equal(upper.stdout);
      expect(JSON.parse(lower.stdout)).to.deep.include({ network: "CAN" });
    });

    it("-o/--format on every command that prints data", async () => {
      const dir = tempDir();
      writeFileSync(join(dir, "passwd"), "alice:x:1000:1000::/home/alice:/bin/bash\n");
      const runs = await Promise.all([
        run(UAN_K3S, ["inventory", "--list", "-o", "json", ...FILES]),
        run(UAN_K3S, ["split", "-o", "json", ...FILES]),
        run(UAN_K3S, [
          "cfs-layer",
          "--commit",
          "0123456789abcdef0123456789abcdef01234567",
          "-o",
          "json",
        ]),
        run(UAN_K3S, ["doctor", "-o", "json", ...FILES]),
        run(UAN_K3S, ["subid", "-o", "json", "--passwd", join(dir, "passwd"), "--out", dir]),
      ]);
      for (const result of runs) {
        expect(result.code, result.stderr).to.equal(0);
        expect(() => JSON.parse(result.stdout) as unknown, result.stdout).not.to.throw();
      }
      const yaml = await run(UAN_K3S, ["inventory", "--list", "-o", "yaml", ...FILES]);
      expect(yaml.stdout).to.match(/^# Ansible inventory exported by "uan-k3s inventory --list/);
    });

    it("cfs-layer writes a file with --output; --out FILE still works, with a warning", async () => {
      const dir = tempDir();
      const commit = ["cfs-layer", "--commit", "0123456789abcdef0123456789abcdef01234567"];
      const [now, old] = await Promise.all([
        run(UAN_K3S, [...commit, "--output", join(dir, "new.json")]),
        run(UAN_K3S, [...commit, "--out", join(dir, "old.json")]),
      ]);
      expect(now.code, now.stderr).to.equal(0);
      expect(old.code, old.stderr).to.equal(0);
      expect(readFileSync(join(dir, "old.json"), "utf8")).to.equal(
        readFileSync(join(dir, "new.json"), "utf8"),
      );
      expect(old.stderr).to.include("warning: --out FILE is deprecated here; use --output FILE");
      expect(now.stderr).not.to.include("deprecated");
    });

    it("gen-roles commits with --git-commit: --commit takes a SHA, on cfs-layer", async () => {
      const help = await run(UAN_K3S, ["gen-roles", "--help"]);
      expect(help.stdout).to.include("--git-commit");
      expect(help.stdout).not.to.match(/--commit\b/);
      const dir = tempDir();
      const result = await run(UAN_K3S, [
        "gen-roles",
        "--out",
        join(dir, "out"),
        "--branch",
        "b",
        ...FILES,
      ]);
      expect(result.stderr).to.include("--branch goes with --git-commit");
    });
  });

  describe("at a terminal only: progress and color", function () {
    needs(this, "script");

    /** `args` run by uan-k3s on a pseudo-terminal (stdout and stderr both), as typed there. */
    const atTerminal = (args: string[], env: Record<string, string> = {}) =>
      run("script", ["-qec", [UAN_K3S, ...args].map(shellQuote).join(" "), "/dev/null"], {
        TERM: "xterm",
        ...env,
      });

    it("doctor's marks and split's verdict in color at a terminal; never with NO_COLOR, --no-color or in a pipe", async () => {
      const doctor = ["doctor", ...FILES];
      const [tty, noColorEnv, noColorFlag, pipe] = await Promise.all([
        atTerminal(doctor),
        atTerminal(doctor, { NO_COLOR: "1" }),
        atTerminal([...doctor, "--no-color"]),
        run(UAN_K3S, doctor, { TERM: "xterm" }),
      ]);
      expect(tty.stdout).to.include("\x1b[32mPASS\x1b[0m  The config file validates");
      expect(tty.stdout).to.include("\x1b[33mWARN\x1b[0m");
      for (const plain of [noColorEnv, noColorFlag, pipe]) {
        expect(plain.stdout).to.include("PASS  The config file validates");
        expect(plain.stdout).not.to.include("\x1b[");
      }
      const split = await atTerminal(["split", ...FILES]);
      // Without --services or --kubectl the live Services were not checked: never READY.
      expect(split.stdout).to.match(/Status: {5}\x1b\[33mUNVERIFIED\x1b\[0m/);
      const error = await atTerminal(["split", "--sls-file", "/nonexistent.json"]);
      expect(error.stdout).to.include("uan-k3s: \x1b[31merror:\x1b[0m cannot read");
    });

    it("progress lines for API calls at a terminal, erased before the data; none in a pipe", async () => {
      await withSeedSimulator(async (sim, dir) => {
        const env = { ...apiEnv(sim, dir), UAN_K3S_CACHE_TTL: "0" };
        const tty = await atTerminal(["inventory", "--graph"], env);
        expect(tty.code, tty.stdout).to.equal(0);
        expect(tty.stdout).to.include(`uan-k3s: GET ${sim.url}/apis/sls/v1/`);
        // Each progress line is erased (CR, erase line) before the next output: the graph starts clean.
        expect(tty.stdout).to.match(/\r\x1b\[2K@all:/);
        const quiet = await atTerminal(["inventory", "--graph", "--quiet"], env);
        expect(quiet.stdout).not.to.include("uan-k3s: GET");
        const pipe = await run(UAN_K3S, ["inventory", "--graph"], env);
        expect(pipe.stderr).to.equal("");
      });
    });
  });
});
