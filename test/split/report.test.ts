import { expect } from "chai";
import { readFileSync } from "node:fs";
import { projectPath } from "../../core/paths";
import { fromDump } from "../../csm/file-source";
import {
  buildSplitReport,
  findConflicts,
  parseSplitReport,
  planSplit,
  renderHtml,
  renderJson,
  renderMarkdown,
  renderText,
  type K8sService,
  type K8sServiceList,
  type SplitOptions,
  type SplitReport,
  type SplitReportInput,
} from "../../split";
import { escapeHtml } from "../../split/report/escape";
import { MAP_COLOURS } from "../../split/report/map";
import { escapeMarkdown } from "../../split/report/markdown";
import { shellQuote } from "../../core/shell";
import type { SlsDump, SlsNetwork } from "../../schemas/generated/sls";
import { pixelsOf, redPixels, screenshot } from "./chromium";
import { userErrorFrom } from "./helpers";
import { needs } from "../tools";

const SCRIPT = "<script>alert(1)</script>";
const QUOTES = `"&'`;

function dump(system: string): SlsDump {
  const path = projectPath("fixtures", "systems", system, "sls.json");
  return JSON.parse(readFileSync(path, "utf8")) as SlsDump;
}

function networksOf(data: SlsDump): Map<string, SlsNetwork> {
  return new Map(fromDump(data).networks);
}

function service(namespace: string, name: string, ip: string): K8sService {
  return {
    metadata: { namespace, name },
    spec: { type: "LoadBalancer" },
    status: { loadBalancer: { ingress: [{ ip }] } },
  };
}

function serviceList(...items: K8sService[]): K8sServiceList {
  return { apiVersion: "v1", kind: "List", items };
}

/** The input of a report on a fixture system, as the CLI would build it. */
function inputFor(
  system: string,
  options: SplitOptions = {},
  services?: K8sServiceList,
  edit: (data: SlsDump) => void = () => undefined,
): SplitReportInput {
  const data = dump(system);
  edit(data);
  const plan = planSplit(networksOf(data), options);
  const origin = `fixtures/systems/${system}/sls.json`;
  return {
    plan,
    check: findConflicts(plan, services),
    origin,
    ...(services === undefined ? {} : { services, servicesOrigin: "services.json" }),
    rerunArgs: ["--sls-file", origin, ...(options.network ? ["--network", options.network] : [])],
  };
}

/**
 * The seed system with two IPReservations and a live Service in the K3s half (10.102.20.224/27),
 * names that need escaping everywhere, and one Service outside the K3s half.
 */
function blockedInput(): SplitReportInput {
  const services = serviceList(
    service("ims", "cfs-ssh", "10.102.20.240"),
    service("services", "api-gateway", "10.102.20.200"),
  );
  return inputFor("seed", {}, services, (data) => {
    const bootstrap = data.Networks.CAN!.ExtraProperties!.Subnets![0];
    bootstrap.FullName = "CAN `Bootstrap` | DHCP <b>x</b>";
    bootstrap.IPReservations!.push(
      { Name: SCRIPT, IPAddress: "10.102.20.230" },
      { Name: QUOTES, IPAddress: "10.102.20.226" },
      { Name: "evil\u001b[31mred", IPAddress: "10.102.20.250" },
    );
  });
}

const commandsOf = (report: SplitReport): string[] =>
  report.nextSteps
    .flatMap((step) => step.lines.filter((l) => l.kind === "command"))
    .map((l) => l.value);

