/**
 * `npm run bench`: how much slower and bigger `uan-k3s-inventory --list` is than the least
 * a plain Node script needs for the same inventory (bench/floor.ts), and how much slower
 * `uan-k3s --version` starts than `node -e 0`, for the npm install and for the single executable
 * (built here as the release builds it); how long `split` and `gen-roles` take on 10,000
 * nodes and `uan-k3s subid` on 100,000 users, against absolute targets; and how long real
 * Ansible takes to read the inventory with scope k3s on 100,000 nodes against 50. Runs alternate (floor, ours, floor, ours, ...)
 * so that drifting machine load hits both sides alike; each figure is a median.
 * Exits 1 when a ratio misses its target. A benchmark, not a test: never run by mocha.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/fs";
import { projectPath } from "../core/paths";
import { buildLargeSystem, renderJson, type BuiltSystem } from "../fixtures/build";
import { INVENTORY_COMMAND } from "../packaging/layout";

const GNU_TIME = "/usr/bin/time";
const UANS = 32;

interface Command {
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

interface Sample {
  /** Measured around the child with a monotonic clock: GNU time's %e has 10 ms steps. */
  readonly wallMs: number;
  /** Peak resident set size (GNU time %M). */
  readonly rssKb: number;
}

interface Row {
  readonly label: string;
  readonly floorLabel: string;
  readonly floor: readonly Sample[];
  readonly ours: readonly Sample[];
  /** undefined: shown for comparison, not judged. */
  readonly wallTarget?: number;
  /** undefined: RSS is shown but not judged. */
  readonly rssTarget?: number;
}

const benchDir = projectPath(".bench");

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** The environment of every child: nothing from the caller's uan-k3s settings leaks in. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("UAN_K3S_")) continue;
    if (["TOKEN", "CRAY_CREDENTIALS", "REQUESTS_CA_BUNDLE", "XDG_CACHE_HOME"].includes(key))
      continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

function checkGnuTime(): void {
  const probe = existsSync(GNU_TIME)
    ? spawnSync(GNU_TIME, ["-f", "%e %M", "true"], { encoding: "utf8" })
    : undefined;
  if (probe === undefined || probe.status !== 0 || !/^\d+\.\d+ \d+\s*$/.test(probe.stderr)) {
    process.stderr.write(
      `bench: GNU time (${GNU_TIME}) is needed to measure peak memory.\n` +
        "Install it with: apt-get install time\n",
    );
    process.exit(1);
  }
}

function checkExecutables(): void {
  for (const name of ["uan-k3s", "uan-k3s-inventory"]) {
    if (!existsSync(projectPath("bin", name))) {
      process.stderr.write(`bench: bin/${name} does not exist yet; nothing to measure.\n`);
      process.exit(1);
    }
  }
}

/** Runs `command` to completion; rejects, with its stderr, unless it exits 0. */
function run(
  command: Command,
  stdout: "ignore" | "pipe",
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command.argv;
    const child = spawn(file, args, {
      cwd: benchDir,
      env: command.env,
      stdio: ["ignore", stdout, "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0) resolve({ stdout: Buffer.concat(out).toString("utf8"), stderr });
      else
        reject(
          new Error(
            `${command.argv.join(" ")} exited with ${signal ?? code}:\n${stderr.slice(-2000)}`,
          ),
        );
    });
  });
}

/** One timed run under GNU time, its stdout thrown away. */
async function measure(command: Command): Promise<Sample> {
  const report = join(benchDir, `.time-${process.pid}`);
  const timed = { ...command, argv: [GNU_TIME, "-f", "%e %M", "-o", report, ...command.argv] };
  const start = process.hrtime.bigint();
  await run(timed, "ignore");
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const lines = readFileSync(report, "utf8").trim().split("\n");
  rmSync(report, { force: true });
  const rssKb = Number(lines[lines.length - 1].split(" ")[1]);
  if (!Number.isFinite(rssKb)) throw new Error(`cannot read GNU time's report: ${lines.join(" ")}`);
  return { wallMs, rssKb };
}

