import { expect } from "chai";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SlsDump } from "../../schemas/generated/sls";
import type { HsmGroup } from "../../schemas/generated/hsm";
import { startSimulator, type Simulator } from "../../simulator/server";
import { INVENTORY_SCRIPT, run, SEED, tempDir, UAN_K3S } from "./exec";
import { needs } from "../tools";

type AnsibleList = Record<string, { hosts?: string[]; children?: string[] }> & {
  _meta: { hostvars: Record<string, Record<string, unknown>> };
};

const STRICT = {
  ANSIBLE_INVENTORY_UNPARSED_FAILED: "true",
  ANSIBLE_PYTHON_INTERPRETER: "/usr/bin/python3",
};
const FILES = { ...STRICT, UAN_K3S_SLS_FILE: SEED.sls, UAN_K3S_HSM_FILE: SEED.hsm };

async function ansibleList(inventory: string, env: Record<string, string>): Promise<AnsibleList> {
  const result = await run("ansible-inventory", ["-i", inventory, "--list"], env);
  expect(result.code, result.stderr).to.equal(0);
  return JSON.parse(result.stdout) as AnsibleList;
}

async function ourList(env: Record<string, string>): Promise<AnsibleList> {
  const result = await run(INVENTORY_SCRIPT, ["--list"], env);
  expect(result.code, result.stderr).to.equal(0);
  return JSON.parse(result.stdout) as AnsibleList;
}

