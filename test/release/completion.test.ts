import { expect } from "chai";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildProgram } from "../../cli/main";
import { run, tempDir, UAN_K3S } from "../cli/exec";
import { run as runIn } from "../run";
import { needs } from "../tools";

/** Prints what `_uan_k3s` suggests for the words typed so far (the last one being completed). */
const DRIVER = `source "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
_uan_k3s
printf '%s\\n' "\${COMPREPLY[@]}"`;

async function script(shell: "bash" | "zsh"): Promise<string> {
  const result = await run(UAN_K3S, ["completion", shell]);
  expect(result.code, result.stderr).to.equal(0);
  const file = join(tempDir(), `uan-k3s.${shell}`);
  writeFileSync(file, result.stdout);
  return file;
}

describe("uan-k3s completion bash, sourced in real bash", function () {
  needs(this, "bash");
  let file: string;
  let cwd: string;
  before(async () => {
    file = await script("bash");
    cwd = tempDir();
    writeFileSync(join(cwd, "sls.json"), "[]");
    mkdirSync(join(cwd, "checkout"));
  });

  /** The suggestions for `line`, a space-separated command line whose last word is completed. */
  async function complete(line: string): Promise<string[]> {
    const result = await runIn("bash", ["-c", DRIVER, "bash", file, ...line.split(" ")], { cwd });
    expect(result.code, result.stderr).to.equal(0);
    return result.stdout.split("\n").filter((word) => word !== "");
  }

  it("offers the commands and the global flags after the program name", async () => {
    const commands = buildProgram().commands.map((command) => command.name());
    expect(await complete("uan-k3s ")).to.include.members([...commands, "help", "--version"]);
    expect(await complete("uan-k3s in")).to.deep.equal(["inventory", "init"]);
    expect(await complete("uan-k3s gen")).to.deep.equal(["gen-roles"]);
  });

  it("offers each command exactly its own long flags, as commander defines them", async () => {
    for (const command of buildProgram().commands) {
      const flags = command.options.map((option) => option.long as string);
      const offered = (await complete(`uan-k3s ${command.name()} --`)).filter((word) =>
        word.startsWith("--"),
      );
      expect(offered, command.name()).to.have.members([...flags, "--help"]);
    }
  });

  it("offers an option's choices as its value, and nothing else", async () => {
    expect(await complete("uan-k3s inventory --export ")).to.deep.equal(["yaml"]);
    expect(await complete("uan-k3s split --network C")).to.deep.equal(["CAN", "CHN"]);
    expect(await complete("uan-k3s cfs-layer --api ")).to.deep.equal(["v3", "v2"]);
    expect(await complete("uan-k3s completion ")).to.include.members(["bash", "zsh"]);
  });

  it("completes files for a file value, directories for a directory, nothing for free text", async () => {
    expect(await complete("uan-k3s inventory --sls-file s")).to.deep.equal(["sls.json"]);
    expect(await complete("uan-k3s gen-roles --out ")).to.deep.equal(["checkout"]);
    expect(await complete("uan-k3s inventory --host ")).to.deep.equal([]);
  });

  it("keeps to the command's flags past other flags and their values", async () => {
    expect(await complete("uan-k3s inventory --sls-file sls.json --gr")).to.deep.equal(["--graph"]);
    expect(await complete("uan-k3s --help split --net")).to.deep.equal(["--network"]);
    expect(await complete("uan-k3s help gen")).to.deep.equal(["gen-roles"]);
  });
});

describe("uan-k3s completion zsh, loaded in real zsh", function () {
  needs(this, "zsh");
  it("is valid zsh that registers _uan_k3s for uan-k3s with compinit", async () => {
    const file = await script("zsh");
    const syntax = await runIn("zsh", ["-n", file]);
    expect(syntax.code, syntax.stderr).to.equal(0);
    const loaded = await runIn("zsh", [
      "-fc",
      `autoload -Uz compinit && compinit -u -D && source ${file} && print -r -- $_comps[uan-k3s] && whence -w _uan_k3s`,
    ]);
    expect(loaded.code, loaded.stderr).to.equal(0);
    expect(loaded.stdout).to.equal("_uan_k3s\n_uan_k3s: function\n");
  });

  it("describes every command and lists each command's flags and choices", async () => {
    const text = (await run(UAN_K3S, ["completion", "zsh"])).stdout;
    for (const command of buildProgram().commands) {
      expect(text).to.include(`'${command.name()}:`);
      for (const option of command.options) expect(text).to.include(`'${option.long}[`);
    }
    expect(text).to.include(":choice:(CAN CHN)'");
  });
});

describe("uan-k3s man, rendered by groff and man", function () {
  needs(this, "groff", "man");
  let page: string;
  before(async () => {
    const result = await run(UAN_K3S, ["man"]);
    expect(result.code, result.stderr).to.equal(0);
    page = join(tempDir(), "uan-k3s.1");
    writeFileSync(page, result.stdout);
  });

  it("renders without a groff warning", async () => {
    const result = await runIn("groff", ["-man", "-Tutf8", "-ww", "-z", page]);
    expect(result.code).to.equal(0);
    expect(result.stderr).to.equal("");
  });

  it("shows every command and every flag, as man -l shows it", async () => {
    const result = await runIn("man", ["-l", page], {
      env: { MANWIDTH: "200", MAN_KEEP_FORMATTING: "0" },
    });
    expect(result.code, result.stderr).to.equal(0);
    const text = result.stdout.replace(/.\x08/g, ""); // overstrike bold, if any
    expect(text).to.match(/^UAN-K3S\(1\)/);
    for (const command of buildProgram().commands) {
      expect(text, command.name()).to.include(`uan-k3s ${command.name()}`);
      for (const option of command.options) expect(text).to.include(option.flags);
    }
  });

  it("carries no date: the same program gives the same bytes", async () => {
    const again = await run(UAN_K3S, ["man"]);
    expect(again.stdout).to.equal(readFileSync(page, "utf8"));
    expect(again.stdout).to.match(/^\.TH UAN\\-K3S 1 "" "uan\\-k3s 0\.\d+\.\d+ \(commit /m);
  });
});