/** `runs` alternating pairs; `ours` is called before each run (e.g. for a fresh cache). */
async function compare(
  floor: Command,
  ours: () => Command,
  runs: number,
): Promise<{ floor: Sample[]; ours: Sample[] }> {
  const result = { floor: [] as Sample[], ours: [] as Sample[] };
  for (let i = 0; i < runs; i += 1) {
    result.floor.push(await measure(floor));
    result.ours.push(await measure(ours()));
  }
  return result;
}

interface InventoryDocument {
  Compute?: { hosts?: unknown[] };
  Application_UAN?: { hosts?: unknown[] };
  _meta?: { hostvars?: Record<string, unknown> };
}

/** Runs a --list once and checks that it printed the whole inventory as JSON. */
async function checkList(command: Command, what: string, computes: number): Promise<number> {
  const { stdout } = await run(command, "pipe");
  let document: InventoryDocument;
  try {
    document = JSON.parse(stdout) as InventoryDocument;
  } catch (error) {
    throw new Error(`${what} did not print valid JSON: ${(error as Error).message}`);
  }
  const hosts = Object.keys(document._meta?.hostvars ?? {}).length;
  if (
    document.Compute?.hosts?.length !== computes ||
    document.Application_UAN?.hosts?.length !== UANS
  ) {
    throw new Error(`${what} did not list ${computes} computes and ${UANS} UANs`);
  }
  return hosts;
}

interface SystemFiles {
  readonly sls: string;
  readonly hsm: string;
  readonly system: BuiltSystem;
}

const written = new Map<number, SystemFiles>();

/** Writes a generated system as `cray sls dumpstate list --format json` would print it. */
function writeSystem(computes: number): SystemFiles {
  const done = written.get(computes);
  if (done !== undefined) return done;
  log(`generating ${computes} computes + ${UANS} UANs`);
  const system = buildLargeSystem(computes, UANS);
  const files = {
    sls: join(benchDir, `sls-${computes}.json`),
    hsm: join(benchDir, `hsm-groups-${computes}.json`),
    system,
  };
  writeFileAtomic(files.sls, renderJson(system.sls));
  writeFileAtomic(files.hsm, renderJson(system.groups));
  written.set(computes, files);
  return files;
}

function floorCommand(files: SystemFiles): Command {
  const floor = projectPath("dist", "bench", "floor.js");
  return { argv: [process.execPath, floor, files.sls, files.hsm], env: cleanEnv({}) };
}

const inventoryScript = (): string => projectPath("bin", "uan-k3s-inventory");

/** The two commands as one install gives them: the npm package's bin/, or the executable. */
interface Install {
  /** Put before each row's label; "" for the npm package. */
  readonly label: string;
  readonly main: string;
  readonly inventory: string;
}

const NPM_INSTALL: Install = {
  label: "",
  main: projectPath("bin", "uan-k3s"),
  inventory: inventoryScript(),
};

/**
 * The single executable, built from this checkout as `npm run release` builds it (no Node
 * needed where it runs), with uan-k3s-inventory a symlink to it as the RPM installs it.
 * Undefined, and said so, without the release toolchain.
 */
async function singleExecutable(): Promise<Install | undefined> {
  const { buildExecutable, OFFICIAL_NODE } = await import("../packaging/sea");
  if (!existsSync(OFFICIAL_NODE)) {
    log(
      "the release toolchain is not installed: skipping the single executable rows (npm ci --prefix packaging)",
    );
    return undefined;
  }
  const dir = join(benchDir, "sea");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "work"), { recursive: true });
  const main = join(dir, "uan-k3s");
  log("building the single executable");
  await buildExecutable(join(dir, "work"), main);
  const inventory = join(dir, INVENTORY_COMMAND);
  symlinkSync("uan-k3s", inventory);
  dropFromPageCache([main, process.execPath]);
  return { label: "single executable: ", main, inventory };
}

/**
 * Puts the executable and the Node of the floor in the same state: out of the page cache, so
 * that the runs read both back from disk. A file just written stays cached in large folios,
 * which Linux 6 maps whole when a program first touches them: the executable, built a moment
 * ago, started with 12 MiB more resident memory than the same bytes read back from disk, a
 * cost no admin's copy, installed days before, pays. posix_fadvise through dd drops only
 * clean pages, hence the sync first; neither needs root.
 */
