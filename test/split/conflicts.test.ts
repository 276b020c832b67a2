import { expect } from "chai";
import { findConflicts, planSplit, type K8sService, type K8sServiceList } from "../../split";
import type { SlsSubnet } from "../../schemas/generated/sls";
import {
  bican,
  bootstrapSubnet,
  dynamicSubnet,
  networksOf,
  seedSystem,
  staticPoolSubnet,
  userNetwork,
} from "./helpers";

// The seed system's K3s range is 10.102.4.224/27; the bootstrap subnet spans the whole network
// in some systems, so its reservations and DHCP range can reach into it.
function check(subnets: SlsSubnet[], services: K8sService[] = []) {
  return findConflicts(planSplit(seedSystem(subnets)), serviceList(services));
}

function serviceList(items: K8sService[]): K8sServiceList {
  return { apiVersion: "v1", kind: "List", items };
}

function service(namespace: string, name: string, ...ips: string[]): K8sService {
  return {
    metadata: { namespace, name },
    spec: { type: "LoadBalancer" },
    status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } },
  };
}

const wholeBootstrap = (overrides: Partial<SlsSubnet>): SlsSubnet =>
  bootstrapSubnet({ CIDR: "10.102.4.128/25", ...overrides });

describe("findConflicts", () => {
  it("finds none in the seed system, and says the Kubernetes check was done", () => {
    expect(
      check([dynamicSubnet(), bootstrapSubnet()], [service("ims", "a", "10.102.4.200")]),
    ).to.deep.equal({
      conflicts: [],
      kubernetesChecked: true,
      warnings: [],
    });
  });

  it("says the Kubernetes check was NOT done when no services are given", () => {
    const result = findConflicts(planSplit(seedSystem()));
    expect(result.kubernetesChecked).to.equal(false);
    expect(result.conflicts).to.deep.equal([]);
    expect(result.warnings).to.have.length(1);
    expect(result.warnings[0]).to.include("The Kubernetes check was NOT done");
    expect(result.warnings[0]).to.include("kubectl get services -A -o json");
    expect(result.warnings[0]).not.to.match(/passed|no conflicts/i);
  });

  it("still checks SLS when no services are given", () => {
    const bootstrap = wholeBootstrap({
      IPReservations: [{ Name: "uan02", IPAddress: "10.102.4.240" }],
    });
    const plan = planSplit(seedSystem([dynamicSubnet(), bootstrap]));
    expect(findConflicts(plan).conflicts.map((c) => c.kind)).to.deep.equal(["ip-reservation"]);
  });

  it("reports an IPReservation of any subnet inside the K3s half, with subnet, name and address", () => {
    const bootstrap = wholeBootstrap({
      IPReservations: [
        { Name: "below", IPAddress: "10.102.4.223" },
        { Name: "uan02", IPAddress: "10.102.4.224", Comment: "x3000c0s20b0n0" },
        { Name: "top", IPAddress: "10.102.4.255" },
        { Name: "v6", IPAddress: "fd00::1" },
      ],
    });
    const dynamic = dynamicSubnet({
      IPReservations: [{ Name: "pinned", IPAddress: "10.102.4.230" }],
    });
    const { conflicts } = check([dynamic, bootstrap]);
    expect(conflicts[0]).to.deep.equal({
      kind: "ip-reservation",
      network: "CAN",
      subnet: "can_metallb_address_pool",
      reservation: "pinned",
      address: "10.102.4.230",
      message:
        'IPReservation "pinned" of CAN subnet "can_metallb_address_pool" has 10.102.4.230, inside the K3s range 10.102.4.224/27.',
    });
    expect(conflicts.map((c) => c.message)).to.deep.equal([
      conflicts[0].message,
      'IPReservation "uan02" of CAN subnet "bootstrap_dhcp" has 10.102.4.224, inside the K3s range 10.102.4.224/27.',
      'IPReservation "top" of CAN subnet "bootstrap_dhcp" has 10.102.4.255, inside the K3s range 10.102.4.224/27.',
    ]);
  });

  it("reports a DHCP range that overlaps, naming the range and the shared addresses", () => {
    const { conflicts } = check([
      dynamicSubnet(),
      wholeBootstrap({ DHCPStart: "10.102.4.145", DHCPEnd: "10.102.4.230" }),
    ]);
    expect(conflicts).to.deep.equal([
      {
        kind: "dhcp-range",
        network: "CAN",
        subnet: "bootstrap_dhcp",
        start: "10.102.4.145",
        end: "10.102.4.230",
        address: "10.102.4.224",
        message:
          'DHCP range of CAN subnet "bootstrap_dhcp" (10.102.4.145-10.102.4.230) overlaps the K3s range 10.102.4.224/27 at 10.102.4.224-10.102.4.230.',
      },
    ]);
  });

  it("reports a reservation range that overlaps", () => {
    const { conflicts } = check([
      dynamicSubnet(),
      wholeBootstrap({ ReservationStart: "10.102.4.250", ReservationEnd: "10.102.5.10" }),
    ]);
    expect(conflicts).to.have.length(1);
    expect(conflicts[0]).to.deep.include({
      kind: "reservation-range",
      network: "CAN",
      subnet: "bootstrap_dhcp",
      address: "10.102.4.250",
    });
    expect(conflicts[0].message).to.include("at 10.102.4.250-10.102.4.255");
  });

  it("ignores ranges that end just below the K3s half", () => {
    const bootstrap = wholeBootstrap({
      DHCPStart: "10.102.4.145",
      DHCPEnd: "10.102.4.223",
      ReservationStart: "10.102.5.0",
      ReservationEnd: "10.102.5.9",
    });
    expect(check([dynamicSubnet(), bootstrap]).conflicts).to.deep.equal([]);
  });

  it("treats a range with one bound missing as that bound, and a reversed range as its span", () => {
    const lone = wholeBootstrap({ DHCPStart: "10.102.4.240", DHCPEnd: undefined });
    expect(check([dynamicSubnet(), lone]).conflicts[0]).to.deep.include({
      kind: "dhcp-range",
      address: "10.102.4.240",
    });
    const reversed = wholeBootstrap({ DHCPStart: "10.102.4.250", DHCPEnd: "10.102.4.100" });
    expect(check([dynamicSubnet(), reversed]).conflicts[0]).to.deep.include({
      kind: "dhcp-range",
      address: "10.102.4.224",
    });
  });

  it("reports another MetalLB pool reaching into the K3s half, but never the bootstrap subnet", () => {
    const statik = staticPoolSubnet("10.102.4.240/28");
    delete statik.MetalLBPoolName; // pre-1.2 pools are known by their Name alone
    const { conflicts } = check([dynamicSubnet(), statik, wholeBootstrap({})]);
    expect(conflicts).to.deep.equal([
      {
        kind: "pool",
        network: "CAN",
        subnet: "can_metallb_static_pool",
        cidr: "10.102.4.240/28",
        address: "10.102.4.240",
        message:
          'CAN MetalLB pool "can_metallb_static_pool" (10.102.4.240/28) overlaps the K3s range 10.102.4.224/27 at 10.102.4.240-10.102.4.255.',
      },
    ]);
  });

  it("reports a Service's LoadBalancer IP inside the K3s half, with namespace/name and address", () => {
    const { conflicts } = check(
      [dynamicSubnet(), bootstrapSubnet()],
      [
        service("ims", "cray-ims-sshd", "10.102.4.200"),
        service("user", "uai-broker", "10.102.4.225", "fd00::5"),
        {
          metadata: { namespace: "x", name: "by-hostname" },
          status: { loadBalancer: { ingress: [{ hostname: "lb" }] } },
        },
        { metadata: { namespace: "x", name: "cluster-ip" }, spec: { type: "ClusterIP" } },
      ],
    );
    expect(conflicts).to.deep.equal([
      {
        kind: "service",
        namespace: "user",
        service: "uai-broker",
        field: "status.loadBalancer.ingress",
        address: "10.102.4.225",
        message:
          "Kubernetes Service user/uai-broker (LoadBalancer) has status.loadBalancer.ingress 10.102.4.225, inside the K3s range 10.102.4.224/27.",
      },
    ]);
  });

  it("reports a requested loadBalancerIP and an externalIP, and one IP in both places once", () => {
    const pinned: K8sService = {
      metadata: { namespace: "user", name: "pinned" },
      spec: {
        type: "LoadBalancer",
        loadBalancerIP: "10.102.4.240",
        externalIPs: ["10.102.4.241", "10.102.4.240"],
      },
      status: { loadBalancer: { ingress: [{ ip: "10.102.4.240" }] } },
    };
    const { conflicts } = check([dynamicSubnet()], [pinned]);
    expect(
      conflicts.map((c) => (c.kind === "service" ? `${c.field} ${c.address}` : c.kind)),
    ).to.deep.equal(["status.loadBalancer.ingress 10.102.4.240", "spec.externalIPs 10.102.4.241"]);
  });

  it("reports an address nobody can read as a conflict, since it might collide", () => {
    const bootstrap = wholeBootstrap({
      IPReservations: [{ Name: "typo", IPAddress: "10.102.4.2300" }],
      DHCPStart: "10.102.4.x",
      DHCPEnd: "10.102.4.159",
    });
    const { conflicts } = check([dynamicSubnet(), bootstrap], [service("ims", "odd", "010.1.1.1")]);
    expect(conflicts.map((c) => c.kind)).to.deep.equal(["unreadable", "unreadable", "unreadable"]);
    expect(conflicts.map((c) => c.message)).to.deep.equal([
      'The IPAddress of IPReservation "typo" of CAN subnet "bootstrap_dhcp" is "10.102.4.2300", not an IPv4 address, so nobody can tell whether it is inside the K3s range 10.102.4.224/27. Fix it, then run again.',
      'The start of the DHCP range of CAN subnet "bootstrap_dhcp" is "10.102.4.x", not an IPv4 address, so nobody can tell whether it is inside the K3s range 10.102.4.224/27. Fix it, then run again.',
      'The status.loadBalancer.ingress of Kubernetes Service ims/odd (LoadBalancer) is "010.1.1.1", not an IPv4 address, so nobody can tell whether it is inside the K3s range 10.102.4.224/27. Fix it, then run again.',
    ]);
  });

  it("checks an already split network's K3s range, without flagging the K3s subnet itself", () => {
    const split = planSplit(seedSystem());
    if (split.kind !== "split") throw new Error("expected a split");
    const again = planSplit(networksOf(bican("CAN"), split.networkAfter));
    expect(again.kind).to.equal("already-split");
    expect(findConflicts(again, serviceList([])).conflicts).to.deep.equal([]);
    const busy = findConflicts(again, serviceList([service("user", "old", "10.102.4.254")]));
    expect(busy.conflicts.map((c) => c.kind)).to.deep.equal(["service"]);
  });

  it("flags a hand-made split whose original still overlaps the K3s subnet", () => {
    const k3s = dynamicSubnet({
      FullName: "CAN Dynamic MetalLB K3s",
      CIDR: "10.102.4.224/27",
      Name: "can_k3s_address_pool",
      MetalLBPoolName: "customer-access-k3s",
    });
    const plan = planSplit(networksOf(bican("CAN"), userNetwork("CAN", [dynamicSubnet(), k3s])));
    expect(findConflicts(plan, serviceList([])).conflicts.map((c) => c.kind)).to.deep.equal([
      "pool",
    ]);
  });

  it("blocks pre-1.2 data whose bootstrap DHCP range covers the whole pool", () => {
    // As in CSM 1.0 SLS: DHCP .17-.217 of a /24 bootstrap subnet, Dynamic MetalLB .128/25.
    const bootstrap = bootstrapSubnet({
      CIDR: "10.103.2.0/24",
      DHCPStart: "10.103.2.17",
      DHCPEnd: "10.103.2.217",
      IPReservations: [],
    });
    const dynamic = dynamicSubnet({
      CIDR: "10.103.2.128/25",
      MetalLBPoolName: undefined,
      VlanID: 7,
    });
    const plan = planSplit(networksOf(userNetwork("CAN", [dynamic, bootstrap], "10.103.2.0/24")), {
      network: "CAN",
    });
    const { conflicts } = findConflicts(plan, serviceList([]));
    expect(conflicts.map((c) => c.message)).to.deep.equal([
      'DHCP range of CAN subnet "bootstrap_dhcp" (10.103.2.17-10.103.2.217) overlaps the K3s range 10.103.2.192/26 at 10.103.2.192-10.103.2.217.',
    ]);
  });
});

