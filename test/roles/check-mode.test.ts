import { expect } from "chai";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ansible, output, scratch, writeLocalInventory } from "./ansible";
import { renderTree } from "./render";
import { needs } from "../tools";

/**
 * `ansible-playbook --check k3s.yml` on this machine, which has neither K3s nor Helm: what an
 * admin runs first on a node about to get K3s. The Nexus is a local server that answers every
 * asset (check mode only asks for the headers); nothing else is a stand-in.
 */
describe("ansible-playbook --check k3s.yml on a node without K3s or Helm", function () {
  needs(this, "ansible-playbook");
  this.timeout(900_000);
  let nexus: Server;
  let nexusUrl = "";
  const asked: string[] = [];

  before(async () => {
    nexus = createServer((request, response) => {
      asked.push(`${request.method ?? ""} ${request.url ?? ""}`);
      response.writeHead(200, { "content-length": "9" });
      response.end(request.method === "HEAD" ? undefined : "stand-in\n");
    });
    await new Promise<void>((resolve) => nexus.listen(0, "127.0.0.1", resolve));
    nexusUrl = `http://127.0.0.1:${(nexus.address() as AddressInfo).port}/repository/uan`;
  });
  after(() => {
    nexus.close();
  });

  async function check(cfsImage: boolean): Promise<{ stdout: string; recap: string }> {
    const tree = renderTree("split");
    const dir = scratch("check-mode");
    const inventory = writeLocalInventory(
      dir,
      { uan01: { cray_cfs_image: cfsImage } },
      { Application: ["uan01"], k3s_server: ["uan01"], k3s_agent: [] },
    );
    const result = await ansible(tree, "ansible-playbook", [
      ...["--check", "-i", inventory, "k3s.yml"],
      // No Kubernetes API here: the S3 secret cannot be read, as outside CFS.
      ...[
        "-e",
        JSON.stringify({ third_party_url: nexusUrl, uan_podman_k8s_api: "https://127.0.0.1:1" }),
      ],
    ]);
    expect(result.code, output(result)).to.equal(0);
    const recap = /uan01\s+: (ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0.*)/.exec(
      result.stdout,
    );
    expect(recap, output(result)).to.not.equal(null);
    return { stdout: result.stdout, recap: recap?.[1] ?? "" };
  }

  /** The plays that ran a task, by the order of their PLAY headers. */
  function playsRun(stdout: string): string[] {
    return stdout
      .split(/^PLAY \[/m)
      .slice(1)
      .filter((play) => /^TASK \[/m.test(play))
      .map((play) => play.slice(0, play.indexOf("]")));
  }

  it("on a running node: every play of the node runs to the end, group_by reports no change", async () => {
    const { stdout } = await check(false);
    expect(stdout).to.match(
      /TASK \[Group hosts by whether CFS is customizing an image\][^\n]*\nok: \[uan01\]/,
    );
    expect(playsRun(stdout)).to.deep.equal([
      "Put image customization hosts in the cfs_image group",
      "Install K3s on the servers",
      "Deploy MetalLB and HAProxy to K3s",
      "Prepare rootless Podman and start the sshd instances HAProxy forwards to",
    ]);
    expect(stdout).to.include(
      "TASK [uan_haproxy : Install or upgrade the Helm release haproxy-uai]",
    );
    expect(stdout).to.include("TASK [uan_sshd : Enable and start sshd_uai]");
  });

  it("in image customization (cray_cfs_image=true): the staging play runs to the end", async () => {
    asked.length = 0;
    const { stdout } = await check(true);
    expect(playsRun(stdout)).to.deep.equal([
      "Put image customization hosts in the cfs_image group",
      "Stage K3s and Helm assets in the image",
    ]);
    expect(stdout).to.include("TASK [uan_helm : Download the Helm charts]");
    expect(
      asked.every((request) => request.startsWith("HEAD ")),
      asked.join("\n"),
    ).to.equal(true);
  });

  it("the vars files carry no YAML anchors or aliases", () => {
    const tree = renderTree("split", {
      // The same check and backends objects for two instances: what a serializer would alias.
      haproxy: [{ name: "a" }, { name: "b", port: 2222 }],
    });
    for (const file of ["uan_k3s", "uan_helm", "uan_sshd", "uan_podman"]) {
      const text = readFileSync(join(tree, "vars", `${file}.yml`), "utf8");
      expect(text, file).to.not.match(/(^|[\s:-])[&*][A-Za-z0-9_]+/m);
    }
  });
});
