import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../../core/paths";
import { run, SEED, tempDir } from "./exec";

// The README's install on a management node: the release tarball (npm pack) installed with no
// network, dependencies bundled, both executables on PATH.

describe("the release tarball (npm pack, installed offline)", function () {
  this.timeout(180_000);

  it("installs with no registry and runs both executables from PATH", async () => {
    const dir = tempDir();
    // --ignore-scripts: pack the dist/ this run built, rather than rebuild it under the other tests.
    execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", dir], {
      cwd: projectPath(),
      stdio: "pipe",
    });
    const tarball = readdirSync(dir).find((name) => name.endsWith(".tgz"));
    expect(tarball).to.match(/^uan-k3s-\d+\.\d+\.\d+\.tgz$/);
    const prefix = join(dir, "prefix");
    execFileSync(
      "npm",
      ["install", "-g", "--offline", "--ignore-scripts", "--prefix", prefix, join(dir, tarball!)],
      { cwd: dir, stdio: "pipe", env: { ...process.env, npm_config_cache: join(dir, "cache") } },
    );
    const env = { PATH: `${join(prefix, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}` };
    const version = await run("uan-k3s", ["--version"], env);
    expect(version.code, version.stderr).to.equal(0);
    expect(version.stdout).to.match(/^\d+\.\d+\.\d+\n$/);
    const list = await run("uan-k3s-inventory", ["--list"], {
      ...env,
      UAN_K3S_SLS_FILE: SEED.sls,
      UAN_K3S_HSM_FILE: SEED.hsm,
    });
    expect(list.code, list.stderr).to.equal(0);
    expect(JSON.parse(list.stdout)).to.have.nested.property("k3s_server.hosts");
    const init = await run("uan-k3s", ["init"], env);
    expect(init.code, init.stderr).to.equal(0);
  });
});
