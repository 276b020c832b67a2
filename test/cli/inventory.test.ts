import { expect } from "chai";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { INVENTORY_SCRIPT, run, SEED, tempDir, UAN_K3S } from "./exec";

const FILES = { UAN_K3S_SLS_FILE: SEED.sls, UAN_K3S_HSM_FILE: SEED.hsm };

function expectUserError(
  result: { code: number; stdout: string; stderr: string },
  pattern: RegExp,
): void {
  expect(result.code, result.stderr).to.equal(1);
  expect(result.stdout).to.equal("");
  expect(result.stderr).to.match(pattern);
  expect(result.stderr).not.to.match(/\n\s+at /); // no stack trace
}

/** The seed system exported as a static YAML inventory. */
const SEED_YAML_EXPORT = [
  "inventory",
  "--list",
  "-o",
  "yaml",
  "--sls-file",
  SEED.sls,
  "--hsm-file",
  SEED.hsm,
];

describe("uan-k3s inventory (built executables, file source)", () => {
  it("prints only JSON on stdout for --list, with the seed's K3s groups", async () => {
    const result = await run(UAN_K3S, [
      "inventory",
      "--list",
      "--sls-file",
      SEED.sls,
      "--hsm-file",
      SEED.hsm,
    ]);
    expect(result.code, result.stderr).to.equal(0);
    const document = JSON.parse(result.stdout) as Record<string, { hosts: string[] }>;
    expect(document.k3s_server?.hosts).to.deep.equal(["x3000c0s9b0n0"]);
    expect(document.k3s_agent?.hosts).to.deep.equal(["x3000c0s11b0n0", "x3000c0s13b0n0"]);
    // Every string value is marked unsafe, so Ansible never templates it.
    expect(document.all).to.deep.include({
      vars: { sls_user_network: { __ansible_unsafe: "CAN" } },
    });
  });

  it("the inventory script reads its settings from the environment", async () => {
    const viaScript = await run(INVENTORY_SCRIPT, ["--list"], FILES);
    const viaCli = await run(UAN_K3S, [
      "inventory",
      "--list",
      "--sls-file",
      SEED.sls,
      "--hsm-file",
      SEED.hsm,
    ]);
    expect(viaScript.code, viaScript.stderr).to.equal(0);
    expect(viaScript.stdout).to.equal(viaCli.stdout);
    const host = await run(INVENTORY_SCRIPT, ["--host", "uan02"], FILES);
    expect(JSON.parse(host.stdout)).to.deep.include({
      xname: { __ansible_unsafe: "x3000c0s11b0n0" },
      hostname: { __ansible_unsafe: "uan02" },
    });
    const unknown = await run(INVENTORY_SCRIPT, ["--host", "uan99"], FILES);
    expect(unknown.stdout).to.equal("{}\n");
  });

  it("draws the groups like ansible-inventory --graph, with hostnames and the all vars", async () => {
    const result = await run(UAN_K3S, [
      "inventory",
      "--graph",
      "--sls-file",
      SEED.sls,
      "--hsm-file",
      SEED.hsm,
    ]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^@all:\n/);
    expect(result.stdout).to.include("  |--@k3s_server:\n  |  |--x3000c0s9b0n0 (uan01)\n");
    expect(result.stdout).to.match(/\nsls_user_network: CAN\n$/);
  });

  it("gives the same bytes on every run", async () => {
    const args = SEED_YAML_EXPORT;
    const [first, second] = await Promise.all([run(UAN_K3S, args), run(UAN_K3S, args)]);
    expect(first.code, first.stderr).to.equal(0);
    expect(second.stdout).to.equal(first.stdout);
  });

  it("keeps --export yaml as a deprecated spelling of --list --format yaml, with a warning", async () => {
    const files = ["--sls-file", SEED.sls, "--hsm-file", SEED.hsm];
    const [old, now] = await Promise.all([
      run(UAN_K3S, ["inventory", "--export", "yaml", ...files]),
      run(UAN_K3S, ["inventory", "--list", "--format", "yaml", ...files]),
    ]);
    expect(old.code, old.stderr).to.equal(0);
    expect(old.stdout).to.equal(now.stdout);
    expect(old.stderr).to.equal(
      "uan-k3s: warning: --export yaml is deprecated; use --list --format yaml\n",
    );
    expect(now.stderr).to.equal("");
  });

  it("flags beat the environment, which beats the config file", async () => {
    const dir = tempDir();
    const config = join(dir, "uan-k3s.yaml");
    writeFileSync(config, `sls_file: ${SEED.sls}\nhsm_file: ${SEED.hsm}\nhostnames: alias\n`);
    const fromFile = await run(INVENTORY_SCRIPT, ["--list"], { UAN_K3S_CONFIG: config });
    expect(JSON.parse(fromFile.stdout)).to.deep.include({ k3s_server: { hosts: ["uan01"] } });
    const fromEnv = await run(INVENTORY_SCRIPT, ["--list"], {
      UAN_K3S_CONFIG: config,
      UAN_K3S_HOSTNAMES: "xname",
    });
    expect(JSON.parse(fromEnv.stdout)).to.deep.include({
      k3s_server: { hosts: ["x3000c0s9b0n0"] },
    });
    const fromFlag = await run(
      UAN_K3S,
      ["inventory", "--list", "--config", config, "--hostnames", "alias"],
      {
        UAN_K3S_HOSTNAMES: "xname",
      },
    );
    expect(JSON.parse(fromFlag.stdout)).to.deep.include({ k3s_server: { hosts: ["uan01"] } });
  });

  it("takes an explicit K3s designation from the config file", async () => {
    const dir = tempDir();
    const config = join(dir, "uan-k3s.yaml");
    writeFileSync(config, `sls_file: ${SEED.sls}\nk3s:\n  servers: [uan01, uan02, uan03]\n`);
    const result = await run(UAN_K3S, ["inventory", "--list", "--config", config]);
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.deep.include({
      k3s_server: { hosts: ["x3000c0s9b0n0", "x3000c0s11b0n0", "x3000c0s13b0n0"] },
      k3s_agent: { hosts: [] },
    });
  });

  describe("scope", () => {
    type List = Record<string, { hosts: string[] }> & {
      _meta: { hostvars: Record<string, unknown> };
    };
    const UANS = ["x3000c0s9b0n0", "x3000c0s11b0n0", "x3000c0s13b0n0"];
    const list = async (env: Record<string, string>, args: string[] = []): Promise<List> => {
      const result = await run(INVENTORY_SCRIPT, ["--list", ...args], { ...FILES, ...env });
      expect(result.code, result.stderr).to.equal(0);
      return JSON.parse(result.stdout) as List;
    };

    it("k3s serves the UANs with the groups and hostvars scope all gives them", async () => {
      const [all, k3s] = await Promise.all([list({}), list({ UAN_K3S_SCOPE: "k3s" })]);
      expect(Object.keys(k3s._meta.hostvars)).to.deep.equal(UANS);
      for (const host of UANS)
        expect(k3s._meta.hostvars[host]).to.deep.equal(all._meta.hostvars[host]);
      expect(k3s.all).to.deep.equal(all.all);
      for (const group of Object.keys(all).filter((name) => !["all", "_meta"].includes(name))) {
        expect(k3s[group]?.hosts, group).to.deep.equal(
          all[group]?.hosts.filter((host) => UANS.includes(host)),
        );
      }
      expect(k3s.Compute).to.deep.equal({ hosts: [] });
    });

    it("comes from the flag, the environment or the config file (a YAML list of groups)", async () => {
      const config = join(tempDir(), "uan-k3s.yaml");
      writeFileSync(config, `sls_file: ${SEED.sls}\nhsm_file: ${SEED.hsm}\nscope: [k3s_server]\n`);
      const fromFile = await list({ UAN_K3S_CONFIG: config });
      expect(Object.keys(fromFile._meta.hostvars)).to.deep.equal(["x3000c0s9b0n0"]);
      const fromEnv = await list({ UAN_K3S_CONFIG: config, UAN_K3S_SCOPE: "k3s_server,k3s_agent" });
      expect(Object.keys(fromEnv._meta.hostvars)).to.deep.equal(UANS);
      const fromFlag = await run(
        UAN_K3S,
        ["inventory", "--list", "--config", config, "--scope", "all"],
        { UAN_K3S_SCOPE: "k3s" },
      );
      expect(Object.keys((JSON.parse(fromFlag.stdout) as List)._meta.hostvars)).to.have.length(16);
    });

    it("--host outside the scope answers {}, as for an unknown host", async () => {
      const env = { ...FILES, UAN_K3S_SCOPE: "k3s" };
      const [outside, inside] = await Promise.all([
        run(INVENTORY_SCRIPT, ["--host", "ncn-m001"], env),
        run(INVENTORY_SCRIPT, ["--host", "uan01"], env),
      ]);
      expect(outside.stdout).to.equal("{}\n");
      expect(JSON.parse(inside.stdout)).to.deep.include({
        xname: { __ansible_unsafe: "x3000c0s9b0n0" },
      });
    });

    it("says on stderr which scope it serves only when asked", async () => {
      const env = { ...FILES, UAN_K3S_SCOPE: "k3s" };
      const [quiet, verbose, flag] = await Promise.all([
        run(INVENTORY_SCRIPT, ["--list"], env),
        run(INVENTORY_SCRIPT, ["--list"], { ...env, UAN_K3S_VERBOSE: "1" }),
        run(UAN_K3S, [
          "inventory",
          "--list",
          "--verbose",
          "--sls-file",
          SEED.sls,
          "--scope",
          "k3s",
        ]),
      ]);
      expect(quiet.stderr).not.to.include("scope");
      expect(verbose.stderr).to.include("inventory scope k3s: 3 of 16 hosts");
      expect(flag.stderr).to.include("inventory scope k3s: 3 of 16 hosts");
      expect(verbose.stdout).to.equal(quiet.stdout);
    });

    it("the YAML export honours it", async () => {
      const args = SEED_YAML_EXPORT;
      const result = await run(UAN_K3S, [...args, "--scope", "k3s"]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.include("x3000c0s9b0n0").and.include("    Compute:\n");
      expect(result.stdout).not.to.include("ncn-m001");
    });

    it("answers again from its cache, and rebuilds when the dump changes", async () => {
      const dir = tempDir();
      const sls = join(dir, "sls.json");
      writeFileSync(sls, readFileSync(SEED.sls));
      const env = { UAN_K3S_SLS_FILE: sls, UAN_K3S_SCOPE: "k3s", XDG_CACHE_HOME: dir };
      const first = await list(env);
      expect(
        readdirSync(join(dir, "uan-k3s")).filter((name) => name.startsWith("inventory-")),
      ).to.have.length(1);
      expect(await list(env)).to.deep.equal(first);
      const dump = JSON.parse(readFileSync(sls, "utf8")) as {
        Hardware: Record<string, { ExtraProperties?: { Aliases?: string[] } }>;
      };
      dump.Hardware.x3000c0s9b0n0.ExtraProperties!.Aliases = ["uan-renamed"];
      writeFileSync(sls, JSON.stringify(dump));
      const changed = await list(env);
      expect(changed._meta.hostvars.x3000c0s9b0n0).to.deep.include({
        hostname: { __ansible_unsafe: "uan-renamed" },
      });
      const uncached = await list({ ...env, UAN_K3S_CACHE_TTL: "0" });
      expect(uncached).to.deep.equal(changed);
    });

    it("a group the inventory does not have is an error that names it", async () => {
      expectUserError(
        await run(INVENTORY_SCRIPT, ["--list"], { ...FILES, UAN_K3S_SCOPE: "uan,uans" }),
        /scope names a group the inventory does not have: "uans"[\s\S]*hint: /,
      );
    });

    it("a bad config value, with its path", async () => {
      const config = join(tempDir(), "uan-k3s.yaml");
      writeFileSync(config, `sls_file: ${SEED.sls}\nscope: uans\n`);
      const result = await run(UAN_K3S, ["inventory", "--list", "--config", config]);
      expectUserError(
        result,
        /uan-k3s\.yaml: scope: got "uans"; allowed: one of "all", "k3s", or a list\n/,
      );
    });
  });

  describe("bad input: one message, exit 1, nothing on stdout", () => {
    it("malformed JSON, with line and column", async () => {
      const file = join(tempDir(), "sls.json");
      writeFileSync(file, '{\n  "Networks": {\n    "CAN": ,\n  }\n}\n');
      expectUserError(
        await run(INVENTORY_SCRIPT, ["--list"], { UAN_K3S_SLS_FILE: file }),
        /sls\.json:3:12: invalid JSON: unexpected ","/,
      );
    });

    it("a key given twice (an xname, a network, a property), with both places", async () => {
      const dump = readFileSync(SEED.sls, "utf8");
      const variants: [string, RegExp][] = [
        [
          dump.replace(
            '"x3000c0s9b0n0": {',
            '"x3000c0s9b0n0": {"Xname": "x3000c0s9b0n0"},\n"x3000c0s9b0n0": {',
          ),
          /sls\.json:\d+:1: invalid JSON: duplicate key "x3000c0s9b0n0" \(first at \d+:\d+\)/,
        ],
        [
          dump.replace('"Networks": {', '"Networks": {"CAN": {},'),
          /sls\.json:\d+:\d+: invalid JSON: duplicate key "CAN"/,
        ],
        [
          dump.replace('"Role": "Application"', '"Role": "Compute", "Role": "Application"'),
          /sls\.json:\d+:\d+: invalid JSON: duplicate key "Role"/,
        ],
      ];
      for (const [text, pattern] of variants) {
        expect(text).not.to.equal(dump);
        const file = join(tempDir(), "sls.json");
        writeFileSync(file, text);
        expectUserError(
          await run(INVENTORY_SCRIPT, ["--list"], { UAN_K3S_SLS_FILE: file }),
          pattern,
        );
      }
    });

    it("a wrong shape, with the JSON path", async () => {
      const file = join(tempDir(), "sls.json");
      writeFileSync(
        file,
        JSON.stringify({
          Networks: { CAN: { Name: "CAN", ExtraProperties: { Subnets: [{ Name: 7 }] } } },
        }),
      );
      const result = await run(INVENTORY_SCRIPT, ["--list"], { UAN_K3S_SLS_FILE: file });
      expectUserError(
        result,
        /sls\.json: \/Networks\/CAN\/ExtraProperties\/Subnets\/0\/Name must be string/,
      );
      expect(result.stderr).to.include(
        "/Networks/CAN/ExtraProperties/Subnets/0 must have required property 'CIDR'",
      );
    });

    it("a dump without Networks", async () => {
      const file = join(tempDir(), "sls.json");
      writeFileSync(file, JSON.stringify({ Hardware: {} }));
      expectUserError(
        await run(INVENTORY_SCRIPT, ["--list"], { UAN_K3S_SLS_FILE: file }),
        /sls\.json: \/ must have required property 'Networks'/,
      );
    });

    it("a missing file", async () => {
      expectUserError(
        await run(INVENTORY_SCRIPT, ["--list"], { UAN_K3S_SLS_FILE: "/nonexistent/sls.json" }),
        /cannot read SLS dump \/nonexistent\/sls\.json: no such file/,
      );
    });

    it("an invalid config file, listing every error with its path", async () => {
      const config = join(tempDir(), "uan-k3s.yaml");
      writeFileSync(config, "hostnames: fqdn\nretries: -1\nsls_flie: x\n");
      const result = await run(UAN_K3S, ["inventory", "--list", "--config", config]);
      expectUserError(
        result,
        /uan-k3s\.yaml: hostnames: got "fqdn"; allowed: one of "xname", "alias"\n/,
      );
      expect(result.stderr).to.include(
        "uan-k3s.yaml: retries: got -1; allowed: a whole number of at least 0\n",
      );
      expect(result.stderr).to.include(
        'uan-k3s.yaml: (the whole file): unknown setting "sls_flie" (did you mean sls_file?)',
      );
      expect(result.stderr).to.include("hint: retries: Retries of an API call");
      expect(result.stderr).to.include("`uan-k3s init --output uan-k3s.example.yaml`");
      expect(result.stderr).not.to.include("schemas/");
    });

    it("invalid YAML in the config file, with line and column", async () => {
      const config = join(tempDir(), "uan-k3s.yaml");
      writeFileSync(config, "sls_file: a\nk3s:\n  servers: [uan01\n");
      expectUserError(
        await run(UAN_K3S, ["inventory", "--list", "--config", config]),
        /uan-k3s\.yaml:\d+:\d+: invalid YAML/,
      );
    });

    it("a bad environment value, naming the variable", async () => {
      expectUserError(
        await run(INVENTORY_SCRIPT, ["--list"], { ...FILES, UAN_K3S_HOSTNAMES: "fqdn" }),
        /UAN_K3S_HOSTNAMES: expected xname or alias, got "fqdn"/,
      );
    });

    it("unexpected arguments to the inventory script, with its usage", async () => {
      expectUserError(
        await run(INVENTORY_SCRIPT, ["--lsit"], FILES),
        /unexpected arguments: "--lsit"[\s\S]*usage: uan-k3s-inventory --list \| --host NAME/,
      );
    });

    it("more than one of --list, --host and --graph", async () => {
      expectUserError(
        await run(UAN_K3S, ["inventory", "--list", "--host", "uan01"]),
        /give exactly one of --list, --host NAME or --graph/,
      );
    });

    it("a format the request does not print", async () => {
      expectUserError(
        await run(UAN_K3S, ["inventory", "--graph", "-o", "json", "--sls-file", SEED.sls]),
        /--graph prints text, not json/,
      );
      expectUserError(
        await run(UAN_K3S, ["inventory", "--list", "--output", "x.json", "--sls-file", SEED.sls]),
        /--output goes with --list --format yaml/,
      );
    });

    it("a node in both K3s groups, with the fix", async () => {
      const file = join(tempDir(), "groups.json");
      const both = [
        { label: "k3s_server", members: { ids: ["x3000c0s9b0n0"] } },
        { label: "k3s_agent", members: { ids: ["x3000c0s9b0n0"] } },
      ];
      writeFileSync(file, JSON.stringify(both));
      const result = await run(INVENTORY_SCRIPT, ["--list"], {
        UAN_K3S_SLS_FILE: SEED.sls,
        UAN_K3S_HSM_FILE: file,
      });
      expectUserError(
        result,
        /x3000c0s9b0n0 is both K3s server and agent[\s\S]*hint: Remove it from one group/,
      );
    });
  });
});

describe("uan-k3s inventory shows data to people escaped", () => {
  const ESCAPES = [
    "\u001b[2J",
    "\u001b]0;owned\u0007",
    "\u009b31m",
    "\r",
    "\n",
    "\u202e",
    "\u2028",
  ];
  const RAW =
    /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

  function hostile(): { sls: string; hsm: string } {
    const dir = tempDir();
    const sls = JSON.parse(readFileSync(SEED.sls, "utf8")) as {
      Hardware: Record<string, { ExtraProperties: { Aliases: string[] } }>;
      Networks: Record<
        string,
        { ExtraProperties: { Subnets: { Name: string; IPReservations: object[] }[] } }
      >;
    };
    // Each escape goes into an alias of a UAN; a reservation address, HSM members and a label
    // carry them all.
    const uans = ["x3000c0s9b0n0", "x3000c0s11b0n0", "x3000c0s13b0n0"];
    ESCAPES.forEach((escape, index) => {
      const node = sls.Hardware[uans[index % uans.length]];
      node?.ExtraProperties.Aliases.push(`uan${index}${escape}x`);
      if (index === 0) node.ExtraProperties.Aliases.unshift(`uan${escape}01`);
    });
    const subnet = sls.Networks.CAN?.ExtraProperties.Subnets.find(
      (s) => s.Name === "bootstrap_dhcp",
    );
    // Named for uan02, but the Comment says uan01: the warning quotes name and address.
    subnet?.IPReservations.unshift({
      Name: "uan02",
      IPAddress: `10.102.20.250${ESCAPES.join("")}`,
      Comment: "x3000c0s9b0n0",
    });
    const groups = JSON.parse(readFileSync(SEED.hsm, "utf8")) as object[];
    groups.push({ label: "k3s_agent2", members: { ids: ESCAPES.map((e) => `x1${e}`) } });
    groups.push({ label: `bad${ESCAPES.join("")}`, members: { ids: ["x3000c0s9b0n0"] } });
    const files = { sls: join(dir, "sls.json"), hsm: join(dir, "hsm.json") };
    writeFileSync(files.sls, JSON.stringify(sls));
    writeFileSync(files.hsm, JSON.stringify(groups));
    return files;
  }

  it("--graph escapes control characters in aliases, and stays one line per host", async () => {
    const files = hostile();
    const result = await run(UAN_K3S, [
      "inventory",
      "--graph",
      "--sls-file",
      files.sls,
      "--hsm-file",
      files.hsm,
    ]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).not.to.match(RAW);
    expect(result.stdout).to.include("  |  |--x3000c0s9b0n0 (uan\\x1b[2J01)\n");
    for (const line of result.stdout.trimEnd().split("\n")) {
      expect(line).to.match(/^(@all:|  \|--@\w+:|  \|  \|--\S+( \(.*\))?|\w+: .*)$/);
    }
  });

  it("warnings and errors on stderr escape them too (script and CLI)", async () => {
    const files = hostile();
    const viaScript = await run(INVENTORY_SCRIPT, ["--list"], {
      UAN_K3S_SLS_FILE: files.sls,
      UAN_K3S_HSM_FILE: files.hsm,
    });
    expect(viaScript.code, viaScript.stderr).to.equal(0);
    expect(viaScript.stderr).to.include("\\x1b[2J").and.include("\\u202e");
    expect(viaScript.stderr).not.to.match(RAW);
    for (const line of viaScript.stderr.trimEnd().split("\n")) {
      expect(line).to.match(/^uan-k3s: warning: /);
    }
    // An error quoting data: an HSM member in both K3s groups.
    const both = join(tempDir(), "groups.json");
    const member = "x9\u001b[2J\u202e";
    writeFileSync(
      both,
      JSON.stringify([
        { label: "k3s_server", members: { ids: [member] } },
        { label: "k3s_agent", members: { ids: [member] } },
      ]),
    );
    const clash = await run(UAN_K3S, [
      "inventory",
      "--list",
      "--sls-file",
      files.sls,
      "--hsm-file",
      both,
    ]);
    expect(clash.code).to.equal(1);
    expect(clash.stderr).to.include("x9\\x1b[2J\\u202e is both K3s server and agent");
    expect(clash.stderr).not.to.match(RAW);
  });
});
