import { expect } from "chai";
import { UserError } from "../../core/errors";
import { buildInventory } from "../../inventory/build";
import { buildRoleModel, describeMetallbRange } from "../../generator/model";
import type { UanK3SConfig } from "../../schemas/generated/config";
import { group, network, node, system, UAN1, UAN2 } from "../inventory/system";

const k3sSubnet = {
  Name: "k3s",
  FullName: "CAN Dynamic MetalLB K3s",
  CIDR: "10.0.0.224/27",
  VlanID: 6,
};
const inventory = (nodes = [UAN1, UAN2], withRange = true) =>
  buildInventory(
    system(
      nodes,
      [
        network("BICAN", "0.0.0.0/0", [], "CAN"),
        network("CAN", "10.0.0.0/24", withRange ? [k3sSubnet] : []),
      ],
      [
        group("k3s_server", [nodes[0].Xname]),
        group(
          "k3s_agent",
          nodes.slice(1).map((n) => n.Xname),
        ),
      ],
    ),
    { hostnames: "xname" },
  );
const model = (config: UanK3SConfig, inv = inventory()) => buildRoleModel(config, inv, "u.yaml");

describe("buildRoleModel", () => {
  it("pulls third-party images from the system's registry, and follows a site's own", () => {
    const hpe = "registry.local/artifactory.algol60.net/csm-docker/stable";
    expect(model({}).release).to.deep.include({
      third_party_registry: hpe,
      haproxy_image: `${hpe}/docker.io/haproxytech/haproxy-alpine:2.6.6`,
    });
    expect(model({ release: { third_party_registry: "mirror:5000/csm" } }).release).to.deep.include(
      {
        third_party_registry: "mirror:5000/csm",
        haproxy_image: "mirror:5000/csm/docker.io/haproxytech/haproxy-alpine:2.6.6",
      },
    );
    const own = { third_party_registry: "mirror:5000/csm", haproxy_image: "site/haproxy:3" };
    expect(model({ release: own }).release.haproxy_image).to.equal("site/haproxy:3");
  });

  it("runs flannel on the node management network unless told otherwise", () => {
    expect(model({}).k3s.flannel_iface).to.equal("nmn0");
    expect(model({ k3s: { flannel_iface: "hsn0" } }).k3s.flannel_iface).to.equal("hsn0");
    expect(model({ k3s: { flannel_iface: "" } }).k3s.flannel_iface).to.equal("");
  });

  it("reproduces the seed's example with no config: haproxy-uai over the K3s nodes at sshd uai's port", () => {
    const m = model({});
    expect(m.haproxy).to.have.length(1);
    expect(m.haproxy[0]).to.deep.include({
      name: "haproxy-uai",
      namespace: "haproxy-uai",
      port: 22,
      balance: "leastconn",
    });
    expect(m.haproxy[0].backends).to.deep.equal([
      { name: "uan01", address: "uan01", port: 9000 },
      { name: "uan02", address: "uan02", port: 9000 },
    ]);
    expect(m.sshd).to.deep.equal([
      {
        name: "uai",
        config_path: "/etc/ssh/uan",
        port: 9000,
        match: "User *",
        podman: {
          image: "registry.local/cray/uai:latest",
          storage_root: "/scratch/containers/$USER",
          hostname: "uai",
          userns: "keep-id",
          network: "host",
          cgroup_manager: "cgroupfs",
          pull: "always",
          x11: true,
          extra_args: [],
        },
      },
    ]);
    expect(m.metallb).to.deep.include({
      range: { start: "10.0.0.225", end: "10.0.0.254" },
      rangeSource: "sls",
    });
    expect(m.warnings.join("\n")).to.include("seed's example image");
  });

  it("lets the config's MetalLB range beat SLS, warning about the difference", () => {
    const m = model({ metallb: { range: { start: "10.0.0.230", end: "10.0.0.240" } } });
    expect(m.metallb).to.deep.include({
      range: { start: "10.0.0.230", end: "10.0.0.240" },
      rangeSource: "config",
    });
    expect(m.warnings.join("\n")).to.include("differs from the SLS K3s subnet");
    expect(describeMetallbRange(m.metallb, inventory([UAN1, UAN2], true))).to.equal(
      "MetalLB range for HAProxy's external IP: 10.0.0.230-10.0.0.240, from metallb.range in the config file",
    );
  });

  it("warns, rather than guesses, when there is no MetalLB range at all", () => {
    const m = model({}, inventory([UAN1, UAN2], false));
    expect(m.metallb.rangeSource).to.equal("none");
    expect(describeMetallbRange(m.metallb, inventory([UAN1, UAN2], false))).to.equal(undefined);
    expect(m.warnings.join("\n")).to.include("no MetalLB range");
  });

  it("refuses a reversed range", () => {
    expect(() =>
      model({ metallb: { range: { start: "10.0.0.240", end: "10.0.0.230" } } }),
    ).to.throw(UserError, "u.yaml: /metallb/range: start 10.0.0.240 is after end 10.0.0.230");
  });

  it("refuses duplicate sshd names and ports, and ports the node already uses", () => {
    expect(() =>
      model({
        sshd: [
          { name: "a", port: 9000 },
          { name: "a", port: 9001 },
        ],
      }),
    ).to.throw(UserError, 'two sshd instances are named "a"');
    expect(() =>
      model({
        sshd: [
          { name: "a", port: 9000 },
          { name: "b", port: 9000 },
        ],
      }),
    ).to.throw(UserError, "two sshd instances listen on port 9000");
    expect(() => model({ sshd: [{ name: "a", port: 22 }] })).to.throw(
      UserError,
      "u.yaml: /sshd/0/port: 22 is already used on the node by the system sshd",
    );
    expect(() => model({ sshd: [{ name: "a", port: 6443 }] })).to.throw(
      UserError,
      "the K3s API server",
    );
  });

  it("refuses every TCP port K3s takes on its nodes for sshd, naming the key and the user", () => {
    const refused: [number, string][] = [
      [2379, "etcd on HA K3s servers"],
      [2380, "etcd on HA K3s servers"],
      [5001, "embedded registry mirror"],
      [6443, "the K3s API server"],
      [6444, "the K3s supervisor and API server"],
      [10010, "containerd"],
      [10248, "the kubelet"],
      [10250, "the kubelet"],
      [10256, "kube-proxy"],
      [10259, "the scheduler"],
      [30000, "NodePort"],
      [32767, "NodePort"],
    ];
    for (const [port, by] of refused) {
      const config = {
        sshd: [
          { name: "a", port: 9000 },
          { name: "b", port },
        ],
      };
      expect(() => model(config), String(port))
        .to.throw(UserError, `u.yaml: /sshd/1/port: ${port} is already used on the node by `)
        .with.property("message")
        .that.includes(by);
    }
    // K3s's API on another port frees 6443's neighbours for nothing else: that port is taken.
    expect(() => model({ k3s: { api_port: 7443 }, sshd: [{ name: "a", port: 7443 }] })).to.throw(
      UserError,
      "u.yaml: /sshd/0/port: 7443 is already used on the node by the K3s API server",
    );
    for (const port of [23, 2378, 2381, 6442, 8472, 10251, 29999, 32768, 51820]) {
      expect(model({ sshd: [{ name: "a", port }] }).sshd[0].port, String(port)).to.equal(port);
    }
  });

  it("refuses two backends of one HAProxy instance with the same name", () => {
    for (const names of [
      ["uan01", "uan01"],
      ["a", "b", "a"],
    ]) {
      const backends = names.map((name, i) => ({ name, address: `uan0${i + 1}` }));
      expect(() => model({ haproxy: [{ name: "h" }, { name: "g", backends }] })).to.throw(
        UserError,
        `u.yaml: /haproxy/1/backends: two backends are named "${names[0]}"`,
      );
    }
    // The same server name in two instances is two HAProxy configs: allowed.
    const one = [{ name: "uan01", address: "uan01" }];
    expect(
      model({
        haproxy: [
          { name: "h", backends: one },
          { name: "g", backends: one },
        ],
      }).haproxy,
    ).to.have.length(2);
  });

  it("refuses a health-check pattern HAProxy's PCRE would not compile, naming check.expect", () => {
    const refused: [string, string][] = [
      ["SSH-2\\.0\\", "ends in a backslash that escapes nothing"],
      ["\\", "ends in a backslash that escapes nothing"],
      ["^SSH\\\\\\", "ends in a backslash that escapes nothing"],
      ["SSH(", "is not a valid regular expression"],
      ["SSH)", "is not a valid regular expression"],
      ["[SSH", "is not a valid regular expression"],
      ["*SSH", "is not a valid regular expression"],
      ["(a)\\1", "has \\1, which is not an escape"],
      ["\\i", "has \\i, which is not an escape"],
    ];
    for (const [pattern, why] of refused) {
      const config = { haproxy: [{ name: "h", check: { expect: pattern } }] };
      expect(() => model(config), pattern).to.throw(
        UserError,
        `u.yaml: /haproxy/0/check/expect: ${JSON.stringify(pattern)} ${why}`,
      );
    }
    for (const pattern of ["^SSH-2\\.0-", "SSH\\\\", "\\d+ \\(x\\)", "a|b", "[\\]]"]) {
      const config = { haproxy: [{ name: "h", check: { expect: pattern } }] };
      expect(model(config).haproxy[0].check, pattern).to.include({ expect: pattern });
    }
  });

  it("refuses HAProxy timers it would not take: past ~24.8 days, or a zero check interval", () => {
    const refused: [object, string][] = [
      [{ timeouts: { client: "25d" } }, '/haproxy/0/timeouts/client: "25d" is more than'],
      [{ timeouts: { server: "2147483648" } }, "/haproxy/0/timeouts/server"],
      [{ timeouts: { connect: "99999999999h" } }, "/haproxy/0/timeouts/connect"],
      [{ check: { inter: "0" } }, '/haproxy/0/check/inter: "0" must be more than 0'],
      [{ check: { inter: "0ms" } }, "/haproxy/0/check/inter"],
      [{ check: { inter: "30d" } }, "/haproxy/0/check/inter"],
    ];
    for (const [settings, message] of refused) {
      expect(() => model({ haproxy: [{ name: "h", ...settings }] }), message).to.throw(
        UserError,
        message,
      );
    }
    const fine = { timeouts: { client: "24d", server: "0", connect: "2147483647" } };
    expect(
      model({ haproxy: [{ name: "h", ...fine, check: { inter: "1us" } }] }).haproxy,
    ).to.have.length(1);
    // A complete haproxy.cfg of the site's own is not generated, so not checked here.
    const own = { name: "h", check: { expect: "(" }, config: "global\n" };
    expect(model({ haproxy: [own] }).haproxy[0].config).to.equal("global\n");
  });

  it("points HAProxy at the named sshd instance, and refuses an unknown one", () => {
    const m = model({
      sshd: [
        { name: "a", port: 9000 },
        { name: "b", port: 9100 },
      ],
      haproxy: [{ name: "h", sshd: "b" }],
    });
    expect(m.haproxy[0].backends.map((b) => b.port)).to.deep.equal([9100, 9100]);
    expect(() => model({ haproxy: [{ name: "h", sshd: "nope" }] })).to.throw(
      UserError,
      'u.yaml: /haproxy/0/sshd: no sshd instance named "nope"',
    );
  });

  it("refuses an SLS alias that would inject HAProxy directives", () => {
    const evil = node("x3000c0s9b0n0", "Application", "UAN", ["uan01\n  server evil 10.0.0.1:22"]);
    expect(() => model({}, buildInventory(system([evil]), { hostnames: "xname" }))).to.throw(
      UserError,
      "is not a valid host name",
    );
  });

  it("refuses HAProxy with no backends when there are no K3s nodes", () => {
    expect(() => model({}, buildInventory(system([]), { hostnames: "xname" }))).to.throw(
      UserError,
      "has no backends",
    );
  });

  it("names the MetalLB pool after the split's: the SLS K3s subnet's pool, CHN's, or the config's", () => {
    const named = (poolName?: string, net = "CAN") =>
      buildInventory(
        system(
          [UAN1, UAN2],
          [
            network("BICAN", "0.0.0.0/0", [], net),
            network(net, "10.0.0.0/24", [
              {
                ...k3sSubnet,
                FullName: `${net} Dynamic MetalLB K3s`,
                ...(poolName === undefined ? {} : { MetalLBPoolName: poolName }),
              },
            ]),
          ],
          [group("k3s_server", [UAN1.Xname])],
        ),
        { hostnames: "xname" },
      );
    expect(model({}, named("customer-access-k3s")).metallb).to.deep.include({
      pool_name: "customer-access-k3s",
      l2advertisement_name: "customer-access-k3s",
      api_version: "metallb.io/v1beta1",
    });
    // split --k3s-pool-name
    expect(model({}, named("uan-users")).metallb.pool_name).to.equal("uan-users");
    // pre-1.2 data: no MetalLBPoolName, named after CSM's pool of the network
    expect(model({}, named(undefined, "CHN")).metallb.pool_name).to.equal(
      "customer-high-speed-k3s",
    );
    const own = {
      pool_name: "k3s",
      l2advertisement_name: "k3s-l2",
      api_version: "metallb.io/v1beta2",
    };
    expect(model({ metallb: own }, named("uan-users")).metallb).to.deep.include(own);
    const bad = model({}, named("Not A Name"));
    expect(bad.metallb.pool_name).to.equal("customer-access-k3s");
    expect(bad.warnings.join("\n")).to.include(
      'MetalLBPoolName "Not A Name" is not a Kubernetes name',
    );
  });

  it("takes the seed's forms: uan_haproxy with chart variables and args, uan_sshd_configs with a quoted port", () => {
    const m = model({
      uan_haproxy: [
        {
          name: "haproxy-uai",
          namespace: "haproxy-uai",
          chart: "{{ haproxy_chart }}",
          chart_path: "{{ helm_install_path }}/charts/{{ haproxy_chart }}.tgz",
          args: "--set service.type=NodePort --set-string controller.tag=2 --atomic --timeout 10m",
          kind: "Deployment",
          sshd_port: "9100",
        },
      ],
      uan_sshd_configs: [
        { name: "uai", config_path: "/etc/ssh/uan", port: "9100", config: "Match User *\n" },
      ],
      metallb_ipaddresspool_range_start: "10.0.0.230",
      metallb_ipaddresspool_range_end: "10.0.0.240",
    });
    expect(m.haproxy[0]).to.deep.include({
      chart: "haproxy-1.17.3",
      chart_path: "/opt/cray/uan/helm/charts/haproxy-1.17.3.tgz",
      kind: "Deployment",
      service_type: "NodePort",
      values: { service: { type: "NodePort" }, controller: { tag: "2" } },
      helm_args: ["--atomic"],
      timeout: "10m",
    });
    expect(m.haproxy[0].backends.map((b) => b.port)).to.deep.equal([9100, 9100]);
    expect(m.sshd[0]).to.deep.include({ port: 9100, config: "Match User *\n" });
    expect(m.metallb).to.deep.include({
      range: { start: "10.0.0.230", end: "10.0.0.240" },
      rangeSource: "config",
    });
  });

  it("refuses at generation time what the seed's forms cannot mean here, naming the field", () => {
    const haproxy = (extra: object) => () => model({ uan_haproxy: [{ name: "h", ...extra }] });
    expect(haproxy({ chart: "{{ my_chart }}" })).to.throw(
      UserError,
      "u.yaml: /uan_haproxy/0/chart: {{ my_chart }} is not a variable uan-k3s knows",
    );
    expect(haproxy({ chart_path: "/srv/charts/haproxy.tgz" })).to.throw(
      UserError,
      'u.yaml: /uan_haproxy/0/chart_path: "/srv/charts/haproxy.tgz" is not where uan_helm stages chart haproxy-1.17.3',
    );
    expect(haproxy({ args: "--values /tmp/x.yml" })).to.throw(
      UserError,
      'u.yaml: /uan_haproxy/0/args: "--values" is not an argument uan-k3s can pass to helm',
    );
    expect(haproxy({ args: "--set ports[0]=22" })).to.throw(UserError, "is not key.path=value");
    expect(haproxy({ args: "--set" })).to.throw(UserError, "--set needs a value");
    expect(haproxy({ args: "--set service.type=External" })).to.throw(
      UserError,
      'service.type "External" is not LoadBalancer',
    );
    expect(haproxy({ sshd_port: 9500 })).to.throw(
      UserError,
      "u.yaml: /uan_haproxy/0/sshd_port: no sshd instance listens on port 9500",
    );
    expect(() => model({ haproxy: [{ name: "a" }], uan_haproxy: [{ name: "b" }] })).to.throw(
      UserError,
      "u.yaml: /uan_haproxy: haproxy is given too",
    );
    expect(() => model({ uan_sshd_configs: [{ name: "a", port: "70000" }] })).to.throw(
      UserError,
      'u.yaml: /uan_sshd_configs/0/port: "70000" is not a port',
    );
    expect(() => model({ metallb_ipaddresspool_range_start: "10.0.0.1" })).to.throw(
      UserError,
      "/metallb_ipaddresspool_range_end is missing",
    );
  });

  it("points HAProxy at the system sshd with sshd_port 22, as HPE's role allows", () => {
    const m = model({ haproxy: [{ name: "h", sshd_port: 22 }] });
    expect(m.haproxy[0].backends.map((b) => b.port)).to.deep.equal([22, 22]);
  });

  it("does not change its inputs", () => {
    const config: UanK3SConfig = { sshd: [{ name: "a", port: 9000, podman: { image: "r/i:1" } }] };
    const before = JSON.stringify(config);
    model(config);
    expect(JSON.stringify(config)).to.equal(before);
  });
});