describe("buildSplitReport", () => {
  it("seed without Services: unverified, never ready, and says the Kubernetes check was NOT done", () => {
    const report = buildSplitReport(inputFor("seed"));
    expect(report.status).to.equal("unverified");
    expect(report.network).to.equal("CAN");
    expect(report.networkCidr).to.equal("10.102.20.128/25");
    expect(report.origin).to.equal("fixtures/systems/seed/sls.json");
    expect(report.servicesOrigin).to.equal(null);
    expect(report.kubernetesChecked).to.equal(false);
    expect(report.k3s).to.deep.equal({
      cidr: "10.102.20.224/27",
      count: 30,
      first: "10.102.20.225",
      fullName: "CAN Dynamic MetalLB K3s",
      last: "10.102.20.254",
      metalLBPoolName: "customer-access-k3s",
      name: "can_metallb_k3s_address_pool",
    });
    expect(report.csmPool).to.deep.equal({
      cidr: "10.102.20.192/27",
      count: 30,
      first: "10.102.20.193",
      last: "10.102.20.222",
      name: "customer-access",
    });
    expect(report.conflicts).to.deep.equal([]);
    expect(report.warnings.join("\n")).to.include("The Kubernetes check was NOT done");
    expect(report.summary).to.include("the Kubernetes check was NOT done");
    expect(report.summary).not.to.match(/passed|free in Kubernetes|Nothing in SLS or Kubernetes/i);
    expect(report.notes[0]).to.equal("Using CAN, BICAN's SystemDefaultRoute.");
    expect(report.notes[1]).to.include("is the seed procedure's");
    expect(report.notes).to.have.length(2);
  });

  it("seed: the before and after tables of the whole network, in SLS order", () => {
    const { subnets } = buildSplitReport(inputFor("seed"));
    const brief = (rows: SplitReport["subnets"]["after"]) =>
      rows.map((s) => [s.name, s.cidr, s.role, s.change, s.reservationCount]);
    expect(brief(subnets.before)).to.deep.equal([
      ["bootstrap_dhcp", "10.102.20.128/25", "bootstrap", "unchanged", 15],
      ["can_metallb_address_pool", "10.102.20.192/26", "csm-pool", "changed", 0],
    ]);
    expect(brief(subnets.after)).to.deep.equal([
      ["bootstrap_dhcp", "10.102.20.128/25", "bootstrap", "unchanged", 15],
      ["can_metallb_address_pool", "10.102.20.192/27", "csm-pool", "changed", 0],
      ["can_metallb_k3s_address_pool", "10.102.20.224/27", "k3s", "added", 0],
    ]);
    expect(subnets.after[0]).to.include({
      fullName: "CAN Bootstrap DHCP Subnet",
      gateway: "10.102.20.129",
      vlanId: 6,
      metalLBPoolName: null,
      dhcpStart: "10.102.20.145",
      dhcpEnd: "10.102.20.191",
      reservationStart: null,
      reservationEnd: null,
    });
    expect(subnets.after[2]).to.include({
      fullName: "CAN Dynamic MetalLB K3s",
      gateway: "10.102.20.225",
      metalLBPoolName: "customer-access-k3s",
    });
  });

  it("seed without Services: check Kubernetes first, then apply, shrink, restart, gen-roles", () => {
    const report = buildSplitReport(inputFor("seed"));
    expect(report.nextSteps.map((s) => s.id)).to.deep.equal([
      "check-kubernetes",
      "apply-sls",
      "shrink-csm-pool",
      "restart-csm-metallb",
      "gen-roles",
    ]);
    const commands = commandsOf(report);
    expect(commands).to.include.members([
      "kubectl get services -A -o json > services.json",
      "uan-k3s split --sls-file fixtures/systems/seed/sls.json --services services.json",
      // --apply reads SLS from the API: the CLI refuses it with --sls-file.
      "uan-k3s split --services services.json --apply --yes",
      "kubectl edit -n metallb-system cm/metallb",
      "kubectl apply -f csm-ipaddresspool.yaml",
      "kubectl delete pod -n metallb-system -l app.kubernetes.io/component=controller",
      "uan-k3s gen-roles --out <uan-config-management checkout>",
    ]);
    expect(commands.some((c) => c.includes("--data-binary @sls-CAN.json"))).to.equal(true);
    // Without the live ConfigMap the file is only the pool entry: never replace with it.
    expect(commands.some((c) => c.startsWith("kubectl replace -f csm-metallb"))).to.equal(false);
    const texts = report.nextSteps.flatMap((s) => s.lines.map((l) => l.value)).join("\n");
    expect(texts).to.include("set the addresses of pool customer-access to 10.102.20.192/27");
    expect(texts).to.include("site-init");
    expect(texts).to.include("metallb_ipaddresspool_range_start 10.102.20.225");
    expect(texts).to.include("metallb_ipaddresspool_range_end 10.102.20.254");
  });

  it("seed with Services and the live ConfigMap: ready, kubectl replace, files in --out", () => {
    const report = buildSplitReport({
      ...inputFor("seed", {}, serviceList(service("ims", "a", "10.102.20.200"))),
      outDir: "/root/split out",
      wholeConfigMap: true,
    });
    expect(report.status).to.equal("ready");
    expect(report.kubernetesChecked).to.equal(true);
    expect(report.summary).to.include("Nothing in SLS or Kubernetes uses the K3s range");
    expect(report.loadBalancerIps).to.deep.equal([
      { address: "10.102.20.200", namespace: "ims", service: "a" },
    ]);
    expect(report.nextSteps.map((s) => s.id)).to.deep.equal([
      "apply-sls",
      "shrink-csm-pool",
      "restart-csm-metallb",
      "gen-roles",
    ]);
    const commands = commandsOf(report);
    expect(commands).to.include("kubectl replace -f '/root/split out/csm-metallb-configmap.yaml'");
    expect(commands).to.include("kubectl diff -f '/root/split out/csm-metallb-configmap.yaml'");
    const apply = report.nextSteps[0].lines.map((line) => line.value);
    expect(apply).to.include(
      "--apply reads SLS from the CSM API, not from the file: run it where the API is reachable.",
    );
    expect(commands).to.include("uan-k3s split --services services.json --apply --yes");
  });

  describe("never READY when Kubernetes was not checked", () => {
    const unchecked = buildSplitReport(inputFor("seed"));
    const checked = buildSplitReport(
      inputFor("seed", {}, serviceList(service("ims", "a", "10.102.20.200"))),
    );
    const renderers = {
      text: renderText,
      markdown: renderMarkdown,
      html: renderHtml,
      json: renderJson,
    };
    for (const [format, render] of Object.entries(renderers)) {
      it(`${format}: UNVERIFIED without Services, READY with them`, () => {
        const without = render(unchecked);
        // The status as each format shows it: text, Markdown, HTML, JSON.
        const status = (label: string): RegExp =>
          new RegExp(`(Status: +|\\*\\*Status:\\*\\* |<strong>|"status": ")${label}`);
        expect(without).to.match(status(format === "json" ? "unverified" : "UNVERIFIED: "));
        expect(without).not.to.match(status("(READY|ready)"));
        expect(render(checked)).to.match(status(format === "json" ? "ready" : "READY: "));
      });
    }

    it("the schema takes unverified and the HTML marks it apart from ready", () => {
      expect(parseSplitReport(JSON.parse(renderJson(unchecked)), "report.json").status).to.equal(
        "unverified",
      );
      expect(renderHtml(unchecked)).to.include('<p class="status unverified">');
      expect(renderHtml(checked)).to.include('<p class="status ready">');
    });
  });

  it("seed with a reservation and a Service in the K3s half: blocked, and no apply step", () => {
    const report = buildSplitReport(blockedInput());
    expect(report.status).to.equal("blocked");
    expect(report.summary).to.include("4 conflicts with the K3s range 10.102.20.224/27");
    expect(
      report.conflicts.map(({ kind, subject, address, addressEnd }) => [
        kind,
        subject,
        address,
        addressEnd,
      ]),
    ).to.deep.equal([
      ["ip-reservation", `CAN/bootstrap_dhcp/${QUOTES}`, "10.102.20.226", "10.102.20.226"],
      ["ip-reservation", `CAN/bootstrap_dhcp/${SCRIPT}`, "10.102.20.230", "10.102.20.230"],
      ["service", "ims/cfs-ssh", "10.102.20.240", "10.102.20.240"],
      ["ip-reservation", "CAN/bootstrap_dhcp/evil\u001b[31mred", "10.102.20.250", "10.102.20.250"],
    ]);
    for (const conflict of report.conflicts) {
      expect(conflict.message).to.include(conflict.address);
    }
    expect(report.conflicts[1].message).to.include(JSON.stringify(SCRIPT));
    expect(report.conflicts[2].message).to.include("ims/cfs-ssh");
    expect(report.nextSteps.map((s) => s.id)).to.deep.equal(["resolve-conflicts"]);
    const [resolve] = report.nextSteps;
    expect(resolve.lines.map((l) => l.value)).to.include.members([
      `10.102.20.230 CAN/bootstrap_dhcp/${SCRIPT}: move the IPReservation out of the K3s range in SLS, or delete it.`,
      "cray sls dumpstate list --format json > fixtures/systems/seed/sls.json",
      "kubectl get services -A -o json > services.json",
      "uan-k3s split --sls-file fixtures/systems/seed/sls.json --services services.json",
    ]);
    expect(commandsOf(report).join("\n")).not.to.include("--apply");
    expect(report.loadBalancerIps.map((ip) => ip.address)).to.deep.equal([
      "10.102.20.200",
      "10.102.20.240",
    ]);
  });

  it("split system: already split, with the existing range and only the steps left", () => {
    const report = buildSplitReport(inputFor("split", {}, serviceList()));
    expect(report.status).to.equal("already-split");
    expect(report.summary).to.include(
      'SLS already has "CAN Dynamic MetalLB K3s" 10.102.20.224/27 (10.102.20.225 - 10.102.20.254)',
    );
    expect(report.k3s.cidr).to.equal("10.102.20.224/27");
    expect(report.csmPool?.cidr).to.equal("10.102.20.192/27");
    expect(report.subnets.after).to.deep.equal(report.subnets.before);
    expect(report.subnets.after.map((s) => [s.role, s.change])).to.deep.equal([
      ["bootstrap", "unchanged"],
      ["csm-pool", "unchanged"],
      ["k3s", "unchanged"],
    ]);
    expect(report.nextSteps.map((s) => s.id)).to.deep.equal([
      "shrink-csm-pool",
      "restart-csm-metallb",
      "gen-roles",
    ]);
    expect(report.nextSteps[0].title).to.equal(
      "Check that CSM's MetalLB pool customer-access is only 10.102.20.192/27",
    );
    expect(report.nextSteps[1].lines[0].value).to.equal(
      "Only if the previous step changed a pool.",
    );
  });

  it("pre-1.2 system with --network CAN: no MetalLBPoolName, the static pool is another pool", () => {
    const report = buildSplitReport(inputFor("pre12", { network: "CAN" }));
    expect(report.status).to.equal("unverified");
    expect(report.k3s).to.include({ cidr: "10.103.2.192/26", first: "10.103.2.193", count: 62 });
    expect(report.csmPool).to.deep.include({ name: "customer-access", cidr: "10.103.2.128/26" });
    expect(report.subnets.after.map((s) => [s.name, s.role, s.metalLBPoolName])).to.deep.equal([
      ["bootstrap_dhcp", "bootstrap", null],
      ["can_metallb_static_pool", "pool", null],
      ["can_metallb_address_pool", "csm-pool", null],
      ["can_metallb_k3s_address_pool", "k3s", "customer-access-k3s"],
    ]);
    expect(report.reservations[0]).to.deep.equal({
      address: "10.103.2.2",
      name: "can-switch-1",
      subnet: "bootstrap_dhcp",
    });
    expect(commandsOf(report)).to.include(
      "uan-k3s split --network CAN --services services.json --apply --yes",
    );
  });

  it("repeats this run's flags, shell-quoted, and a fresh save of the Services", () => {
    const report = buildSplitReport({
      ...inputFor("seed"),
      rerunArgs: ["--api-gateway", "https://gw.example", "--token-file", "/root/my token"],
    });
    const commands = commandsOf(report);
    expect(commands).to.include(
      "uan-k3s split --api-gateway https://gw.example --token-file '/root/my token' --services services.json --apply --yes",
    );
    const apply = report.nextSteps.find((step) => step.id === "apply-sls")!;
    const lines = apply.lines.map((line) => line.value);
    expect(lines.indexOf("kubectl get services -A -o json > services.json")).to.be.below(
      lines.findIndex((line) => line.endsWith("--apply --yes")),
    );
    const unknown = buildSplitReport({ ...inputFor("seed"), rerunArgs: undefined });
    expect(commandsOf(unknown)).to.include("uan-k3s split --services services.json --apply --yes");
    expect(unknown.nextSteps[1].lines.map((line) => line.value)).to.include(
      "Give uan-k3s split the same source and name flags as this run.",
    );
  });

  it("shell-quotes names from SLS in commands", () => {
    const report = buildSplitReport(
      inputFor("seed", {}, serviceList(), (data) => {
        data.Networks.CAN!.ExtraProperties!.Subnets![1].MetalLBPoolName = "pool $(reboot) 'x'";
      }),
    );
    expect(commandsOf(report)).to.include(
      `kubectl get ipaddresspools.metallb.io -n metallb-system 'pool $(reboot) '\\''x'\\''' -o yaml > ipaddresspool.backup.yaml`,
    );
    expect(shellQuote("plain-word_1.2/3")).to.equal("plain-word_1.2/3");
    expect(shellQuote("")).to.equal("''");
  });

  it("is JSON-able, deterministic and valid against schemas/split-report.schema.json", () => {
    for (const input of [
      inputFor("seed"),
      blockedInput(),
      inputFor("split"),
      inputFor("pre12", { network: "CAN" }),
      inputFor("chn", {}, serviceList()),
    ]) {
      const report = buildSplitReport(input);
      expect(JSON.parse(JSON.stringify(report))).to.deep.equal(report);
      expect(renderJson(buildSplitReport(input))).to.equal(renderJson(report));
      const read = parseSplitReport(JSON.parse(renderJson(report)), "report.json");
      expect(read).to.deep.equal(report);
    }
  });

  it("the schema refuses a report that breaks the contract, with the JSON path", () => {
    const report = JSON.parse(renderJson(buildSplitReport(inputFor("seed")))) as Record<
      string,
      unknown
    >;
    report.status = "passed";
    delete report.nextSteps;
    const error = userErrorFrom(() => parseSplitReport(report, "report.json"));
    expect(error.message).to.include("report.json: /status must be equal to one of");
    expect(error.message).to.include("nextSteps");
  });

  it("does not change its input", () => {
    const input = blockedInput();
    const before = structuredClone(input);
    const report = buildSplitReport(input);
    renderText(report);
    renderMarkdown(report);
    renderHtml(report);
    expect(input).to.deep.equal(before);
  });
});

