import { expect } from "chai";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createTestPki, removeTestPki, type TestPki } from "../../simulator/tls";
import { doctor, pathWith, typed } from "./doctor-run";
import { tempDir } from "./exec";
import { needs } from "../tools";

const SUBUID = "alice:100000:65536\nbob:165536:65536\n";
const SUBGID = "alice:100000:65536\nbob:165536:65536\n";

/**
 * A stand-in for the cray CLI's `artifacts get` and `create`, over a directory standing in for
 * S3 (`<store>/<bucket>/<object>`), answering a missing object as cray does (boto3's 404 on
 * stderr, exit 1), and logging its arguments. `failure` replaces every answer with an error.
 */
function crayStandIn(store: string, log: string, failure?: string): string {
  return [
    `printf '%s\\n' "$*" >> '${log}'`,
    ...(failure === undefined ? [] : [`echo '${failure}' >&2`, "exit 1"]),
    'case "$1 $2" in',
    '  "artifacts create") /bin/mkdir -p "$STORE/$3" && /bin/cp "$5" "$STORE/$3/$4" &&',
    '    printf \'artifact = "%s"\\nKey = "%s"\\n\' "$4" "$4"; exit ;;',
    '  "artifacts get") ;;',
    '  *) echo "Error: unexpected arguments: $*" >&2; exit 2 ;;',
    "esac",
    'echo "S3 credentials retrieved successfully"',
    '[ -f "$STORE/$3/$4" ] && exec /bin/cp "$STORE/$3/$4" "$5"',
    'echo "An error occurred (404) when calling the HeadObject operation: Not Found" >&2',
    "exit 1",
  ]
    .join("\n")
    .replace(/\$STORE/g, store);
}

/** The local files doctor compares, and what the S3 stand-in holds. */
function setup(): { dir: string; files: string[]; subuid: string; subgid: string; store: string } {
  const dir = tempDir();
  const subuid = join(dir, "subuid");
  const subgid = join(dir, "subgid");
  writeFileSync(subuid, SUBUID);
  writeFileSync(subgid, SUBGID);
  const store = join(dir, "s3");
  mkdirSync(join(store, "user"), { recursive: true });
  return { dir, files: ["--subuid", subuid, "--subgid", subgid], subuid, subgid, store };
}