describe("findConflicts in every SLS network", () => {
  /** CMN as CSI lays it out, placed over the seed's K3s half (10.102.4.224/27). */
  function cmn(subnets: SlsSubnet[], cidr = "10.102.4.0/24"): ReturnType<typeof userNetwork> {
    return { ...userNetwork("CMN", subnets, cidr), FullName: "Customer Management Network" };
  }
  const checkWith = (...others: ReturnType<typeof userNetwork>[]) =>
    findConflicts(
      planSplit(networksOf(bican("CAN"), userNetwork("CAN", [dynamicSubnet()]), ...others)),
      serviceList([]),
    );

  it("reports a reservation of another network's subnet, naming network, subnet and reservation", () => {
    const bootstrap = bootstrapSubnet({
      FullName: "CMN Bootstrap DHCP Subnet",
      CIDR: "10.102.4.0/24",
      IPReservations: [
        { Name: "ncn-m001", IPAddress: "10.102.4.10" },
        { Name: "kubeapi-vip", IPAddress: "10.102.4.231" },
      ],
      DHCPStart: undefined,
      DHCPEnd: undefined,
    });
    const { conflicts } = checkWith(cmn([bootstrap]));
    expect(conflicts).to.deep.equal([
      {
        kind: "ip-reservation",
        network: "CMN",
        subnet: "bootstrap_dhcp",
        reservation: "kubeapi-vip",
        address: "10.102.4.231",
        message:
          'IPReservation "kubeapi-vip" of CMN subnet "bootstrap_dhcp" has 10.102.4.231, inside the K3s range 10.102.4.224/27.',
      },
    ]);
  });

  it("reports another network's DHCP range, reservation range and MetalLB pool", () => {
    const { conflicts } = checkWith(
      cmn([
        dynamicSubnet({
          FullName: "CMN Dynamic MetalLB",
          Name: "cmn_metallb_address_pool",
          CIDR: "10.102.4.240/28",
          MetalLBPoolName: "customer-management",
        }),
        bootstrapSubnet({ IPReservations: [], DHCPStart: "10.102.4.200", DHCPEnd: "10.102.4.225" }),
      ]),
      {
        ...userNetwork(
          "NMN",
          [
            bootstrapSubnet({
              IPReservations: [],
              DHCPStart: undefined,
              DHCPEnd: undefined,
              ReservationStart: "10.102.4.250",
              ReservationEnd: "10.102.4.252",
            }),
          ],
          "10.252.0.0/17",
        ),
      },
    );
    const described = conflicts.map((c) =>
      "network" in c ? `${c.kind} ${c.network} ${c.address}` : c.message,
    );
    expect(described).to.deep.equal([
      "pool CMN 10.102.4.240",
      "dhcp-range CMN 10.102.4.224",
      "reservation-range NMN 10.102.4.250",
    ]);
    expect(conflicts[0].message).to.equal(
      'CMN MetalLB pool "cmn_metallb_address_pool" (10.102.4.240/28) overlaps the K3s range 10.102.4.224/27 at 10.102.4.240-10.102.4.255.',
    );
  });

  it("reports an unreadable address of another network", () => {
    const { conflicts } = checkWith(
      cmn([bootstrapSubnet({ IPReservations: [{ Name: "bad", IPAddress: "10.102.4" }] })]),
    );
    expect(conflicts.map((c) => c.message)).to.deep.equal([
      'The IPAddress of IPReservation "bad" of CMN subnet "bootstrap_dhcp" is "10.102.4", not an IPv4 address, so nobody can tell whether it is inside the K3s range 10.102.4.224/27. Fix it, then run again.',
    ]);
  });

  it("passes other networks that hold nothing in the K3s range, and warns of one that overlaps it", () => {
    const outside = cmn(
      [bootstrapSubnet({ IPReservations: [{ Name: "ncn-w001", IPAddress: "10.102.4.20" }] })],
      "10.102.4.0/24",
    );
    const far = cmn([], "10.103.0.0/24");
    const check = checkWith(outside, { ...far, Name: "HMN" });
    expect(check.conflicts).to.deep.equal([]);
    expect(check.warnings).to.deep.equal([
      "The CMN network (10.102.4.0/24) overlaps the K3s range 10.102.4.224/27 at 10.102.4.224-10.102.4.255: addresses there would be routed to two networks.",
    ]);
  });

  it("does not take BICAN's 0.0.0.0/0 for an overlapping network", () => {
    expect(checkWith().warnings).to.deep.equal([]);
  });
});

