import { expect } from "chai";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../core/errors";
import { MemoryLog } from "../../core/log";
import { checkoutHead, remoteBranchHead, resolveRevision, vcsCredentials } from "../../cfs";
import { expectNoSecrets } from "../csm/harness";
import { userErrorFrom } from "../split/helpers";
import { rejected } from "./fixtures";
import { needs } from "../tools";

const USERNAME = "crayvcs";
const PASSWORD = "vcs-Pa55word-for-the-tests";
const BRANCH = "integration-2.6.0";

/** git for setting up fixtures, with an identity and no system or global configuration. */
function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    "git",
    [
      "-c",
      "user.name=Test",
      "-c",
      "user.email=test@localhost",
      "-c",
      "init.defaultBranch=main",
      ...args,
    ],
    {
      cwd,
      encoding: "utf8",
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  ).trim();
}

describe("cfs-layer: git", function () {
  needs(this, "git");
  let dir: string;
  let remote: string;
  let work: string;
  let branchSha: string;
  let log: MemoryLog;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "uan-k3s-cfs-git-"));
    remote = join(dir, "uan-config-management.git");
    work = join(dir, "work");
    git(dir, "init", "--quiet", "--bare", remote);
    git(dir, "clone", "--quiet", remote, work);
    writeFileSync(join(work, "k3s.yml"), "- hosts: all\n");
    git(work, "add", "k3s.yml");
    git(work, "commit", "--quiet", "-m", "K3s playbook");
    git(work, "push", "--quiet", "origin", `HEAD:refs/heads/${BRANCH}`, "HEAD:refs/heads/main");
    branchSha = git(work, "rev-parse", "HEAD");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    log = new MemoryLog();
  });
  afterEach(() => {
    git(work, "reset", "--quiet", "--hard", branchSha);
    git(work, "clean", "--quiet", "-fd");
  });

  describe("a branch on the remote", () => {
    it("resolves to the commit at its head", async () => {
      expect(await remoteBranchHead(`file://${remote}`, BRANCH, { log })).to.equal(branchSha);
      expect(log.infos).to.deep.equal([`branch ${BRANCH} of file://${remote} is at ${branchSha}`]);
    });

    it("that does not exist is a UserError listing the branches there", async () => {
      const error = await rejected(
        remoteBranchHead(`file://${remote}`, "integration-9.9", { log }),
      );
      expect(error.message).to.equal(`branch integration-9.9 does not exist in file://${remote}`);
      expect(error.hint).to.equal(`Its branches: ${BRANCH}, main.`);
    });

    it("of a repository that does not exist is a UserError with git's complaint", async () => {
      const error = await rejected(remoteBranchHead(`file://${dir}/nope.git`, BRANCH, { log }));
      expect(error.message).to.match(
        /^git ls-remote file:\/\/.*\/nope\.git failed: .*does not appear to be a git repository/,
      );
    });
  });

  it("resolves each kind of revision source", async () => {
    const url = `file://${remote}`;
    const sha = "0123456789abcdef0123456789abcdef01234567";
    expect(await resolveRevision({ kind: "commit", commit: sha }, url, { log })).to.deep.equal({
      commit: sha,
    });
    expect(await resolveRevision({ kind: "checkout", dir: work }, url, { log })).to.deep.equal({
      commit: branchSha,
    });
    expect(await resolveRevision({ kind: "branch", branch: BRANCH }, url, { log })).to.deep.equal({
      commit: branchSha,
    });
    // Kept for CFS: not even looked up, so it works without VCS access.
    expect(
      await resolveRevision(
        { kind: "branch", branch: BRANCH, keepBranch: true },
        "https://unreachable.invalid/r.git",
        { log },
      ),
    ).to.deep.equal({ branch: BRANCH });
  });

  describe("HEAD of a checkout", () => {
    const url = (): string => `file://${remote}`;

    it("is the commit, with nothing to warn about when clean and pushed", async () => {
      expect(await checkoutHead(work, url(), { log })).to.equal(branchSha);
      expect(log.warnings).to.deep.equal([]);
    });

    it("is refused with modified tracked files, naming them, unless allowDirty", async () => {
      writeFileSync(join(work, "k3s.yml"), "- hosts: none\n");
      const error = await rejected(checkoutHead(work, url(), { log }));
      expect(error.message).to.equal(
        `${work} has 1 modified file(s) that are not in commit ${branchSha}: k3s.yml`,
      );
      expect(error.hint).to.include("--allow-dirty");
      expect(await checkoutHead(work, url(), { log, allowDirty: true })).to.equal(branchSha);
      expect(log.warnings).to.deep.equal([
        `${work} has 1 modified file(s) that are not in commit ${branchSha}; using HEAD as it is`,
      ]);
    });

    it("warns about untracked files", async () => {
      writeFileSync(join(work, "notes.txt"), "x\n");
      expect(await checkoutHead(work, url(), { log })).to.equal(branchSha);
      expect(log.warnings).to.deep.equal([
        `${work} has 1 untracked file(s); they are not in commit ${branchSha}`,
      ]);
    });

    it("warns about a commit that is on no remote-tracking branch", async () => {
      git(work, "commit", "--quiet", "--allow-empty", "-m", "not pushed");
      const sha = await checkoutHead(work, url(), { log });
      expect(sha).to.not.equal(branchSha);
      expect(log.warnings).to.deep.equal([
        `commit ${sha} is on no remote-tracking branch of ${work}: push it, or CFS cannot check it out`,
      ]);
    });

    it("warns when the checkout is of another repository than the layer clones", async () => {
      await checkoutHead(
        work,
        "https://api-gw-service-nmn.local/vcs/cray/cos-config-management.git",
        { log },
      );
      expect(log.warnings[0]).to.match(
        /is a checkout of .*\/uan-config-management, but the layer clones \/vcs\/cray\/cos-config-management$/,
      );
    });

    it("of a directory that is no checkout is a UserError", async () => {
      const empty = join(dir, "empty");
      mkdirSync(empty, { recursive: true });
      const error = await rejected(
        checkoutHead(empty, url(), { log, env: { ...process.env, GIT_CEILING_DIRECTORIES: dir } }),
      );
      expect(error.message).to.match(/is not a git checkout with a commit: .*not a git repository/);
    });
  });

  describe("credentials", () => {
    let server: Server;
    let port: number;
    let seen: (string | undefined)[];
    let bin: string;
    let argvLog: string;

    before(async () => {
      // A dumb-HTTP git remote that, like Gitea, wants Basic credentials for everything.
      server = createServer((req, res) => {
        seen.push(req.headers.authorization);
        const expected = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64")}`;
        if (req.headers.authorization !== expected) {
          res.writeHead(401, { "WWW-Authenticate": 'Basic realm="Gitea"' });
          res.end("Unauthorized\n");
        } else if (req.url?.startsWith("/vcs/cray/uan-config-management.git/info/refs")) {
          res.writeHead(200, { "content-type": "text/plain" });
          res.end(`${branchSha}\trefs/heads/${BRANCH}\n`);
        } else {
          res.writeHead(404);
          res.end();
        }
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as AddressInfo).port;
      // A git in front of the real one that records every command line and askpass script.
      bin = join(dir, "bin");
      argvLog = join(dir, "argv.log");
      mkdirSync(bin, { recursive: true });
      const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
      writeFileSync(
        join(bin, "git"),
        `#!/bin/sh\nprintf 'argv: %s\\naskpass: %s\\n' "$*" "$GIT_ASKPASS" >> '${argvLog}'\nexec '${realGit}' "$@"\n`,
      );
      chmodSync(join(bin, "git"), 0o755);
    });
    after(() => new Promise((resolve) => server.close(resolve)));
    beforeEach(() => {
      seen = [];
      writeFileSync(argvLog, "");
    });

    const url = (): string => `http://127.0.0.1:${port}/vcs/cray/uan-config-management.git`;
    const env = (): NodeJS.ProcessEnv => ({
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      // Were any of these set, git must not use them for a 127.0.0.1 remote anyway.
      NO_PROXY: "127.0.0.1",
      no_proxy: "127.0.0.1",
    });

    it("reach git through GIT_ASKPASS only: never on a command line, and the script is removed", async () => {
      const credentials = { username: USERNAME, password: PASSWORD };
      expect(await remoteBranchHead(url(), BRANCH, { log, env: env(), credentials })).to.equal(
        branchSha,
      );
      expect(seen.filter((header) => header !== undefined)).to.have.length.greaterThan(0);
      const recorded = readFileSync(argvLog, "utf8");
      expect(recorded).to.include(`argv: -c credential.helper= ls-remote --heads -- ${url()}`);
      expect(recorded).not.to.include(PASSWORD);
      expect(recorded).not.to.include(USERNAME);
      const askpass = /askpass: (\S+)/.exec(recorded)?.[1];
      expect(askpass).to.be.a("string");
      expect(existsSync(askpass as string)).to.equal(false);
      expectNoSecrets([...log.infos, ...log.warnings], [PASSWORD]);
    });

    it("that are wrong give a UserError that does not carry them", async () => {
      const credentials = { username: USERNAME, password: `${PASSWORD}-wrong` };
      const error = await rejected(
        remoteBranchHead(url(), BRANCH, { log, env: env(), credentials }),
      );
      expect(error.message).to.match(
        /^VCS refused access to http:\/\/127\.0\.0\.1:\d+\/vcs\/cray\/uan-config-management\.git: .*Authentication failed/,
      );
      expect(error.hint).to.include("VCS_PASSWORD");
      expectNoSecrets([error, readFileSync(argvLog, "utf8")], [PASSWORD]);
    });

    it("that are missing give a UserError that says how to pass them, without prompting", async () => {
      const error = await rejected(
        remoteBranchHead(url(), BRANCH, {
          log,
          env: { ...env(), GIT_ASKPASS: "/bin/false-askpass-that-must-not-run" },
        }),
      );
      expect(error.message).to.include("VCS refused access");
      expect(error.message).to.include("terminal prompts disabled");
      expect(error.hint).to.include("vcs-user-credentials");
    });

    describe("from the environment or a file", () => {
      it("come from VCS_USERNAME and VCS_PASSWORD, both or neither", () => {
        expect(
          vcsCredentials({ env: { VCS_USERNAME: USERNAME, VCS_PASSWORD: PASSWORD } }, log),
        ).to.deep.equal({
          username: USERNAME,
          password: PASSWORD,
        });
        expect(vcsCredentials({ env: {} }, log)).to.equal(undefined);
        expect(() => vcsCredentials({ env: { VCS_USERNAME: USERNAME } }, log)).to.throw(
          UserError,
          "VCS_PASSWORD is not set (or empty) while VCS_USERNAME is",
        );
      });

      it("come from a file of JSON or of two lines, which wins over the environment", () => {
        const json = join(dir, "vcs.json");
        writeFileSync(json, JSON.stringify({ username: USERNAME, password: PASSWORD }), {
          mode: 0o600,
        });
        const lines = join(dir, "vcs.txt");
        writeFileSync(lines, `${USERNAME}\n${PASSWORD}\n`, { mode: 0o600 });
        const env = { VCS_USERNAME: "other", VCS_PASSWORD: "other" };
        for (const file of [json, lines]) {
          expect(vcsCredentials({ file, env }, log)).to.deep.equal({
            username: USERNAME,
            password: PASSWORD,
          });
        }
        expect(log.warnings).to.deep.equal([]);
      });

      it("warn about a file others can read, and never quote a broken one", () => {
        const file = join(dir, "vcs-open.json");
        writeFileSync(file, `{"username": "${USERNAME}", "password": "${PASSWORD}",}`, {
          mode: 0o644,
        });
        chmodSync(file, 0o644);
        const caught = userErrorFrom(() => vcsCredentials({ file }, log));
        expect(caught.message).to.equal(`VCS credentials file ${file}: not valid JSON`);
        expect(log.warnings).to.deep.equal([
          `VCS credentials file ${file} can be read by other users; chmod 600 it`,
        ]);
        expectNoSecrets([caught], [PASSWORD]);
        writeFileSync(file, `${USERNAME}\n`);
        expect(() => vcsCredentials({ file }, log)).to.throw(UserError, "no password");
      });
    });
  });
});
