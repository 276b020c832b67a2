import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createHash, createHmac } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createTestPki, removeTestPki, type TestPki } from "../../simulator/tls";
import type { UanK3SConfig } from "../../schemas/generated/config";
import YAML from "yaml";
import { TEMPLATES } from "../../generator/render";
import { projectPath } from "../../core/paths";
import { uploadCommands } from "../../subid";
import { run } from "../run";
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

const S3_ACCESS = "AKIDUANK3STEST";
const S3_SECRET = "uan-k3s/test/secret+key";

/** The signing key of AWS Signature Version 4, computed here independently of the role's. */
function sigV4(secret: string, date: string, text: string): string {
  let key: Buffer = Buffer.from(`AWS4${secret}`);
  for (const part of [date, "us-east-1", "s3", "aws4_request"])
    key = createHmac("sha256", key).update(part).digest();
  return createHmac("sha256", key).update(text).digest("hex");
}

/**
 * A stand-in for the Ceph gateway's S3: path-style GET of the objects given, answering 403
 * unless the request carries a valid SigV4 signature of S3_ACCESS/S3_SECRET.
 */
async function s3StandIn(
  objects: Record<string, string>,
): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = createHttpServer((request, response) => {
    const auth =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/us-east-1\/s3\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
        request.headers.authorization ?? "",
      );
    const date = String(request.headers["x-amz-date"] ?? "");
    let ok = false;
    if (auth !== null && auth[1] === S3_ACCESS) {
      const names = (auth[3] ?? "").split(";");
      const canonical = [
        request.method,
        request.url,
        "",
        names.map((name) => `${name}:${String(request.headers[name] ?? "").trim()}\n`).join(""),
        auth[3],
        String(request.headers["x-amz-content-sha256"]),
      ].join("\n");
      const scope = `${auth[2] ?? ""}/us-east-1/s3/aws4_request`;
      const digest = createHash("sha256").update(canonical).digest("hex");
      const toSign = ["AWS4-HMAC-SHA256", date, scope, digest].join("\n");
      ok = names.includes("host") && sigV4(S3_SECRET, auth[2] ?? "", toSign) === auth[4];
    }
    const body = objects[request.url ?? ""];
    const status = !ok ? 403 : body === undefined ? 404 : 200;
    requests.push(`${request.method ?? ""} ${request.url ?? ""} ${status}`);
    response.writeHead(status, { "content-type": "application/octet-stream" });
    response.end(status === 200 ? body : "<Error><Code>SignatureDoesNotMatch</Code></Error>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("uan_podman role run by ansible-playbook", function () {
  needs(this, "ansible-playbook", "openssl");
  // Each case runs ansible-playbook up to five times.
  this.timeout(600_000);
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
        // No Kubernetes here: the secret cannot be read, as outside CFS.
        uan_podman_k8s_api: "https://127.0.0.1:1",
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

  it("warns, and does not fail, when subuid or subgid is missing or empty, saying how to fix it", async () => {
    const nodes = [node({ subgid: SUBGID }), node({ subuid: "", subgid: SUBGID })];
    const results = await Promise.all(nodes.map((at) => play(at)));
    for (const [index, result] of results.entries()) {
      expect(result.code, output(result)).to.equal(0);
      expect(result.stdout).to.include("WARNING: rootless Podman needs");
      expect(result.stdout).to.include("the Kubernetes secret services/user-s3-credentials");
      expect(result.stdout).to.include(`Missing or empty on this node: ${nodes[index]?.subuid}.`);
      expect(result.stdout).to.include("run 'uan-k3s subid'");
      expect(result.stdout).to.include("cray artifacts create user subuid ./subuid");
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

    // Without the CA that signed the server's certificate, the download is refused: the run
    // goes on with the node's files and says so.
    const untrusted = await play(at, urls, { vars: { uan_podman_ca_path: "" } });
    expect(untrusted.code, output(untrusted)).to.equal(0);
    expect(untrusted.stdout).to.match(
      /Fetching failed: subuid: .*(CERTIFICATE_VERIFY_FAILED|certificate verify failed)/,
    );

    served.set("/subuid", "<html>Access Denied</html>\n");
    const malformed = await play(at, urls);
    expect(malformed.code, output(malformed)).to.equal(0);
    expect(malformed.stdout).to.include(
      "Not installed, not name:first:count on every line: subuid.",
    );
    expect(readFileSync(at.subuid, "utf8")).to.equal(SUBUID);
  });

  it("fetches subuid and subgid from the user S3 bucket with SigV4-signed GETs, as HPE's role does", async () => {
    const s3 = await s3StandIn({ "/user/subuid": SUBUID, "/user/subgid": SUBGID });
    try {
      const at = node();
      const keys = { uan_podman_s3_access_key: S3_ACCESS, uan_podman_s3_secret_key: S3_SECRET };
      const first = await play(at, {}, { vars: { uan_podman_s3_url: s3.url, ...keys } });
      expect(first.code, output(first)).to.equal(0);
      expect(s3.requests).to.deep.equal(["GET /user/subuid 200", "GET /user/subgid 200"]);
      expect(readFileSync(at.subuid, "utf8")).to.equal(SUBUID);
      expect(readFileSync(at.subgid, "utf8")).to.equal(SUBGID);
      expect(first.stdout).not.to.include("WARNING");

      const rerun = await play(at, {}, { vars: { uan_podman_s3_url: s3.url, ...keys } });
      expect(rerun.recap, output(rerun)).to.include({ failed: 0, changed: 0 });

      // A wrong secret: S3 refuses the signature; the node keeps its files, and the run says so.
      const wrong = { ...keys, uan_podman_s3_secret_key: "not-the-secret" };
      const refused = await play(at, {}, { vars: { uan_podman_s3_url: s3.url, ...wrong } });
      expect(refused.code, output(refused)).to.equal(0);
      expect(refused.stdout).to.include("Fetching failed: subuid: S3 answered 403");
      expect(readFileSync(at.subuid, "utf8")).to.equal(SUBUID);
    } finally {
      await s3.close();
    }
  });

  it("fetches what 'uan-k3s subid' says to upload: the same bucket and object names", () => {
    const defaults = YAML.parse(
      readFileSync(projectPath(TEMPLATES, "roles", "uan_podman", "defaults", "main.yml"), "utf8"),
    ) as Record<string, string>;
    expect(uploadCommands({ subuid: "./subuid", subgid: "./subgid" })).to.deep.equal([
      `cray artifacts create ${defaults.uan_podman_s3_bucket} ${defaults.uan_podman_s3_subuid_key} ./subuid`,
      `cray artifacts create ${defaults.uan_podman_s3_bucket} ${defaults.uan_podman_s3_subgid_key} ./subgid`,
    ]);
  });

  it("signs as AWS documents it (the SigV4 GET Object example)", async () => {
    const library = projectPath(TEMPLATES, "roles", "uan_podman", "files");
    const script = [
      "import sys",
      // No __pycache__ in roles-templates/: gen-roles would try to ship it.
      "sys.dont_write_bytecode = True",
      `sys.path.insert(0, ${JSON.stringify(library)})`,
      "import s3_get as m",
      "print(m.authorization('GET', 'examplebucket.s3.amazonaws.com', '/test.txt',",
      "  {'range': 'bytes=0-9', 'x-amz-content-sha256': m.EMPTY_SHA256, 'x-amz-date': '20130524T000000Z'},",
      "  'AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'us-east-1', '20130524T000000Z'))",
    ].join("\n");
    const result = await run("/usr/bin/python3", ["-c", script]);
    expect(result.stdout.trim(), output(result)).to.equal(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
  });
});