function dropFromPageCache(files: readonly string[]): void {
  for (const file of files) {
    const fd = openSync(file, "r");
    try {
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const dd = spawnSync("dd", [`if=${file}`, "iflag=nocache", "count=0", "status=none"], {
      encoding: "utf8",
    });
    if (dd.status !== 0)
      throw new Error(`dd could not drop ${file} from the page cache: ${dd.stderr ?? dd.error}`);
  }
}

async function fileSourceRow(computes: number, runs: number, install = NPM_INSTALL): Promise<Row> {
  const files = writeSystem(computes);
  const floor = floorCommand(files);
  const ours: Command = {
    argv: [install.inventory, "--list"],
    env: cleanEnv({ UAN_K3S_SLS_FILE: files.sls, UAN_K3S_HSM_FILE: files.hsm }),
  };
  const floorHosts = await checkList(floor, "the floor", computes);
  const ourHosts = await checkList(ours, `${install.inventory} --list`, computes);
  if (floorHosts !== ourHosts) {
    throw new Error(`the floor listed ${floorHosts} hosts but ${install.inventory} ${ourHosts}`);
  }
  log(`measuring ${install.label}${computes} computes, ${runs} runs each`);
  const samples = await compare(floor, () => ours, runs);
  return {
    label: `${install.label}inventory --list, file, ${computes} computes`,
    floorLabel: "floor (file)",
    ...samples,
    wallTarget: 1.3,
    rssTarget: 1.3,
  };
}

/**
 * The API source against the simulator, each run with an empty cache: token, SLS and HSM
 * come over TLS from 127.0.0.1. Compared with the same file floor, so it shows the whole
 * price of fetching.
 */
async function apiSourceRow(computes: number, runs: number): Promise<Row> {
  const { startSimulator } = await import("../simulator/server");
  const files = writeSystem(computes);
  const { sls, groups } = files.system;
  const clientSecret = randomBytes(24).toString("base64url");
  const sim = await startSimulator({ sls, groups, clientSecret });
  const secretFile = join(benchDir, "client-secret");
  writeFileAtomic(secretFile, clientSecret, 0o600);
  const caches = mkdtempSync(join(benchDir, "cache-"));
  let fresh = 0;
  const ours = (): Command => {
    const cache = join(caches, String((fresh += 1)));
    mkdirSync(cache);
    return {
      argv: [inventoryScript(), "--list"],
      env: cleanEnv({
        UAN_K3S_API_GATEWAY: sim.url,
        UAN_K3S_CA_CERT: sim.caFile,
        UAN_K3S_CLIENT_SECRET_FILE: secretFile,
        UAN_K3S_CACHE_TTL: "0",
        XDG_CACHE_HOME: cache,
      }),
    };
  };
  try {
    const floor = floorCommand(files);
    await checkList(ours(), "uan-k3s-inventory --list (API)", computes);
    log(`measuring the API source, ${computes} computes, ${runs} runs each`);
    const samples = await compare(floor, ours, runs);
    return {
      label: `inventory --list, API (simulator, cold cache), ${computes} computes`,
      floorLabel: "floor (file)",
      ...samples,
      wallTarget: 2.5,
      rssTarget: 2.5,
    };
  } finally {
    await sim.stop();
    rmSync(caches, { recursive: true, force: true });
    rmSync(secretFile, { force: true });
  }
}

/** Whether `tool` runs here; the Ansible rows are skipped, and said so, where it does not. */
function hasTool(tool: string): boolean {
  return spawnSync(tool, ["--version"], { stdio: "ignore" }).status === 0;
}

/**
 * What an admin waits for with scope k3s: real Ansible reading the inventory script on the
 * large system against the same command on a 50-node one. Both run with a warm inventory cache
 * (one untimed run first), as every Ansible command after the first does; the first run after
 * the dump changes pays for reading it whole, as the file rows above show.
 */
async function ansibleRows(runs: number): Promise<Row[]> {
  if (!hasTool("ansible-inventory") || !hasTool("ansible-playbook")) {
    log(
      "ansible-inventory or ansible-playbook not found: skipping the Ansible rows (apt-get install ansible-core)",
    );
    return [];
  }
  const small = writeSystem(50);
  const large = writeSystem(100_000);
  const tree = join(benchDir, "uan-config-management");
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree);
  await run(
    {
      argv: [
        projectPath("bin", "uan-k3s"),
        "gen-roles",
        "--out",
        tree,
        "--sls-file",
        small.sls,
        "--hsm-file",
        small.hsm,
      ],
      env: cleanEnv({}),
    },
    "ignore",
  );
  const cache = mkdtempSync(join(benchDir, "cache-"));
  const command = (files: SystemFiles, argv: readonly string[]): Command => ({
    argv,
    env: cleanEnv({
      UAN_K3S_SLS_FILE: files.sls,
      UAN_K3S_HSM_FILE: files.hsm,
      UAN_K3S_SCOPE: "k3s",
      XDG_CACHE_HOME: cache,
      // A failing script must fail the bench, not time an empty inventory.
      ANSIBLE_INVENTORY_UNPARSED_FAILED: "true",
      ANSIBLE_INVENTORY_PLUGIN_SCRIPT_STDERR: "false",
    }),
  });
  const cases = [
    {
      label: "ansible-inventory --graph k3s_server, scope k3s",
      argv: ["ansible-inventory", "-i", inventoryScript(), "--graph", "k3s_server"],
      expect: /@k3s_server:\n\s+\|--x3000c0s9b0n0\n/,
    },
    {
      label: "ansible-playbook --list-hosts k3s_validate.yml, scope k3s",
      argv: [
        "ansible-playbook",
        "-i",
        inventoryScript(),
        "--list-hosts",
        join(tree, "k3s_validate.yml"),
      ],
      expect: new RegExp(`pattern: \\['k3s_server:k3s_agent'\\]\\n\\s+hosts \\(${UANS}\\):`),
    },
  ];
  const rows: Row[] = [];
  try {
    for (const { label, argv, expect } of cases) {
      const baseline = command(small, argv);
      const ours = command(large, argv);
      for (const [files, warm] of [
        [small, baseline],
        [large, ours],
      ] as const) {
        const { stdout } = await run(warm, "pipe"); // also fills the inventory cache
        if (!expect.test(stdout))
          throw new Error(`${argv.join(" ")} on ${files.sls} printed:\n${stdout.slice(0, 2000)}`);
      }
      log(`measuring ${label}, ${runs} runs each`);
      const samples = await compare(baseline, () => ours, runs);
      rows.push({
        label: `${label}, 100000 computes`,
        floorLabel: "same, 50 computes",
        ...samples,
        wallTarget: 1.5,
      });
    }
    // The price of the first command after the dump changes: each run with an empty cache.
    const [graph] = cases;
    let fresh = 0;
    const cold = (): Command => {
      const base = command(large, graph.argv);
      const dir = join(cache, `cold-${(fresh += 1)}`);
      return { ...base, env: { ...base.env, XDG_CACHE_HOME: dir } };
    };
    log(`measuring ${graph.label} with a cold cache, ${runs} runs each`);
    rows.push({
      label: `${graph.label}, 100000 computes, cold cache`,
      floorLabel: "same, 50 computes",
      ...(await compare(command(small, graph.argv), cold, runs)),
    });
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
  return rows;
}

async function versionRow(runs: number, install = NPM_INSTALL): Promise<Row> {
  const ours: Command = { argv: [install.main, "--version"], env: cleanEnv({}) };
  await run(ours, "ignore");
  log(`measuring ${install.label}--version, ${runs} runs each`);
  const samples = await compare(
    { argv: [process.execPath, "-e", "0"], env: cleanEnv({}) },
    () => ours,
    runs,
  );
  return {
    label: `${install.label}uan-k3s --version`,
    floorLabel: "node -e 0",
    ...samples,
    wallTarget: 1.2,
    rssTarget: 1.2,
  };
}

/** A measurement judged against a fixed time rather than a floor. */
interface AbsoluteRow {
  readonly label: string;
  readonly samples: readonly Sample[];
  readonly targetMs: number;
}

const SUBID_USERS = 100_000;
/**
 * Ids per user in the subid benchmark: 65536 (the default) fits only 65,534 users below
 * 2^32, so a site with 100,000 users must give each fewer; 40,000 fits them all.
 */
const SUBID_COUNT = 40_000;

/**
 * `getent passwd` for `users` people (uids from 10000, a few hundred of them up among the
 * subordinate ranges, which new ranges must step over) and the usual system accounts.
 */
function benchPasswd(users: number): string {
  const lines = [
    "root:x:0:0:root:/root:/bin/bash",
    "daemon:x:2:2:Daemon:/sbin:/sbin/nologin",
    "nobody:x:65534:65534:nobody:/var/lib/nobody:/bin/bash",
  ];
  for (let i = 0; i < users; i += 1) {
    const uid = i % 250 === 0 ? 100_000 + i * 39_997 : 10_000 + i;
    lines.push(`user${i}:x:${uid}:${12_790 + (i % 40)}:User ${i}:/home/users/user${i}:/bin/bash`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * `bin/uan-k3s subid` as an admin runs it: reads passwd (and the existing files), plans,
 * writes both files and prints the summary. Two cases: a first run, and an update of existing
 * files for 99% of the users (the check of every existing line makes it the slower one).
 */
async function subidRows(runs: number): Promise<AbsoluteRow[]> {
  const dir = join(benchDir, "subid");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`generating a passwd file of ${SUBID_USERS} users`);
  const passwd = join(dir, "passwd");
  const earlier = join(dir, "passwd-earlier");
  const text = benchPasswd(SUBID_USERS);
  writeFileAtomic(passwd, text);
  writeFileAtomic(
    earlier,
    text
      .split("\n")
      .filter((_, i) => i % 100 !== 50)
      .join("\n"),
  );
  const command = (options: { passwd: string; out: string; existing?: string }): Command => ({
    argv: [
      projectPath("bin", "uan-k3s"),
      "subid",
      "--passwd",
      options.passwd,
      "--count",
      String(SUBID_COUNT),
      "--out",
      options.out,
      ...(options.existing === undefined
        ? []
        : [
            "--existing-subuid",
            join(options.existing, "subuid"),
            "--existing-subgid",
            join(options.existing, "subgid"),
          ]),
    ],
    env: cleanEnv({}),
  });
  const base = join(dir, "base");
  await run(command({ passwd: earlier, out: base }), "ignore");
  const ranges = readFileSync(join(base, "subuid"), "utf8").split("\n").length - 1;
  if (ranges < SUBID_USERS * 0.98)
    throw new Error(`the subid base run wrote only ${ranges} ranges`);
  let fresh = 0;
  const out = (): string => join(dir, `out-${(fresh += 1)}`);
  const first = (): Command => command({ passwd, out: out() });
  const update = (): Command => command({ passwd, out: out(), existing: base });
  log(`measuring subid, ${SUBID_USERS} users, ${runs} runs each`);
  const samples = { first: [] as Sample[], update: [] as Sample[] };
  for (let i = 0; i < runs; i += 1) {
    samples.first.push(await measure(first()));
    samples.update.push(await measure(update()));
  }
  rmSync(dir, { recursive: true, force: true });
  const label = `uan-k3s subid, ${SUBID_USERS} users`;
  return [
    { label: `${label}, first run`, samples: samples.first, targetMs: 2000 },
    { label: `${label}, update of 99%`, samples: samples.update, targetMs: 2000 },
  ];
}

/**
 * `split` (the plan, every address check and the report files) and `gen-roles` (the whole
 * tree) on the 10,000-compute dump, each in a fresh output directory, against one second.
 */
async function pipelineRows(runs: number): Promise<AbsoluteRow[]> {
  const files = writeSystem(10_000);
  const dir = mkdtempSync(join(benchDir, "pipeline-"));
  const sources = ["--sls-file", files.sls, "--hsm-file", files.hsm];
  let fresh = 0;
  const out = (): string => join(dir, String((fresh += 1)));
  const commands = {
    split: (): Command => ({
      argv: [projectPath("bin", "uan-k3s"), "split", ...sources, "--out", out()],
      env: cleanEnv({}),
    }),
    "gen-roles": (): Command => {
      const tree = out();
      mkdirSync(tree);
      return {
        argv: [projectPath("bin", "uan-k3s"), "gen-roles", ...sources, "--out", tree],
        env: cleanEnv({}),
      };
    },
  };
  const rows: AbsoluteRow[] = [];
  try {
    for (const [name, command] of Object.entries(commands)) {
      await run(command(), "ignore"); // fails the bench if the command fails
      log(`measuring ${name}, 10000 computes, ${runs} runs`);
      const samples: Sample[] = [];
      for (let i = 0; i < runs; i += 1) samples.push(await measure(command()));
      rows.push({ label: `uan-k3s ${name}, 10000 computes`, samples, targetMs: 1000 });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** Prints one PASS/FAIL line per row; returns whether every target was met. */
function reportAbsolute(rows: readonly AbsoluteRow[]): boolean {
  let allPass = true;
  for (const row of rows) {
    const wall = median(row.samples.map((s) => s.wallMs));
    const rss = median(row.samples.map((s) => s.rssKb));
    const pass = wall < row.targetMs;
    allPass &&= pass;
    process.stdout.write(
      `${row.label}: ${wall.toFixed(0)} ms, ${(rss / 1024).toFixed(0)} MiB; target wall < ${row.targetMs} ms  ${pass ? "PASS" : "FAIL"}\n`,
    );
  }
  return allPass;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Prints the table; returns whether every target was met. */
function report(rows: readonly Row[]): boolean {
  const header = [
    "measurement",
    "baseline",
    "base wall",
    "base RSS",
    "ours wall",
    "ours RSS",
    "wall x",
    "RSS x",
    "target",
    "result",
  ];
  let allPass = true;
  const lines = rows.map((row) => {
    const floorWall = median(row.floor.map((s) => s.wallMs));
    const floorRss = median(row.floor.map((s) => s.rssKb));
    const ourWall = median(row.ours.map((s) => s.wallMs));
    const ourRss = median(row.ours.map((s) => s.rssKb));
    const wallRatio = ourWall / floorWall;
    const rssRatio = ourRss / floorRss;
    const pass =
      row.wallTarget === undefined ||
      (wallRatio <= row.wallTarget && (row.rssTarget === undefined || rssRatio <= row.rssTarget));
    allPass &&= pass;
    const target =
      row.wallTarget === undefined
        ? "(not judged)"
        : row.rssTarget === undefined
          ? `wall <= ${row.wallTarget}`
          : `wall, RSS <= ${row.wallTarget}`;
    return [
      row.label,
      row.floorLabel,
      `${floorWall.toFixed(0)} ms`,
      `${(floorRss / 1024).toFixed(0)} MiB`,
      `${ourWall.toFixed(0)} ms`,
      `${(ourRss / 1024).toFixed(0)} MiB`,
      wallRatio.toFixed(2),
      rssRatio.toFixed(2),
      target,
      row.wallTarget === undefined ? "" : pass ? "PASS" : "FAIL",
    ];
  });
  const table = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...table.map((cells) => cells[i].length)));
  for (const cells of table) {
    process.stdout.write(
      `${cells
        .map((cell, i) => cell.padEnd(widths[i]))
        .join("  ")
        .trimEnd()}\n`,
    );
  }
  return allPass;
}

async function main(): Promise<void> {
  checkGnuTime();
  checkExecutables();
  mkdirSync(benchDir, { recursive: true });
  const rows: Row[] = [];
  rows.push(await fileSourceRow(10_000, 9));
  rows.push(await fileSourceRow(100_000, 5));
  rows.push(await apiSourceRow(10_000, 7));
  rows.push(...(await ansibleRows(5)));
  rows.push(await versionRow(11));
  const executable = await singleExecutable();
  if (executable !== undefined) {
    rows.push(await fileSourceRow(10_000, 9, executable));
    rows.push(await fileSourceRow(100_000, 5, executable));
    rows.push(await versionRow(11, executable));
  }
  const absolute = [...(await pipelineRows(5)), ...(await subidRows(5))];
  process.stdout.write(`node ${process.version}, medians of alternating runs\n`);
  if (!report(rows)) process.exitCode = 1;
  if (!reportAbsolute(absolute)) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 2;
  });
}