describe("uan-k3s doctor: the subid files are uploaded (built executable)", function () {
  needs(this, "openssl");
  this.timeout(60_000);

  describe("in the S3 bucket user, read with cray artifacts get", () => {
    it("warns when nothing is uploaded; the fix, typed, uploads both, and then it passes", async () => {
      const { dir, files, subuid, subgid, store } = setup();
      const log = join(dir, "cray.log");
      const path = pathWith([], { cray: crayStandIn(store, log) });
      const before = await doctor(files, { PATH: path });
      const check = before.checks.get("subid-uploaded");
      expect(check).to.deep.include({
        status: "warn",
        detail:
          "subuid: object subuid of S3 bucket user: nothing uploaded\n" +
          "subgid: object subgid of S3 bucket user: nothing uploaded",
        // What `uan-k3s subid` prints.
        fix: `cray artifacts create user subuid ${subuid} && cray artifacts create user subgid ${subgid}`,
      });
      expect(before.code).to.equal(0);
      // cray's own syntax: cray artifacts get BUCKET OBJECT FILE, into a private directory.
      const gets = readFileSync(log, "utf8").trim().split("\n");
      expect(gets).to.have.length(2);
      expect(gets[0]).to.match(/^artifacts get user subuid \/\S+\/uan-k3s-doctor-\w+\/subuid$/);
      expect(gets[1]).to.match(/^artifacts get user subgid \S+\/subgid$/);
      expect(existsSync(gets[0].split(" ")[4])).to.equal(false);

      await typed(check!.fix!, path);
      expect(readFileSync(join(store, "user", "subgid"), "utf8")).to.equal(SUBGID);
      const after = await doctor(files, { PATH: path });
      expect(after.checks.get("subid-uploaded")).to.deep.include({
        status: "pass",
        detail:
          `subuid: object subuid of S3 bucket user is the same as ${subuid}\n` +
          `subgid: object subgid of S3 bucket user is the same as ${subgid}`,
      });
    });

    it("fails when an uploaded file differs from the local one (the nodes would get the old ranges)", async () => {
      const { dir, files, subgid, store } = setup();
      writeFileSync(join(store, "user", "subuid"), SUBUID);
      writeFileSync(join(store, "user", "subgid"), "alice:100000:65536\n");
      const path = pathWith([], { cray: crayStandIn(store, join(dir, "cray.log")) });
      const { code, checks } = await doctor(files, { PATH: path });
      expect(code).to.equal(1);
      const check = checks.get("subid-uploaded");
      expect(check?.status).to.equal("fail");
      expect(check?.detail).to.include(
        `subgid: object subgid of S3 bucket user differs from ${subgid} (1 lines there, 2 here)`,
      );
      await typed(check!.fix!, path);
      expect((await doctor(files, { PATH: path })).checks.get("subid-uploaded")?.status).to.equal(
        "pass",
      );
    });

    it("fails, with cray's message redacted and the fix, when cray cannot read the bucket", async () => {
      const { dir, files, store } = setup();
      const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";
      const path = pathWith([], {
        cray: crayStandIn(store, join(dir, "cray.log"), `Error: token ${token} expired`),
      });
      const { code, checks } = await doctor(files, { PATH: path });
      expect(code).to.equal(1);
      expect(checks.get("subid-uploaded")).to.deep.include({
        status: "fail",
        detail: "cray artifacts get user subuid failed: Error: token [redacted] expired",
        fix: "Log the cray CLI in (cray auth login; on a new host, cray init first), then run doctor again.",
      });
    });

    it("is skipped, saying why, with neither cray nor the URL settings; not shown without the files", async () => {
      const { files } = setup();
      const skipped = await doctor(files);
      expect(skipped.checks.get("subid-uploaded")?.status).to.equal("skip");
      expect(skipped.checks.get("subid-uploaded")?.detail).to.equal(
        "what is uploaded cannot be read: uan-k3s.yaml sets no podman.subuid_url or " +
          "podman.subgid_url, and the cray CLI (for the S3 bucket user) is not on PATH",
      );
      expect((await doctor([])).checks.has("subid-uploaded")).to.equal(false);
    });
  });

  describe("at podman.subuid_url and podman.subgid_url, over verified HTTPS", () => {
    let pki: TestPki;
    let server: Server;
    let base = "";
    /** What the server serves, by path. */
    const served = new Map<string, string>();

    before(async () => {
      pki = await createTestPki();
      server = createServer(
        { key: readFileSync(pki.keyFile), cert: readFileSync(pki.certFile) },
        (request, response) => {
          const body = served.get(request.url ?? "");
          response.writeHead(body === undefined ? 404 : 200, { "content-type": "text/plain" });
          response.end(body ?? "not found");
        },
      );
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      await new Promise((resolve) => server.close(resolve));
      removeTestPki(pki);
    });
    beforeEach(() => served.clear());

    /** A config with the URLs (only subuid's with `subgid: false`), and cray on PATH. */
    function withUrls(subgid = true) {
      const { dir, files, store } = setup();
      const config = join(dir, "uan-k3s.yaml");
      writeFileSync(
        config,
        `podman:\n  subuid_url: ${base}/files/subuid\n` +
          (subgid ? `  subgid_url: ${base}/files/subgid\n` : ""),
      );
      const log = join(dir, "cray.log");
      const path = pathWith([], { cray: crayStandIn(store, log) });
      return { args: [...files, "--config", config, "--ca-cert", pki.caFile], path, log, dir };
    }

    it("passes when both URLs serve the local files, and never asks cray", async () => {
      const { args, path, log, dir } = withUrls();
      served.set("/files/subuid", SUBUID);
      served.set("/files/subgid", SUBGID);
      const { checks } = await doctor(args, { PATH: path });
      expect(checks.get("subid-uploaded")).to.deep.include({
        status: "pass",
        detail:
          `subuid: podman.subuid_url ${base}/files/subuid is the same as ${join(dir, "subuid")}\n` +
          `subgid: podman.subgid_url ${base}/files/subgid is the same as ${join(dir, "subgid")}`,
      });
      expect(existsSync(log)).to.equal(false);
    });

    it("fails when one differs, warns when one is missing or its URL not set", async () => {
      const { args, path } = withUrls();
      served.set("/files/subuid", SUBUID);
      served.set("/files/subgid", "alice:100000:65536\n");
      const differs = (await doctor(args, { PATH: path })).checks.get("subid-uploaded");
      expect(differs?.status).to.equal("fail");
      expect(differs?.detail).to.include(`podman.subgid_url ${base}/files/subgid differs from`);
      expect(differs?.fix).to.include(
        "   # or put them wherever podman.subuid_url and podman.subgid_url point",
      );
      served.delete("/files/subgid");
      const missing = (await doctor(args, { PATH: path })).checks.get("subid-uploaded");
      expect(missing?.status).to.equal("warn");
      expect(missing?.detail).to.include(
        `subgid: podman.subgid_url ${base}/files/subgid: nothing uploaded`,
      );
      const unset = withUrls(false);
      const notSet = (await doctor(unset.args, { PATH: unset.path })).checks.get("subid-uploaded");
      expect(notSet?.status).to.equal("warn");
      expect(notSet?.detail).to.include("subgid: podman.subgid_url is not set: nothing uploaded");
    });

    it("verifies TLS: without the CA (--ca-cert) it fails, saying how to pass it", async () => {
      const { args, path } = withUrls();
      served.set("/files/subuid", SUBUID);
      const noCa = args.slice(0, -2);
      const { code, checks } = await doctor(noCa, { PATH: path });
      expect(code).to.equal(1);
      const check = checks.get("subid-uploaded");
      expect(check?.status).to.equal("fail");
      expect(check?.detail).to.match(
        new RegExp(`^TLS verification failed for ${base}/files/subuid: `),
      );
      expect(check?.fix).to.include("--ca-cert");
    });
  });
});
