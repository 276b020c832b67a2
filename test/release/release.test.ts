import { expect } from "chai";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { gunzipSync } from "node:zlib";
import { projectPath } from "../../core/paths";
import { INSTALLED } from "../../packaging/layout";
import { MAX_GLIBC, newestGlibc } from "../../packaging/sea";
import { SEED, systemSimulator, tempDir, UAN_K3S } from "../cli/exec";
import { run, type Result } from "../run";
import { needs, TOOLS } from "../tools";

/**
 * `npm run release` as a release manager runs it (node dist/packaging/release.js --out DIR),
 * and each artifact used the way an admin would: the npm package installed offline, the single
 * executable in an empty chroot, the RPM installed into a scratch root, the tarball unpacked.
 */

const VERSION = (
  JSON.parse(readFileSync(projectPath("package.json"), "utf8")) as { version: string }
).version;
const NAMES = {
  npm: `uan-k3s-${VERSION}.tgz`,
  executable: `uan-k3s-${VERSION}-linux-x64`,
  tarball: `uan-k3s-${VERSION}-linux-x64.tar.gz`,
  rpm: `uan-k3s-${VERSION}-1.x86_64.rpm`,
};

async function buildRelease(out: string): Promise<void> {
  const result = await run(
    process.execPath,
    [projectPath("dist", "packaging", "release.js"), "--out", out],
    {
      cwd: projectPath(),
    },
  );
  expect(result.code, result.stderr).to.equal(0);
}

function ok(result: Result): string {
  expect(result.code, result.stderr).to.equal(0);
  return result.stdout;
}

/** Every file under `dir` → its bytes (a symlink → "-> target"), for whole-tree comparisons. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string): void => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path, "utf8");
    }
  };
  walk(dir);
  return files;
}

/**
 * rpm's options to install into, or query, the scratch root `root`. The database where SLES
 * keeps it: Debian's rpm would put it under $HOME, which each run here makes anew.
 */
function scratchRoot(root: string): string[] {
  return ["--root", root, "--dbpath", "/var/lib/rpm"];
}

/** A copy of the seed system's dumps in `dir`/data, for commands run with `dir` as their cwd. */
function seedData(dir: string): string[] {
  mkdirSync(join(dir, "data"), { recursive: true });
  copyFileSync(SEED.sls, join(dir, "data", "sls.json"));
  copyFileSync(SEED.hsm, join(dir, "data", "hsm.json"));
  return ["--sls-file", "data/sls.json", "--hsm-file", "data/hsm.json"];
}

