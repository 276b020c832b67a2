import type { HaproxyInstance, PodmanContainer, SshdInstance } from "../schemas/generated/config";

/**
 * Every default of the role settings, in one place: `uan-k3s init` writes them out, and
 * with no config file gen-roles reproduces the seed procedure's example.
 */
export const ROLE_DEFAULTS = {
  release: {
    /** Set this to your UAN release's repository (uan-<version>-third-party). */
    third_party_url: "https://packages.local/repository/uan-2.6-third-party",
    /** Where the system mirrors third-party images (HPE's UAN roles use the same path). */
    third_party_registry: "registry.local/artifactory.algol60.net/csm-docker/stable",
    k3s_version: "v1.26.0+k3s1",
    metallb_chart: "metallb-0.13.7",
    haproxy_chart: "haproxy-1.17.3",
  },
  k3s: {
    install_path: "/opt/k3s",
    kubeconfig: "/root/.kube/k3s.yml",
    installer: "k3s-install.sh",
    binary: "k3s",
    airgap_images: "k3s-airgap-images-amd64.tar",
    install_options: ["--disable=servicelb", "--disable=traefik", "--snapshotter=fuse-overlayfs"],
    /** The node management network, so pod traffic stays off the users' network (HPE: nmn0). */
    flannel_iface: "nmn0",
    api_port: 6443,
    stage_without_image: false,
  },
  helm: {
    binary: "/usr/bin/helm",
    install_path: "/opt/cray/uan/helm",
    timeout: "5m",
  },
  metallb: {
    release: "metallb",
    namespace: "metallb-system",
    /** What MetalLB 0.13 (the UAN release's chart) serves IPAddressPool and L2Advertisement as. */
    api_version: "metallb.io/v1beta1",
  },
  podman: {
    storage_dir: "/scratch/containers",
  },
} as const;

/**
 * The HAProxy image (haproxy_chart's appVersion) by its upstream path: the default haproxy_image
 * is this under third_party_registry, so that an air-gapped system never reaches Docker Hub.
 */
export const HAPROXY_IMAGE_PATH = "docker.io/haproxytech/haproxy-alpine:2.6.6";

/** What each HAProxy instance gets unless it says otherwise (the seed's haproxy-uai). */
export const HAPROXY_DEFAULTS = {
  kind: "DaemonSet",
  service_type: "LoadBalancer",
  port: 22,
  balance: "leastconn",
  maxconn: 1024,
  check: { expect: "SSH-2.0-OpenSSH.*", inter: "10s", fall: 2, rise: 1 },
  timeouts: { connect: "10s", client: "36h", server: "36h" },
} as const satisfies Omit<HaproxyInstance, "name">;

/** The seed's container: rootless, the user's own uid inside, host network, X11 passed on. */
export const PODMAN_DEFAULTS = {
  storage_root: "/scratch/containers/$USER",
  hostname: "uai",
  userns: "keep-id",
  network: "host",
  cgroup_manager: "cgroupfs",
  // Each user has their own storage root, so "missing" would keep a stale image for ever
  // once one is pushed again under the same tag.
  pull: "always",
  x11: true,
  extra_args: [],
} as const satisfies Omit<PodmanContainer, "image">;

/** The seed's example image; the seed says to replace it, so gen-roles warns while it is used. */
export const EXAMPLE_IMAGE = "registry.local/cray/uai:latest";

export const SSHD_DEFAULTS = {
  config_path: "/etc/ssh/uan",
  match: "User *",
} as const satisfies Omit<SshdInstance, "name" | "port">;

/** With no `sshd:` in the config: the seed's `uai` instance on port 9000 with its container. */
export const DEFAULT_SSHD_INSTANCE = {
  name: "uai",
  port: 9000,
  podman: { image: EXAMPLE_IMAGE },
} as const;
export const DEFAULT_SSHD: readonly SshdInstance[] = [DEFAULT_SSHD_INSTANCE];

/** With no `haproxy:` in the config: the seed's single `haproxy-uai` instance. */
export const DEFAULT_HAPROXY_INSTANCE = { name: "haproxy-uai" } as const;
export const DEFAULT_HAPROXY: readonly HaproxyInstance[] = [DEFAULT_HAPROXY_INSTANCE];
