import { expect } from "chai";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseConfig } from "../../cli/config";
import { projectPath } from "../../core/paths";
import { run, tempDir, UAN_K3S } from "./exec";

/** A PATH with node, uan-k3s and a kubectl that prints `script`'s output. */
function withKubectl(script: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, "kubectl"), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, "kubectl"), 0o755);
  return `${dir}:${dirname(process.execPath)}:${dirname(UAN_K3S)}:/usr/bin:/bin`;
}

/** uan-k3s init in `dir` under umask 000, so that only the program's own modes protect a file. */
function init(dir: string, args: string[], path: string) {
  return run(
    "/bin/sh",
    ["-c", `umask 000; cd "$1" && shift && exec uan-k3s init "$@"`, "sh", dir, ...args],
    {
      PATH: path,
    },
  );
}

describe("uan-k3s init (built executable)", function () {
  this.timeout(30_000);

  it("writes every setting: the ones with no default commented out, the image marked CHANGE", async () => {
    const dir = tempDir();
    const result = await init(dir, [], withKubectl("exit 1"));
    expect(result.code, result.stderr).to.equal(0);
    const text = readFileSync(join(dir, "uan-k3s.yaml"), "utf8");
    const schema = JSON.parse(
      readFileSync(projectPath("schemas", "config.schema.json"), "utf8"),
    ) as {
      properties: Record<string, unknown>;
    };
    for (const key of Object.keys(schema.properties))
      expect(text, key).to.match(new RegExp(`^(# )?${key}:`, "m"));
    expect(text).to.match(/^# client_secret_file: \/root\/\.uan-k3s-secret$/m);
    expect(text).to.match(/ {6}# CHANGE: the image users get at login[^\n]*\n {6}image: /);
    expect(text.match(/CHANGE:/g)).to.have.length(1);
    expect(result.stderr).to.include("set the settings marked CHANGE, then run uan-k3s doctor");
  });

  it("--client-secret saves the secret kubectl reads, created 0600 even under umask 000, and points the config at it", async () => {
    const dir = tempDir();
    const encoded = Buffer.from("s3cret-from-k8s").toString("base64");
    const result = await init(
      dir,
      ["--client-secret", "secret"],
      withKubectl(
        `[ "$*" = "get secret -n default admin-client-auth -o jsonpath={.data.client-secret}" ] || exit 2; printf %s ${encoded}`,
      ),
    );
    expect(result.code, result.stderr).to.equal(0);
    const secret = join(dir, "secret");
    expect(readFileSync(secret, "utf8")).to.equal("s3cret-from-k8s");
    expect(statSync(secret).mode & 0o777).to.equal(0o600);
    const config = parseConfig(readFileSync(join(dir, "uan-k3s.yaml"), "utf8"), "uan-k3s.yaml");
    expect(config.client_secret_file).to.equal(secret);
    expect(result.stderr).to.include(`wrote the admin-client secret to ${secret} (mode 0600)`);
    expect(result.stdout + result.stderr).not.to.include("s3cret-from-k8s");
  });

  it("refuses before writing anything: an existing secret file, or kubectl without a secret", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "secret"), "old");
    const exists = await init(
      dir,
      ["--client-secret", "secret"],
      withKubectl("printf %s c2VjcmV0"),
    );
    expect(exists.code).to.equal(1);
    expect(exists.stderr).to.match(/error: \S+secret already exists/);
    expect(existsSync(join(dir, "uan-k3s.yaml"))).to.equal(false);
    expect(readFileSync(join(dir, "secret"), "utf8")).to.equal("old");

    const other = tempDir();
    const denied = await init(
      other,
      ["--client-secret", "secret"],
      withKubectl('echo "Error from server (Forbidden)" >&2; exit 1'),
    );
    expect(denied.code).to.equal(1);
    expect(denied.stderr).to.include("gave no secret: Error from server (Forbidden)");
    expect(existsSync(join(other, "secret"))).to.equal(false);
    expect(existsSync(join(other, "uan-k3s.yaml"))).to.equal(false);
  });
});
