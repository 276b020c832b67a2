import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import type { UanK3SConfig } from "../../schemas/generated/config";
import { needs } from "../tools";
import { ansibleTemplate, Scratch } from "./e2e-tools";
import { renderFiles, writeFiles } from "./render";

/**
 * A CSM system is air-gapped: every image the roles run must come from the system's registry
 * (third_party_registry) and every download from its Nexus (third_party_url). Checked on what
 * Ansible itself renders, for the defaults and for a site's own registry and Nexus.
 */

/** Registries on the internet, which an air-gapped node cannot reach. */
const PUBLIC_REGISTRY =
  /\b(?:docker\.io|registry-1\.docker\.io|quay\.io|ghcr\.io|gcr\.io|k8s\.gcr\.io|registry\.k8s\.io)\//g;

interface Site {
  readonly title: string;
  readonly config: UanK3SConfig;
  readonly registry: string;
  readonly nexus: string;
}

const SITES: readonly Site[] = [
  {
    title: "the defaults (HPE's registry path and the UAN release's Nexus repository)",
    config: {},
    registry: "registry.local/artifactory.algol60.net/csm-docker/stable",
    nexus: "https://packages.local/repository/uan-2.6-third-party",
  },
  {
    title: "a site's own registry and Nexus",
    config: {
      release: {
        third_party_registry: "mirror.site.example:5000/csm",
        third_party_url: "https://nexus.site.example/repository/uan-2.7-third-party",
      },
      sshd: [
        { name: "uai", port: 9000, podman: { image: "mirror.site.example:5000/site/uai:1.0" } },
      ],
    },
    registry: "mirror.site.example:5000/csm",
    nexus: "https://nexus.site.example/repository/uan-2.7-third-party",
  },
];

/** Every `repository` (with its tag, where there is one) in a Helm values document. */
function repositories(values: unknown): string[] {
  if (Array.isArray(values)) return values.flatMap(repositories);
  if (values === null || typeof values !== "object") return [];
  const record = values as Record<string, unknown>;
  const own =
    typeof record.repository === "string"
      ? [typeof record.tag === "string" ? `${record.repository}:${record.tag}` : record.repository]
      : [];
  return [...own, ...Object.values(record).flatMap(repositories)];
}

/** Every get_url task's `url` in a task list, blocks included. */
function downloadUrls(tasks: unknown): string[] {
  if (!Array.isArray(tasks)) return [];
  return tasks.flatMap((task: Record<string, unknown>) => [
    ...["ansible.builtin.get_url", "get_url"].flatMap((module) => {
      const args = task[module] as { url?: unknown } | undefined;
      return typeof args?.url === "string" ? [args.url] : [];
    }),
    ...["block", "rescue", "always"].flatMap((key) => downloadUrls(task[key])),
  ]);
}

/** The registry host (and port) of an image reference or registry path. */
const hostOf = (reference: string): string => reference.split("/")[0] ?? "";

describe("air-gapped: every image and download comes from the system's registry and Nexus", function () {
  needs(this, "ansible");
  this.timeout(120_000);
  const scratch = new Scratch();
  after(() => scratch.cleanup());

  for (const site of SITES) {
    it(`for ${site.title}`, async () => {
      const files = renderFiles("split", site.config);
      const tree = scratch.dir();
      writeFiles(tree, files);
      const dir = scratch.dir();
      const render = (role: string, template: string, vars: object = {}): Promise<unknown> =>
        ansibleTemplate(
          tree,
          role,
          template,
          join(dir, template),
          ["vars/uan_helm.yml"],
          vars,
        ).then((path): unknown => YAML.parse(readFileSync(path, "utf8")));
      const [metallb, haproxy] = await Promise.all([
        render("uan_metallb", "metallb-values.yml.j2"),
        render("uan_haproxy", "haproxy-values.yml.j2", {
          uan_haproxy_instance: "{{ uan_haproxy[0] }}",
        }),
      ]);

      // The third-party images, as the Helm releases get them: all under the registry.
      const thirdParty = [...repositories(metallb), ...repositories(haproxy)];
      expect(thirdParty.map((image) => image.split("/").slice(-2)[0])).to.include.members([
        "metallb",
        "frrouting",
        "haproxytech",
      ]);
      for (const image of thirdParty)
        expect(
          image.startsWith(`${site.registry}/`),
          `${image} is not under ${site.registry}`,
        ).to.equal(true);

      // The users' container comes from the same registry host.
      const sshd = YAML.parse(files.get("vars/uan_sshd.yml")?.text ?? "") as {
        uan_sshd_configs: { podman?: { image: string } }[];
      };
      for (const instance of sshd.uan_sshd_configs)
        if (instance.podman !== undefined)
          expect(hostOf(instance.podman.image)).to.equal(hostOf(site.registry));

      // Every download comes from the Nexus repository (or, for subuid/subgid, from the URL the
      // site configured, which is none by default).
      const k3sVars = YAML.parse(files.get("vars/uan_k3s.yml")?.text ?? "") as Record<
        string,
        unknown
      >;
      expect(k3sVars.third_party_url).to.equal(site.nexus);
      const urls = [...files]
        .filter(([path]) => /^roles\/[^/]+\/tasks\/.+\.yml$/.test(path))
        .flatMap(([, file]) => downloadUrls(YAML.parse(file.text)));
      expect(urls).to.have.length.above(0);
      for (const url of urls)
        expect(url).to.match(/^\{\{ third_party_url \}\}\/|^\{\{ item\.url \}\}$/);
      const podman = files.get("vars/uan_podman.yml")?.text ?? "";
      expect(podman).to.not.match(/subuid_url|subgid_url/);

      // No file names a public registry except as a path under the system's registry.
      for (const [path, file] of files) {
        for (const match of file.text.matchAll(PUBLIC_REGISTRY)) {
          const before = file.text.slice(0, match.index);
          expect(
            before.endsWith("{{ third_party_registry }}/") || before.endsWith(`${site.registry}/`),
            `${path} names ${match[0]} outside the system's registry`,
          ).to.equal(true);
        }
      }
    });
  }
});
