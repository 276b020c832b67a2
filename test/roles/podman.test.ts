import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createTestPki, removeTestPki, type TestPki } from "../../simulator/tls";
import type { UanK3SConfig } from "../../schemas/generated/config";
import { output } from "./ansible";
import { renderOwnRoles, runRole, Scratch } from "./e2e-tools";
import { needs } from "../tools";

const SUBUID = "alice:100000:65536\nbob:165536:65536\n";
const SUBGID = "alice:100000:65536\nbob:165536:65536\n";
const MOUNTS = [
  "/etc/SUSEConnect:/etc/SUSEConnect",
  "/etc/zypp/credentials.d/SCCcredentials:/etc/zypp/credentials.d/SCCcredentials",
  "/usr/share/licenses:/usr/share/licenses",
  "",
].join("\n");

describe("uan_podman role run by ansible-playbook", function () {
  needs(this, "ansible-playbook", "openssl");
  this.timeout(180_000);
  const scratch = new Scratch();
  let pki: TestPki | undefined;
  let server: Server | undefined;
  /** What the HTTPS server serves, by path; and the paths it was asked for. */
  const served = new Map<string, string>();
  const requests: string[] = [];
  let base = "";

  before(async () => {
    pki = await createTestPki();
    const { keyFile, certFile } = pki;
    server = createServer(
      { key: readFileSync(keyFile), cert: readFileSync(certFile) },
      (request, response) => {
        requests.push(`${request.method ?? ""} ${request.url ?? ""}`);
        const body = served.get(request.url ?? "");
        response.writeHead(body === undefined ? 404 : 200, { "content-type": "text/plain" });
        response.end(body ?? "not found");
      },
    );
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
    if (pki !== undefined) removeTestPki(pki);
    scratch.cleanup();
  });

  interface Node {
    readonly dir: string;
    readonly storage: string;
    readonly subuid: string;
    readonly subgid: string;
    readonly mounts: string;
  }

  /** A node's files under a fresh directory: subuid, subgid and mounts.conf as given. */
  function node(files: { subuid?: string; subgid?: string; mounts?: string } = {}): Node {
    const dir = scratch.dir();
    const at = {
      dir,
      storage: join(dir, "scratch", "containers"),
      subuid: join(dir, "subuid"),
      subgid: join(dir, "subgid"),
      mounts: join(dir, "containers", "mounts.conf"),
    };
    if (files.subuid !== undefined) writeFileSync(at.subuid, files.subuid);
    if (files.subgid !== undefined) writeFileSync(at.subgid, files.subgid);
    if (files.mounts !== undefined) {
      mkdirSync(join(dir, "containers"));
      writeFileSync(at.mounts, files.mounts);
    }
    return at;
  }

  function play(
    at: Node,
    config: UanK3SConfig["podman"] = {},
    options: { check?: boolean; vars?: object } = {},
  ): ReturnType<typeof runRole> {
    const tree = renderOwnRoles(scratch, "split", {
      podman: { storage_dir: at.storage, ...config },
    });
    return runRole(tree, "uan_podman", {
      varsFiles: ["vars/uan_podman.yml"],
      vars: {
        uan_podman_subuid_path: at.subuid,
        uan_podman_subgid_path: at.subgid,
        uan_podman_mounts_conf: at.mounts,
        uan_podman_download_dir: join(at.dir, "downloads"),
        ...(pki === undefined ? {} : { uan_podman_ca_path: pki.caFile }),
        ...options.vars,
      },
      ...(options.check === undefined ? {} : { check: options.check }),
    });
  }

  it("check mode changes nothing; a run makes the sticky storage dir and drops the SUSE mounts; a rerun changes nothing", async () => {
    const at = node({ subuid: SUBUID, subgid: SUBGID, mounts: MOUNTS });
    const check = await play(at, {}, { check: true });
    expect(check.recap.failed, output(check)).to.equal(0);
    expect(check.recap.changed, output(check)).to.be.greaterThan(0);
    expect(existsSync(join(at.dir, "scratch"))).to.equal(false);
    expect(readFileSync(at.mounts, "utf8")).to.equal(MOUNTS);

    const first = await play(at);
    expect(first.recap.failed, output(first)).to.equal(0);
    const storage = statSync(at.storage);
    expect(storage.isDirectory()).to.equal(true);
    expect(storage.mode & 0o7777).to.equal(0o1777);
    expect([storage.uid, storage.gid]).to.deep.equal([0, 0]);
    expect(readFileSync(at.mounts, "utf8")).to.equal("/usr/share/licenses:/usr/share/licenses\n");

    const second = await play(at);
    expect(second.recap, output(second)).to.include({ failed: 0, changed: 0 });
  });

  it("leaves a missing mounts.conf missing", async () => {
    const at = node({ subuid: SUBUID, subgid: SUBGID });
    const result = await play(at);
    expect(result.recap.failed, output(result)).to.equal(0);
    expect(existsSync(at.mounts)).to.equal(false);
  });

  it("tells the admin how to make subuid and subgid when one is missing or empty", async () => {
    const nodes = [node({ subgid: SUBGID }), node({ subuid: "", subgid: SUBGID })];
    const results = await Promise.all(nodes.map((at) => play(at)));
    for (const [index, result] of results.entries()) {
      expect(result.code, output(result)).not.to.equal(0);
      expect(result.stdout).to.include(`${nodes[index]?.subuid} is missing or empty`);
      expect(result.stdout).to.include("Run 'uan-k3s subid'");
      expect(result.stdout).to.include("'cray artifacts create user subuid ./subuid'");
    }
  });

  it("refuses container storage on a refused filesystem, before making the directory", async () => {
    const at = node({ subuid: SUBUID, subgid: SUBGID });
    // The filesystem the scratch directory is on, as findmnt names it, stands for NFS here.
    const fstype = execFileSync("findmnt", ["-n", "-o", "FSTYPE", "-T", at.dir], {
      encoding: "utf8",
    }).trim();
    const result = await play(at, {}, { vars: { uan_podman_refused_fstypes: ["nfs", fstype] } });
    expect(result.code, output(result)).not.to.equal(0);
    expect(result.stdout).to.include(`${at.storage} would be on a ${fstype} filesystem`);
    expect(result.stdout).to.include("must be on a");
    expect(existsSync(join(at.dir, "scratch"))).to.equal(false);
  });

  it("downloads subuid and subgid over verified HTTPS, and keeps the node's when a download is malformed", async () => {
    served.set("/subuid", SUBUID);
    served.set("/subgid", SUBGID);
    const urls = { subuid_url: `${base}/subuid`, subgid_url: `${base}/subgid` };
    const at = node();

    // Check mode sends nothing: a presigned URL would refuse the HEAD it uses.
    requests.length = 0;
    const check = await play(at, urls, { check: true });
    expect(check.recap.failed, output(check)).to.equal(0);
    expect(requests).to.deep.equal([]);

    const first = await play(at, urls);
    expect(first.recap.failed, output(first)).to.equal(0);
    expect(requests).to.deep.equal(["GET /subuid", "GET /subgid"]);
    for (const [path, text] of [
      [at.subuid, SUBUID],
      [at.subgid, SUBGID],
    ] as const) {
      expect(readFileSync(path, "utf8")).to.equal(text);
      expect(statSync(path).mode & 0o777).to.equal(0o644);
    }

    const rerun = await play(at, urls);
    expect(rerun.recap, output(rerun)).to.include({ failed: 0, changed: 0 });

    // Without the CA that signed the server's certificate, the download is refused.
    const untrusted = await play(at, urls, { vars: { uan_podman_ca_path: "" } });
    expect(untrusted.code, output(untrusted)).not.to.equal(0);
    expect(untrusted.stdout).to.match(/CERTIFICATE_VERIFY_FAILED|certificate verify failed/);

    served.set("/subuid", "<html>Access Denied</html>\n");
    const malformed = await play(at, urls);
    expect(malformed.code, output(malformed)).not.to.equal(0);
    expect(malformed.stdout).to.include("failed to validate");
    expect(readFileSync(at.subuid, "utf8")).to.equal(SUBUID);
  });
});