describe("findConflicts with MetalLB's loadBalancerIPs annotation", () => {
  const annotated = (annotations: Record<string, string>, ingress?: string): K8sService => ({
    metadata: { namespace: "user", name: "asks", annotations },
    spec: { type: "LoadBalancer" },
    status: { loadBalancer: ingress === undefined ? {} : { ingress: [{ ip: ingress }] } },
  });
  const fields = (services: K8sService[]): string[] =>
    check([dynamicSubnet()], services).conflicts.map((c) =>
      c.kind === "service" ? `${c.field} ${c.address}` : c.message,
    );
  const UNIVERSE = "metallb.universe.tf/loadBalancerIPs";

  it("flags a pending Service (no ingress yet) that asks for an address in the range", () => {
    expect(fields([annotated({ [UNIVERSE]: "10.102.4.230" })])).to.deep.equal([
      `metadata.annotations["${UNIVERSE}"] 10.102.4.230`,
    ]);
  });

  it("reads every entry of a comma-separated list, spaces and an IPv6 entry included", () => {
    expect(
      fields([annotated({ [UNIVERSE]: "10.102.4.100, 10.102.4.231 ,fd00::5,10.102.4.232" })]),
    ).to.deep.equal([
      `metadata.annotations["${UNIVERSE}"] 10.102.4.231`,
      `metadata.annotations["${UNIVERSE}"] 10.102.4.232`,
    ]);
  });

  it("reads the metallb.io prefix too, and a pending spec.loadBalancerIP", () => {
    const pending: K8sService = {
      metadata: { namespace: "ims", name: "old-style" },
      spec: { type: "LoadBalancer", loadBalancerIP: "10.102.4.240" },
    };
    expect(
      fields([annotated({ "metallb.io/loadBalancerIPs": "10.102.4.250" }), pending]),
    ).to.deep.equal([
      'metadata.annotations["metallb.io/loadBalancerIPs"] 10.102.4.250',
      "spec.loadBalancerIP 10.102.4.240",
    ]);
  });

  it("reports an address once when the annotation and the ingress agree", () => {
    expect(fields([annotated({ [UNIVERSE]: "10.102.4.230" }, "10.102.4.230")])).to.deep.equal([
      "status.loadBalancer.ingress 10.102.4.230",
    ]);
  });

  it("ignores requests outside the range, other annotations and an empty list", () => {
    expect(
      fields([
        annotated({ [UNIVERSE]: "10.102.4.200", "metallb.universe.tf/address-pool": "x" }),
        annotated({ [UNIVERSE]: "" }),
      ]),
    ).to.deep.equal([]);
  });

  it("reports an unreadable entry, since it might collide", () => {
    expect(fields([annotated({ [UNIVERSE]: "10.102.4.23o" })])).to.deep.equal([
      `The metadata.annotations["${UNIVERSE}"] of Kubernetes Service user/asks (LoadBalancer) is "10.102.4.23o", not an IPv4 address, so nobody can tell whether it is inside the K3s range 10.102.4.224/27. Fix it, then run again.`,
    ]);
  });
});