describe("real Ansible consumes the inventory", function () {
  needs(this, "ansible-inventory", "ansible-playbook");
  this.timeout(120_000);

  it("ansible-inventory --list parses the script and sees our groups and hostvars", async () => {
    const [theirs, ours] = await Promise.all([
      ansibleList(INVENTORY_SCRIPT, FILES),
      ourList(FILES),
    ]);
    expect(theirs.k3s_server?.hosts).to.deep.equal(["x3000c0s9b0n0"]);
    expect(theirs.k3s_agent?.hosts).to.have.members(["x3000c0s11b0n0", "x3000c0s13b0n0"]);
    expect(theirs.Application_UAN?.hosts).to.have.members(ours.Application_UAN?.hosts ?? []);
    for (const [host, vars] of Object.entries(ours._meta.hostvars)) {
      // ansible-inventory merges all.vars into each host's variables.
      expect(theirs._meta.hostvars[host], host).to.deep.equal({
        ...vars,
        sls_user_network: { __ansible_unsafe: "CAN" },
      });
    }
  });

  it("ansible-inventory --graph shows the K3s groups", async () => {
    const result = await run(
      "ansible-inventory",
      ["-i", INVENTORY_SCRIPT, "--graph", "k3s_server"],
      FILES,
    );
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/@k3s_server:\n\s+\|--x3000c0s9b0n0/);
  });

  it("ansible-playbook runs a play on k3s_server that reads the hostvars", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "play.yml"),
      [
        "- hosts: k3s_server",
        "  connection: local",
        "  gather_facts: false",
        "  tasks:",
        "    - ansible.builtin.assert:",
        "        that:",
        "          - not (cray_cfs_image | bool)",
        "          - inventory_hostname in groups['k3s_server']",
        "          - groups['k3s_agent'] | length == 2",
        "    - ansible.builtin.copy:",
        '        dest: "{{ out }}/{{ inventory_hostname }}"',
        '        content: "{{ hostname }} {{ can_ip }} {{ sls_user_network }}"',
        "",
      ].join("\n"),
    );
    const result = await run(
      "ansible-playbook",
      ["-i", INVENTORY_SCRIPT, join(dir, "play.yml"), "-e", `out=${dir}`],
      FILES,
    );
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(readdirSync(dir).sort()).to.deep.equal(["play.yml", "x3000c0s9b0n0"]);
    expect(readFileSync(join(dir, "x3000c0s9b0n0"), "utf8")).to.match(
      /^uan01 10\.102\.20\.\d+ CAN$/,
    );
  });

  it("the static YAML export is the same inventory to Ansible (PyYAML, YAML 1.1)", async () => {
    const file = join(tempDir(), "inventory.yml");
    const exported = await run(UAN_K3S, [
      "inventory",
      "--list",
      "--format",
      "yaml",
      "--output",
      file,
      "--sls-file",
      SEED.sls,
      "--hsm-file",
      SEED.hsm,
    ]);
    expect(exported.code, exported.stderr).to.equal(0);
    expect(exported.stdout).to.equal("");
    const [fromYaml, fromScript] = await Promise.all([
      ansibleList(file, STRICT),
      ansibleList(INVENTORY_SCRIPT, FILES),
    ]);
    expect(fromYaml._meta.hostvars).to.deep.equal(fromScript._meta.hostvars);
    for (const group of ["k3s_server", "k3s_agent", "Application_UAN", "Compute", "uan"]) {
      expect(fromYaml[group]?.hosts, group).to.have.members(fromScript[group]?.hosts ?? []);
    }
  });

  describe("with scope k3s", () => {
    const SCOPED = { ...FILES, UAN_K3S_SCOPE: "k3s" };
    const UANS = ["x3000c0s9b0n0", "x3000c0s11b0n0", "x3000c0s13b0n0"];

    it("ansible-inventory sees only the UANs, with the hostvars and groups of scope all", async () => {
      const [scoped, all] = await Promise.all([
        ansibleList(INVENTORY_SCRIPT, SCOPED),
        ansibleList(INVENTORY_SCRIPT, FILES),
      ]);
      expect(Object.keys(scoped._meta.hostvars)).to.have.members(UANS);
      for (const host of UANS) {
        expect(scoped._meta.hostvars[host], host).to.deep.equal(all._meta.hostvars[host]);
      }
      expect(scoped.k3s_server?.hosts).to.deep.equal(["x3000c0s9b0n0"]);
      expect(scoped.uan?.hosts).to.have.members(UANS);
      // Ansible leaves an empty group out of --list, but it still knows it: see the next test.
      expect(scoped.Compute?.hosts ?? []).to.deep.equal([]);
    });

    it("ansible-playbook --list-hosts: K3s plays match, a play on an emptied group runs none", async () => {
      const dir = tempDir();
      writeFileSync(
        join(dir, "play.yml"),
        [
          "- hosts: k3s_server:k3s_agent",
          "  gather_facts: false",
          "  tasks: []",
          "- hosts: Compute",
          "  gather_facts: false",
          "  tasks: []",
          "",
        ].join("\n"),
      );
      const result = await run(
        "ansible-playbook",
        ["-i", INVENTORY_SCRIPT, "--list-hosts", join(dir, "play.yml")],
        SCOPED,
      );
      expect(result.code, result.stdout + result.stderr).to.equal(0);
      expect(result.stdout).to.match(/pattern: \['k3s_server:k3s_agent'\]\n\s+hosts \(3\):/);
      expect(result.stdout).to.match(/pattern: \['Compute'\]\n\s+hosts \(0\):/);
      expect(result.stderr).not.to.match(/Could not match supplied host pattern/);
    });
  });

  describe("through the CSM API simulator", function () {
    needs(this, "openssl");
    const secret = "sim-client-secret-3f9a";
    let sim: Simulator;
    let env: Record<string, string>;

    before(async () => {
      sim = await startSimulator({
        sls: JSON.parse(readFileSync(SEED.sls, "utf8")) as SlsDump,
        groups: JSON.parse(readFileSync(SEED.hsm, "utf8")) as HsmGroup[],
        clientSecret: secret,
      });
      const secretFile = join(tempDir(), "client-secret");
      writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
      env = {
        ...STRICT,
        UAN_K3S_API_GATEWAY: sim.url,
        UAN_K3S_CA_CERT: sim.caFile,
        UAN_K3S_CLIENT_SECRET_FILE: secretFile,
        XDG_CACHE_HOME: tempDir(),
        UAN_K3S_RETRIES: "2",
      };
    });
    after(() => sim.stop());
    afterEach(() => sim.clearFaults());

    it("gives Ansible the same inventory as the files do", async () => {
      const [viaApi, viaFiles] = await Promise.all([
        ansibleList(INVENTORY_SCRIPT, { ...env, UAN_K3S_REFRESH: "1" }),
        ansibleList(INVENTORY_SCRIPT, FILES),
      ]);
      expect(viaApi).to.deep.equal(viaFiles);
    });

    it("answers a second run from the cache, and --refresh goes back to the API", async () => {
      await ourList({ ...env, UAN_K3S_REFRESH: "1" });
      const before = sim.requests.length;
      await ourList(env);
      expect(sim.requests.length).to.equal(before);
      await ourList({ ...env, UAN_K3S_REFRESH: "1" });
      expect(sim.requests.length).to.be.greaterThan(before);
    });

    it("rides out a transient 503", async () => {
      sim.inject({ path: "/apis/sls/v1/networks", kind: "status", status: 503, times: 2 });
      const list = await ourList({ ...env, UAN_K3S_REFRESH: "1" });
      expect(list.k3s_server?.hosts).to.deep.equal(["x3000c0s9b0n0"]);
    });

    it("fails clearly when the API keeps failing, naming the URL", async () => {
      sim.inject({ path: "/apis/sls/v1/networks", kind: "status", status: 503, times: Infinity });
      const result = await run(INVENTORY_SCRIPT, ["--list"], { ...env, UAN_K3S_REFRESH: "1" });
      expect(result.code).to.equal(1);
      expect(result.stdout).to.equal("");
      expect(result.stderr).to.include(`${sim.url}/apis/sls/v1/networks`).and.include("503");
    });

    it("fails clearly on rejected client credentials, never printing the secret", async () => {
      const wrong = join(tempDir(), "wrong-secret");
      writeFileSync(wrong, "not-the-secret-77\n");
      const result = await run(INVENTORY_SCRIPT, ["--list"], {
        ...env,
        UAN_K3S_CLIENT_SECRET_FILE: wrong,
        UAN_K3S_REFRESH: "1",
      });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.match(/admin-client/);
      expect(result.stderr).not.to.include("not-the-secret-77");
      expect(result.stderr).not.to.include(secret);
    });

    it("refuses a gateway whose certificate it cannot verify, and says how to fix it", async () => {
      const withoutCa = Object.fromEntries(
        Object.entries(env).filter(([name]) => name !== "UAN_K3S_CA_CERT"),
      );
      const result = await run(INVENTORY_SCRIPT, ["--list"], {
        ...withoutCa,
        UAN_K3S_REFRESH: "1",
      });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include(sim.url).and.include("--ca-cert");
    });

    it("fails clearly when nothing listens at the gateway", async () => {
      const result = await run(INVENTORY_SCRIPT, ["--list"], {
        ...env,
        UAN_K3S_API_GATEWAY: "https://127.0.0.1:9",
        UAN_K3S_REFRESH: "1",
        UAN_K3S_RETRIES: "0",
      });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.match(/cannot reach https:\/\/127\.0\.0\.1:9.*ECONNREFUSED/);
      expect(result.stderr).not.to.match(/\n\s+at /);
    });
  });
});