describe("renderText", () => {
  it("prints the seed's status, K3s range, tables, warnings and numbered steps", () => {
    const text = renderText(buildSplitReport(inputFor("seed")));
    expect(text).to.include(
      "Status:     UNVERIFIED: Nothing in SLS uses the K3s range 10.102.20.224/27",
    );
    expect(text).to.include(
      "K3s range:  10.102.20.224/27: 10.102.20.225 - 10.102.20.254 (30 addresses)",
    );
    expect(text).to.include("Before: CAN subnets as read from SLS");
    expect(text).to.include(
      "After: CAN subnets to PUT (~ changed by the split, + added by the split)",
    );
    expect(text).to.include("None found in SLS. Kubernetes: NOT checked");
    expect(text).to.include("Warnings\n  - CAN holds 2 subnets besides bootstrap_dhcp");
    expect(text).to.match(/\n {2}1\. Check the live Kubernetes Services/);
    expect(text).to.match(/\n {2}5\. Generate the UAN roles\n/);
    expect(text).to.include(
      "$ kubectl delete pod -n metallb-system -l app.kubernetes.io/component=controller",
    );
    expect(text.endsWith("\n")).to.equal(true);
    expect(text).to.match(/^[\n\x20-\x7e]*$/, "plain ASCII, no tabs, no escape sequences");
  });

  it("aligns the columns of the subnet tables, in parts that each repeat the Name", () => {
    const lines = renderText(buildSplitReport(inputFor("seed"))).split("\n");
    const after = lines.indexOf(
      "After: CAN subnets to PUT (~ changed by the split, + added by the split)",
    );
    const names = ["bootstrap_dhcp", "can_metallb_address_pool", "can_metallb_k3s_address_pool"];
    const values: Record<string, string[]> = {
      FullName: ["CAN Bootstrap DHCP Subnet", "CAN Dynamic MetalLB", "CAN Dynamic MetalLB K3s"],
      CIDR: ["10.102.20.128/25", "10.102.20.192/27", "10.102.20.224/27"],
      Gateway: ["10.102.20.129", "10.102.20.193", "10.102.20.225"],
      VLAN: ["6", "6", "6"],
      MetalLBPoolName: ["-", "customer-access", "customer-access-k3s"],
      IPs: ["15", "0", "0"],
    };
    for (const [column, expected] of Object.entries(values)) {
      const header = lines.findIndex((line, i) => i > after && line.includes(` ${column}`));
      expect(lines[header]).to.match(/^ {5}Name {2}/);
      expect(lines[header + 1]).to.match(/^ {5}-+ {2}-+/);
      const at = lines[header].indexOf(column);
      lines.slice(header + 2, header + 5).forEach((row, r) => {
        expect(row.slice(5).startsWith(names[r]), row).to.equal(true);
        expect(row.slice(at).startsWith(expected[r]), row).to.equal(true);
      });
    }
  });

  for (const [name, options] of [
    ["the seed example", {}],
    [
      "long names",
      {
        k3sFullName:
          "CAN Dynamic MetalLB K3s for the user access instances of the whole big system",
        k3sName: "can_k3s_user_access_instances_address_pool_for_the_whole_big_system_of_this_site",
        k3sPoolName: "customer-access-k3s-user-access-instances-of-the-whole-big-system-here",
      },
    ],
  ] as const) {
    it(`fits 100 columns, its commands still whole when pasted: ${name}`, () => {
      const report = buildSplitReport(inputFor("seed", options));
      const text = renderText(report);
      for (const line of text.split("\n")) expect(line.length, line).to.be.at.most(100);
      // A command broken over lines with " \\" is the same command once the shell joins them.
      const joined = text.replace(/ \\\n +/g, " ");
      const commands = report.nextSteps.flatMap((step) =>
        step.lines.filter((line) => line.kind === "command").map((line) => line.value),
      );
      expect(commands.length).to.be.above(5);
      for (const command of commands) expect(joined).to.include(`$ ${command}`);
      if (name === "long names") expect(text).to.include(options.k3sName);
    });
  }

  it("lists the conflicts and shows control characters from SLS escaped", () => {
    const text = renderText(buildSplitReport(blockedInput()));
    expect(text).to.include("Status:     BLOCKED: 4 conflicts with the K3s range 10.102.20.224/27");
    expect(text).to.include(
      `  - 10.102.20.230 ip-reservation CAN/bootstrap_dhcp/${SCRIPT}: IPReservation`,
    );
    expect(text).to.include(
      "  - 10.102.20.240 service ims/cfs-ssh: Kubernetes Service ims/cfs-ssh",
    );
    expect(text).to.include("  1. Resolve each of the 4 conflicts with 10.102.20.224/27");
    expect(text).not.to.include("\u001b");
    expect(text).to.include("evil\\u001b[31mred");
  });

  it("says already split with the existing range", () => {
    const text = renderText(buildSplitReport(inputFor("split")));
    expect(text).to.include(
      'ALREADY SPLIT: SLS already has "CAN Dynamic MetalLB K3s" 10.102.20.224/27',
    );
    expect(text).to.include("CAN subnets (already split: nothing to change)");
    expect(text).not.to.include("After: CAN subnets to PUT");
    expect(text).not.to.include("--apply");
  });
});

