import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { UserError } from "../../core/errors";
import { projectPath } from "../../core/paths";
import { parseCommand } from "../../simulator/main";
import { smallSystem, TOKEN_PATH } from "./helpers";
import { needs } from "../tools";

describe("simulator: npm run sim options", () => {
  it("defaults to the bundled example system, any port, a temporary directory", () => {
    expect(parseCommand([])).to.deep.equal({
      slsFile: projectPath("fixtures", "systems", "seed", "sls.json"),
      hsmFile: projectPath("fixtures", "systems", "seed", "hsm-groups.json"),
      port: 0,
      dir: undefined,
      faults: [],
    });
  });

  it("takes files, port, directory and repeated faults", () => {
    const command = parseCommand([
      ...["--sls-file", "s.json", "--hsm-file", "h.json", "--port", "8443", "--dir", "d"],
      ...[
        "--fault",
        '{"path":"/apis","kind":"reset"}',
        "--fault",
        '{"path":"/k","kind":"delay","ms":5}',
      ],
    ]);
    expect(command).to.deep.equal({
      slsFile: "s.json",
      hsmFile: "h.json",
      port: 8443,
      dir: "d",
      faults: [
        { path: "/apis", kind: "reset" },
        { path: "/k", kind: "delay", ms: 5 },
      ],
    });
  });

  it("answers --help", () => {
    expect(parseCommand(["--help"])).to.equal("help");
  });

  for (const [what, argv, pattern] of [
    ["an unknown flag", ["--nope"], /nope/],
    ["a bad port", ["--port", "70000"], /--port 70000/],
    ["a fault that is not JSON", ["--fault", "{kind:reset}"], /--fault:1:2: invalid JSON/],
    ["a fault that is not an object", ["--fault", "[]"], /JSON object/],
    ["a fault of an unknown kind", ["--fault", '{"path":"/","kind":"boom"}'], /kind must be/],
  ] as const) {
    it(`refuses ${what} with a UserError`, () => {
      expect(() => parseCommand([...argv])).to.throw(UserError, pattern);
    });
  }
});

describe("simulator: npm run sim, run as a user runs it", function () {
  needs(this, "openssl");
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), "uan-k3s-sim-test-"));
    const { sls, groups } = smallSystem();
    writeFileSync(join(work, "sls.json"), JSON.stringify(sls));
    writeFileSync(join(work, "hsm.json"), JSON.stringify(groups));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it("prints the three exports, serves with the written CA and secret, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [
      projectPath("dist", "simulator", "main.js"),
      ...["--sls-file", join(work, "sls.json"), "--hsm-file", join(work, "hsm.json")],
    ]);
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    try {
      let stdout = "";
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString("utf8");
          if (stdout.split("\n").length > 3) resolve();
        });
        void exited.then((code) => reject(new Error(`exited early with ${code}`)));
      });
      const env = Object.fromEntries(
        stdout
          .trimEnd()
          .split("\n")
          .map((line) => {
            const match = /^export (UAN_K3S_[A-Z_]+)=(.+)$/.exec(line);
            expect(match, line).not.to.equal(null);
            return [match![1], match![2]];
          }),
      );
      expect(Object.keys(env)).to.deep.equal([
        "UAN_K3S_API_GATEWAY",
        "UAN_K3S_CA_CERT",
        "UAN_K3S_CLIENT_SECRET_FILE",
      ]);
      expect(statSync(env.UAN_K3S_CLIENT_SECRET_FILE).mode & 0o777).to.equal(0o600);

      const status = await new Promise<number | undefined>((resolve, reject) => {
        const body = new URLSearchParams({
          grant_type: "client_credentials",
          client_id: "admin-client",
          client_secret: readFileSync(env.UAN_K3S_CLIENT_SECRET_FILE, "utf8"),
        }).toString();
        request(
          `${env.UAN_K3S_API_GATEWAY}${TOKEN_PATH}`,
          { method: "POST", ca: readFileSync(env.UAN_K3S_CA_CERT), agent: false },
          (res) => {
            res.resume();
            resolve(res.statusCode);
          },
        )
          .on("error", reject)
          .end(body);
      });
      expect(status).to.equal(200);

      child.kill("SIGTERM");
      expect(await exited).to.equal(0);
      expect(existsSync(dirname(env.UAN_K3S_CA_CERT)), "temporary directory removed").to.equal(
        false,
      );
    } finally {
      child.kill("SIGKILL");
    }
  });
});