describe("npm run release: the npm package, the single executable, the tarball and the RPM", function () {
  needs(this, "rpmbuild", "rpm", "objdump", "chroot", "ldd", "tar", "ansible-inventory");
  // Each test runs a 100 MB executable or npm several times.
  this.timeout(300_000);
  // Every directory made here: each build and install holds some 200 MB, too much to leave.
  const made: string[] = [];
  const scratch = (): string => {
    const dir = tempDir();
    made.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  let out: string;
  before(async function () {
    this.timeout(600_000);
    out = scratch();
    await buildRelease(out);
  });

  it("writes the four artifacts and their SHA256SUMS into the output folder", () => {
    expect(readdirSync(out).sort()).to.deep.equal(["SHA256SUMS", ...Object.values(NAMES)].sort());
    const sums = readFileSync(join(out, "SHA256SUMS"), "utf8");
    for (const name of Object.values(NAMES))
      expect(sums).to.match(new RegExp(`^[0-9a-f]{64}  ${name.replace(/\./g, "\\.")}$`, "m"));
  });

  describe("the npm package", () => {
    it("holds the built code and the files running needs, and no tests, fixtures or sources", async () => {
      const files = ok(await run("tar", ["-tzf", join(out, NAMES.npm)]))
        .split("\n")
        .filter(Boolean);
      expect(files).to.include.members([
        "package/package.json",
        "package/bin/uan-k3s",
        "package/bin/uan-k3s-inventory",
        "package/dist/build-info.json",
        "package/dist/cli/main.js",
        "package/dist/schemas/validators.js",
        "package/roles-templates/k3s.yml",
        "package/schemas/config.schema.json",
      ]);
      const unwanted = files.filter(
        (file) =>
          /^package\/(dist\/)?(test|fixtures|simulator|bench|packaging)\//.test(file) ||
          (file.endsWith(".ts") && !file.startsWith("package/node_modules/")),
      );
      expect(unwanted).to.deep.equal([]);
    });

    it("installs with npm install -g, offline and with an empty npm cache (its dependencies are bundled), and runs from any directory", async () => {
      const prefix = scratch();
      ok(
        await run(
          "npm",
          [
            "install",
            "-g",
            "--offline",
            "--no-audit",
            "--no-fund",
            "--no-update-notifier",
            "--prefix",
            prefix,
            join(out, NAMES.npm),
          ],
          { timeoutMs: 300_000 },
        ),
      );
      const elsewhere = scratch();
      const sources = seedData(elsewhere);
      const version = ok(
        await run(join(prefix, "bin", "uan-k3s"), ["--version"], { cwd: elsewhere }),
      );
      expect(version).to.equal(ok(await run(UAN_K3S, ["--version"])));
      const inventory = ok(
        await run(join(prefix, "bin", "uan-k3s"), ["inventory", "--list", ...sources], {
          cwd: elsewhere,
        }),
      );
      expect(inventory).to.equal(
        ok(await run(UAN_K3S, ["inventory", "--list", ...sources], { cwd: elsewhere })),
      );
      const script = ok(
        await run(join(prefix, "bin", "uan-k3s-inventory"), ["--list"], {
          cwd: elsewhere,
          env: { UAN_K3S_SLS_FILE: "data/sls.json", UAN_K3S_HSM_FILE: "data/hsm.json" },
        }),
      );
      expect(script).to.equal(inventory);
      // The role sources come from the installed package.
      ok(
        await run(join(prefix, "bin", "uan-k3s"), ["gen-roles", "--out", "installed", ...sources], {
          cwd: elsewhere,
        }),
      );
      ok(await run(UAN_K3S, ["gen-roles", "--out", "checkout", ...sources], { cwd: elsewhere }));
      expect(snapshot(join(elsewhere, "installed"))).to.deep.equal(
        snapshot(join(elsewhere, "checkout")),
      );
    });
  });

  describe("the single executable", () => {
    it(`needs no glibc newer than SLES 15 SP4's ${MAX_GLIBC.join(".")}`, async () => {
      const newest = await newestGlibc(join(out, NAMES.executable));
      expect(newest.length).to.be.greaterThan(1);
      expect(newest[0]).to.equal(2);
      expect(newest[1]).to.be.at.most(MAX_GLIBC[1]);
    });

    it("runs every command in an empty chroot holding only itself and the libraries ldd lists", async () => {
      const root = scratch();
      const binary = join(out, NAMES.executable);
      mkdirSync(join(root, "usr", "bin"), { recursive: true });
      copyFileSync(binary, join(root, "usr", "bin", "uan-k3s"));
      symlinkSync("uan-k3s", join(root, "usr", "bin", "uan-k3s-inventory"));
      const libraries = ok(await run("ldd", [binary])).match(/\/\S+/g) ?? [];
      expect(libraries).to.include.members(["/lib64/ld-linux-x86-64.so.2"]);
      for (const library of libraries) {
        mkdirSync(join(root, dirname(library)), { recursive: true });
        copyFileSync(library, join(root, library));
      }
      const sources = seedData(root);
      const inside = (command: string, args: string[], env: Record<string, string> = {}) =>
        run(TOOLS.chroot.at, [root, `/usr/bin/${command}`, ...args], { env });
      // No Node anywhere in it: the executable carries its own.
      expect(
        Object.keys(snapshot(root)).filter((path) => /(^|\/)node(js)?$/.test(path)),
      ).to.deep.equal([]);

      expect(ok(await inside("uan-k3s", ["--version"]))).to.equal(
        ok(await run(UAN_K3S, ["--version"])),
      );
      // chroot starts the command in the root's /, so the same relative paths name the same data.
      const outside = (args: string[], env: Record<string, string> = {}) =>
        run(UAN_K3S, args, { cwd: root, env });
      const list = ["inventory", "--list", ...sources];
      expect(ok(await inside("uan-k3s", list))).to.equal(ok(await outside(list)));
      const env = { UAN_K3S_SLS_FILE: "data/sls.json", UAN_K3S_HSM_FILE: "data/hsm.json" };
      expect(ok(await inside("uan-k3s-inventory", ["--list"], env))).to.equal(
        ok(await outside(list)),
      );
      const split = ["split", "--sls-file", "data/sls.json"];
      const report = ok(await inside("uan-k3s", split));
      expect(report).to.include("K3s range:");
      // The report names the dump by its absolute path, which is the root's / inside.
      expect(report).to.equal(ok(await outside(split)).replaceAll(`${root}/`, "/"));
      ok(await inside("uan-k3s", ["gen-roles", "--out", "/sea", ...sources]));
      ok(await outside(["gen-roles", "--out", "node", ...sources]));
      const tree = snapshot(join(root, "sea"));
      expect(tree).to.have.property("k3s.yml");
      expect(tree).to.deep.equal(snapshot(join(root, "node")));
      // The program loads some modules only when a command reaches them, each from an asset
      // of its own (packaging/sea.ts): the diff library, and axios for the API.
      for (const tree of ["sea", "node"]) rmSync(join(root, tree, "k3s.yml"));
      const diff = ok(
        await inside("uan-k3s", ["gen-roles", "--diff", "--out", "/sea", ...sources]),
      );
      expect(diff).to.include("+++ b/k3s.yml");
      expect(diff).to.equal(
        ok(await outside(["gen-roles", "--diff", "--out", "node", ...sources])),
      );
      const { sim, secretFile } = await systemSimulator(SEED, "release-test-secret");
      try {
        copyFileSync(sim.caFile, join(root, "data", "ca.pem"));
        copyFileSync(secretFile, join(root, "data", "secret"));
        const api = {
          UAN_K3S_API_GATEWAY: sim.url,
          UAN_K3S_CA_CERT: "data/ca.pem",
          UAN_K3S_CLIENT_SECRET_FILE: "data/secret",
        };
        expect(ok(await inside("uan-k3s-inventory", ["--list"], api))).to.equal(
          ok(await outside(list)),
        );
      } finally {
        await sim.stop();
      }
    });
  });

  describe("the RPM and the tarball", () => {
    const expected = Object.values(INSTALLED)
      .map((path) => `/usr/${path}`)
      .sort();

    it("lists both commands, the bash and zsh completions and the man page", async () => {
      const files = ok(await run("rpm", ["-qpl", join(out, NAMES.rpm)]))
        .split("\n")
        .filter(Boolean);
      expect(files.sort()).to.deep.equal(expected);
      expect(expected).to.include.members([
        "/usr/bin/uan-k3s",
        "/usr/bin/uan-k3s-inventory",
        "/usr/share/bash-completion/completions/uan-k3s",
        "/usr/share/man/man1/uan-k3s.1.gz",
      ]);
    });

    it("installs into a scratch root with rpm -i, and what it installs works", async () => {
      const root = scratch();
      ok(await run("rpm", ["-i", ...scratchRoot(root), "--nodeps", join(out, NAMES.rpm)]));
      const installed = (path: string) => join(root, "usr", path);
      expect(ok(await run(installed(INSTALLED.command), ["--version"]))).to.equal(
        ok(await run(UAN_K3S, ["--version"])),
      );
      expect(statSync(installed(INSTALLED.command)).mode & 0o777).to.equal(0o755);
      const cwd = scratch();
      const sources = seedData(cwd);
      const files = { UAN_K3S_SLS_FILE: "data/sls.json", UAN_K3S_HSM_FILE: "data/hsm.json" };
      const list = ok(await run(UAN_K3S, ["inventory", "--list", ...sources], { cwd }));
      expect(
        ok(await run(installed(INSTALLED.inventory), ["--list"], { cwd, env: files })),
      ).to.equal(list);
      // Real Ansible runs the installed executable as its inventory script.
      const ansible = ok(
        await run("ansible-inventory", ["-i", installed(INSTALLED.inventory), "--list"], {
          cwd,
          env: { ...files, ANSIBLE_INVENTORY_UNPARSED_FAILED: "true" },
        }),
      );
      type Groups = Record<string, { hosts: string[] }>;
      const ours = JSON.parse(list) as Groups;
      const theirs = JSON.parse(ansible) as Groups;
      for (const group of ["k3s_server", "k3s_agent"]) {
        expect(ours[group].hosts, group).to.have.length.greaterThan(0);
        expect(theirs[group].hosts, group).to.deep.equal(ours[group].hosts);
      }
      expect(readFileSync(installed(INSTALLED.bash), "utf8")).to.equal(
        ok(await run(UAN_K3S, ["completion", "bash"])),
      );
      expect(readFileSync(installed(INSTALLED.zsh), "utf8")).to.equal(
        ok(await run(UAN_K3S, ["completion", "zsh"])),
      );
      expect(gunzipSync(readFileSync(installed(INSTALLED.man))).toString("utf8")).to.equal(
        ok(await run(UAN_K3S, ["man"])),
      );
      const query = ok(
        await run("rpm", [
          "-q",
          ...scratchRoot(root),
          "--queryformat",
          "%{NAME} %{VERSION} %{BUILDHOST}",
          "uan-k3s",
        ]),
      );
      expect(query).to.equal(`uan-k3s ${VERSION} uan-k3s-release`);
    });

    it("the tarball holds the same files, with the same bytes, under one top folder", async () => {
      const dir = scratch();
      ok(await run("tar", ["-xzf", join(out, NAMES.tarball), "-C", dir]));
      const top = `uan-k3s-${VERSION}-linux-x64`;
      expect(readdirSync(dir)).to.deep.equal([top]);
      const rpmRoot = scratch();
      ok(await run("rpm", ["-i", ...scratchRoot(rpmRoot), "--nodeps", join(out, NAMES.rpm)]));
      for (const path of Object.values(INSTALLED)) {
        const inTar = readFileSync(join(dir, top, path));
        expect(inTar.equals(readFileSync(join(rpmRoot, "usr", path))), path).to.equal(true);
      }
      expect(
        readFileSync(join(dir, top, INSTALLED.command)).equals(
          readFileSync(join(out, NAMES.executable)),
        ),
      ).to.equal(true);
      const listing = ok(await run("tar", ["-tvzf", join(out, NAMES.tarball)]));
      for (const line of listing.split("\n").filter(Boolean)) expect(line).to.match(/^\S+ 0\/0 /);
    });
  });

  it("builds the same bytes again from the same commit", async function () {
    this.timeout(600_000);
    const again = scratch();
    await buildRelease(again);
    expect(readFileSync(join(again, "SHA256SUMS"), "utf8")).to.equal(
      readFileSync(join(out, "SHA256SUMS"), "utf8"),
    );
    expect(existsSync(join(again, ".work"))).to.equal(false);
  });
});