describe("renderMarkdown", () => {
  it("has the same content as tables and lists", () => {
    const md = renderMarkdown(buildSplitReport(inputFor("seed")));
    expect(md.startsWith("# uan-k3s split: CAN 10.102.20.128/25\n")).to.equal(true);
    expect(md).to.include(
      "- **K3s range:** 10.102.20.224/27: 10.102.20.225 - 10.102.20.254 (30 addresses)",
    );
    expect(md).to.include(
      "| + | can_metallb_k3s_address_pool | CAN Dynamic MetalLB K3s | 10.102.20.224/27 | 10.102.20.225 | 6 | customer-access-k3s | - | - | 0 |",
    );
    expect(md).to.include("## Conflicts (0)\n\nNone found in SLS. Kubernetes: NOT checked");
    expect(md).to.include("1. **Check the live Kubernetes Services: this run did NOT**");
    expect(md).to.include("5. **Generate the UAN roles**");
    expect(md).to.include(
      "   ```sh\n   kubectl delete pod -n metallb-system -l app.kubernetes.io/component=controller\n   ```",
    );
  });

  it("escapes |, backticks and HTML in values from SLS", () => {
    const md = renderMarkdown(buildSplitReport(blockedInput()));
    expect(md).not.to.include("<script");
    expect(md).not.to.include("<b>");
    expect(md).to.include("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(md).to.include("CAN \\`Bootstrap\\` \\| DHCP &lt;b&gt;x&lt;/b&gt;");
    // Every table row still has its 10 cells: no | from a value splits one.
    const rows = md.split("\n").filter((line) => line.startsWith("| "));
    expect(rows).to.have.length.above(5);
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length - 2, row).to.equal(10);
  });

  it("escapeMarkdown keeps snake_case readable and escapes what could format", () => {
    expect(escapeMarkdown("can_metallb_address_pool")).to.equal("can_metallb_address_pool");
    expect(escapeMarkdown("_x_ *y* [a](b) `c` a|b <i>&amp;\nz")).to.equal(
      "\\_x\\_ \\*y\\* \\[a\\](b) \\`c\\` a\\|b &lt;i&gt;&amp;amp; z",
    );
  });
});

describe("renderHtml", () => {
  it("is one self-contained page with the map, conflicts, warnings and steps", () => {
    const page = renderHtml(buildSplitReport(inputFor("seed")));
    expect(page.startsWith("<!DOCTYPE html>\n")).to.equal(true);
    expect(page).to.include("<style>");
    expect(page).to.include('<svg class="map"');
    expect(page).not.to.match(/<script|<link|<img|<iframe|<object|\ssrc=|\shref=|url\(|@import/i);
    expect(page).to.include("Content-Security-Policy");
    expect(page).to.include(`fill="${MAP_COLOURS.k3s}"`);
    expect(page).to.include(`fill="${MAP_COLOURS.csmPool}"`);
    expect(page).to.include("split at 10.102.20.224");
    for (const address of ["10.102.20.128", "10.102.20.192", "10.102.20.224", "10.102.20.255"]) {
      expect(page).to.include(`class="address">${address}</text>`);
    }
    expect(page).to.include(
      "<h2>Conflicts (0)</h2>\n<p>None found in SLS. Kubernetes: NOT checked",
    );
    expect(page).to.include("<h3>Generate the UAN roles</h3>");
    expect(page).to.include(
      "<pre><code>kubectl get cm -n metallb-system metallb -o yaml &gt; metallb-configmap.backup.yaml</code></pre>",
    );
    expect(page).not.to.include(`fill="${MAP_COLOURS.conflict}"`);
  });

  it("escapes every value from SLS and Kubernetes", () => {
    const page = renderHtml(buildSplitReport(blockedInput()));
    expect(page).not.to.include("<script");
    expect(page).not.to.include("<b>x");
    expect(page).to.include("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).to.include("&quot;&amp;&#39;");
    expect(page).to.include("CAN `Bootstrap` | DHCP &lt;b&gt;x&lt;/b&gt;");
    expect(page).to.include(`fill="${MAP_COLOURS.conflict}"`);
    expect(escapeHtml(`${SCRIPT}${QUOTES}`)).to.equal(
      "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#39;",
    );
  });

  it("renders the same bytes twice, in every format", () => {
    for (const input of [inputFor("seed"), blockedInput(), inputFor("split")]) {
      for (const render of [renderText, renderMarkdown, renderHtml, renderJson]) {
        expect(render(buildSplitReport(input))).to.equal(render(buildSplitReport(input)));
      }
    }
  });
});

describe("renderHtml in headless Chromium", function () {
  needs(this, "chromium");
  // Starting Chromium takes seconds; `npm test` runs with a shorter default timeout.
  this.timeout(120_000);

  it("draws the K3s band and the CSM pool band, and nothing red when nothing conflicts", async () => {
    const input = inputFor("seed", {}, serviceList(service("ims", "a", "10.102.20.200")));
    const png = await screenshot(renderHtml(buildSplitReport(input)));
    expect([png.width, png.height]).to.deep.equal([1280, 900]);
    expect(pixelsOf(png, MAP_COLOURS.k3s)).to.be.above(3000);
    expect(pixelsOf(png, MAP_COLOURS.csmPool)).to.be.above(3000);
    expect(pixelsOf(png, MAP_COLOURS.loadBalancerIp)).to.be.above(20);
    expect(redPixels(png)).to.be.below(20);
  });

  it("draws the conflicts of a blocked split in red", async () => {
    const png = await screenshot(renderHtml(buildSplitReport(blockedInput())));
    expect(pixelsOf(png, MAP_COLOURS.k3s)).to.be.above(3000);
    expect(pixelsOf(png, MAP_COLOURS.csmPool)).to.be.above(3000);
    // Four conflict marks of about 8x22 pixels each, besides the 12x12 legend swatch.
    expect(redPixels(png)).to.be.above(450);
  });
});
