import { shellQuote } from "../../core/shell";
import { posix } from "node:path";
import { metallbRangeOrigin } from "../../inventory/networks";
import type {
  SplitReport,
  SplitReportConflict,
  SplitReportStep,
  SplitReportStepLine,
} from "../../schemas/generated/split-report";
import { CSM_CONFIGMAP_FILE, CSM_IPADDRESSPOOL_FILE, slsNetworkFile } from "../artifacts/render";

/** The flag that gives `uan-k3s split` the output of `kubectl get services -A -o json`. */
const SERVICES_FLAG = "--services";

const SLS_API = "https://api-gw-service-nmn.local/apis/sls/v1";
const PLATFORM_CA = "/etc/pki/trust/anchors/platform-ca-certs.crt";
const SERVICES_FILE = "services.json";
const SLS_FILE_FLAG = "--sls-file";
const CONTROLLER = "-n metallb-system -l app.kubernetes.io/component=controller";

export interface StepOptions {
  /** The arguments of this run other than --apply, --yes, --format and --out. */
  rerunArgs?: readonly string[];
  /** Where --out wrote the files. */
  outDir?: string;
  /** Whether csm-metallb-configmap.yaml is the whole live ConfigMap, not just the pool entry. */
  wholeConfigMap?: boolean;
}

type Line = SplitReportStepLine;
const text = (value: string): Line => ({ kind: "text", value });
const command = (...words: string[]): Line => ({ kind: "command", value: words.join(" ") });
const option = (value: string): Line => ({ kind: "option", value });

/**
 * What the admin runs next, in order: check Kubernetes when it was not, resolve conflicts and
 * run again (and stop there while blocked), apply to SLS, shrink CSM's MetalLB pool, restart
 * CSM's MetalLB controller, generate the roles. Already split: only what may still be left.
 * Every command is one shell line to paste; anything from SLS in it is shell-quoted.
 */
export function nextSteps(report: SplitReport, options: StepOptions): SplitReportStep[] {
  const run = new Commands(report, options);
  if (report.conflicts.length > 0) {
    const resolve = resolveConflicts(report, run);
    // Blocked, the run after the fixes prints the steps that are left.
    if (report.status === "blocked") return [resolve];
    return [resolve, ...alreadySplitSteps(report, run)];
  }
  const check = report.kubernetesChecked ? [] : [checkKubernetes(report, run)];
  if (report.status === "already-split") return [...check, ...alreadySplitSteps(report, run)];
  return [
    ...check,
    applySls(report, run),
    shrinkCsmPool(report, run),
    restartCsmMetallb(report),
    genRoles(report),
  ];
}

function alreadySplitSteps(report: SplitReport, run: Commands): SplitReportStep[] {
  const pool = report.csmPool === null ? checkCsmPools(report) : shrinkCsmPool(report, run);
  return [pool, restartCsmMetallb(report), genRoles(report)];
}

/** The command lines that depend on this run's flags and --out directory. */
class Commands {
  /** The files `uan-k3s split --out DIR` wrote, shell-quoted, with DIR when it is known. */
  readonly files: { sls: string; configMap: string; ipAddressPool: string };
  /** The SLS dump this run read, when it was given --sls-file. */
  readonly slsFile: string | undefined;

  constructor(
    report: SplitReport,
    private readonly options: StepOptions,
  ) {
    const at = (name: string): string =>
      shellQuote(options.outDir === undefined ? name : posix.join(options.outDir, name));
    this.files = {
      sls: at(slsNetworkFile(report.network)),
      configMap: at(CSM_CONFIGMAP_FILE),
      ipAddressPool: at(CSM_IPADDRESSPOOL_FILE),
    };
    const args = options.rerunArgs ?? [];
    const fileAt = args.indexOf(SLS_FILE_FLAG);
    this.slsFile = fileAt === -1 ? undefined : args[fileAt + 1];
  }

  /**
   * Saves the live Services, then runs `uan-k3s split` with this run's flags, the Services and
   * `extra`. The Services are saved again each time: they may have changed since.
   */
  split(extra: { apply?: boolean } = {}): Line[] {
    let args = this.options.rerunArgs ?? [];
    if (extra.apply === true) {
      // --apply reads SLS from the API, never from a file (the CLI refuses the two together).
      const at = args.indexOf(SLS_FILE_FLAG);
      if (at !== -1) args = [...args.slice(0, at), ...args.slice(at + 2)];
    }
    const words = [...args.map(shellQuote), SERVICES_FLAG, SERVICES_FILE];
    if (extra.apply === true) words.push("--apply", "--yes");
    return [
      ...(this.options.rerunArgs === undefined
        ? [text("Give uan-k3s split the same source and name flags as this run.")]
        : []),
      command("kubectl get services -A -o json >", SERVICES_FILE),
      command("uan-k3s split", ...words),
    ];
  }

  /** A fresh dump of SLS, when this run read one from a file: after a fix, the old one is stale. */
  freshSls(): Line[] {
    if (this.slsFile === undefined) return [];
    return [command("cray sls dumpstate list --format json >", shellQuote(this.slsFile))];
  }

  get wholeConfigMap(): boolean {
    return this.options.wholeConfigMap === true;
  }
}

function checkKubernetes(report: SplitReport, run: Commands): SplitReportStep {
  return {
    id: "check-kubernetes",
    title: "Check the live Kubernetes Services: this run did NOT",
    lines: [
      text(
        `Whether a LoadBalancer IP in ${report.k3s.cidr} is already in use is unknown (the ims and user namespaces are the likely users). On a master node, save the Services and run again with them; go on only if that run says ${report.status === "unverified" ? "READY" : "no conflicts"}:`,
      ),
      ...run.split(),
    ],
  };
}

const REMEDIES: Readonly<Record<SplitReportConflict["kind"], string>> = {
  "ip-reservation": "move the IPReservation out of the K3s range in SLS, or delete it",
  "dhcp-range": "shrink the subnet's DHCPStart-DHCPEnd in SLS so that it ends before the K3s range",
  "reservation-range":
    "shrink the subnet's ReservationStart-ReservationEnd in SLS so that it ends before the K3s range",
  pool: "move or shrink that MetalLB pool out of the K3s range",
  service:
    "give the Service an address outside the K3s range (or delete it); its pool's addresses must leave the range too",
  unreadable: "fix the value",
};

function resolveConflicts(report: SplitReport, run: Commands): SplitReportStep {
  const n = report.conflicts.length;
  const lines = report.conflicts.map((conflict) =>
    text(`${conflict.address ?? "?"} ${conflict.subject}: ${REMEDIES[conflict.kind]}.`),
  );
  const unchecked = report.kubernetesChecked
    ? []
    : [text("This run did NOT check the live Kubernetes Services; the run below does.")];
  return {
    id: "resolve-conflicts",
    title: `Resolve ${n === 1 ? "the conflict" : `each of the ${n} conflicts`} with ${report.k3s.cidr}`,
    lines: [
      text("K3s's MetalLB would hand out these addresses a second time. For each (see Conflicts):"),
      ...lines,
      text("Then run again, on SLS and the Services as they are after the fixes:"),
      ...unchecked,
      ...run.freshSls(),
      ...run.split(),
      ...(report.status === "blocked"
        ? [text("That run lists the remaining steps once nothing conflicts.")]
        : []),
    ],
  };
}

function applySls(report: SplitReport, run: Commands): SplitReportStep {
  const net = report.network;
  const url = `${SLS_API}/networks/${net}`;
  const curl = `curl -sSf --cacert ${PLATFORM_CA} -H "Authorization: Bearer $TOKEN"`;
  return {
    id: "apply-sls",
    title: `Apply the split to SLS (PUT network ${net})`,
    lines: [
      text(
        `A PUT replaces the whole ${net} network and SLS has no locking: apply right after this run, and if SLS may have changed since, run again first.`,
      ),
      option(
        "With uan-k3s, which backs the network up first and prints the command that undoes the write:",
      ),
      ...(run.slsFile === undefined
        ? []
        : [
            text(
              "--apply reads SLS from the CSM API, not from the file: run it where the API is reachable.",
            ),
          ]),
      ...run.split({ apply: true }),
      option(`Or by hand, with ${run.files.sls} written by --out ($TOKEN: an admin-client token):`),
      command(curl, url, ">", shellQuote(`sls-${net}.backup.json`)),
      command(
        curl,
        "-X PUT -H 'Content-Type: application/json'",
        `--data-binary @${run.files.sls}`,
        url,
      ),
    ],
  };
}

function shrinkCsmPool(report: SplitReport, run: Commands): SplitReportStep {
  const pool = report.csmPool!;
  const set = `set the addresses of pool ${pool.name} to ${pool.cidr}`;
  const done = report.status === "already-split";
  return {
    id: "shrink-csm-pool",
    title: done
      ? `Check that CSM's MetalLB pool ${pool.name} is only ${pool.cidr}`
      : `Shrink CSM's MetalLB pool ${pool.name} to ${pool.cidr}, the lower half`,
    lines: [
      ...(done
        ? [
            text(
              `SLS is split, but CSM's MetalLB configuration is not in SLS. Look at the pool (first command of your CSM version); if it still reaches into ${report.k3s.cidr}, shrink it as below.`,
            ),
          ]
        : []),
      option("CSM 1.6 and earlier: ConfigMap metallb in namespace metallb-system."),
      command("kubectl get cm -n metallb-system metallb -o yaml > metallb-configmap.backup.yaml"),
      ...(run.wholeConfigMap
        ? [
            text(`Check that only the addresses of ${pool.name} change, then replace:`),
            command("kubectl diff -f", run.files.configMap),
            command("kubectl replace -f", run.files.configMap),
            text(`Or by hand: in data.config, under address-pools, ${set}:`),
          ]
        : [
            text(
              `${run.files.configMap} holds only the pool entry (this run was not given the live ConfigMap): never kubectl replace or apply it. Merge by hand: in data.config, under address-pools, ${set}:`,
            ),
          ]),
      command("kubectl edit -n metallb-system cm/metallb"),
      option(
        "CSM 1.7: IPAddressPool resources (metallb.io/v1beta1), made from customizations.yaml in secret site-init.",
      ),
      command(
        "kubectl get ipaddresspools.metallb.io -n metallb-system",
        shellQuote(pool.name),
        "-o yaml > ipaddresspool.backup.yaml",
      ),
      command("kubectl diff -f", run.files.ipAddressPool),
      command("kubectl apply -f", run.files.ipAddressPool),
      text(
        `Update customizations.yaml in secret site-init (namespace loftsman) too, or a reinstall or upgrade of CSM brings the old pool back. Save it:`,
      ),
      command(
        "kubectl get secret -n loftsman site-init -o jsonpath='{.data.customizations\\.yaml}' | base64 -d > customizations.yaml",
      ),
      command("cp customizations.yaml customizations.yaml.backup"),
      text(`In customizations.yaml, ${set}. Then store it back:`),
      command(
        "kubectl create secret generic -n loftsman site-init --from-file=customizations.yaml --dry-run=client -o yaml | kubectl replace -f -",
      ),
    ],
  };
}

function checkCsmPools(report: SplitReport): SplitReportStep {
  return {
    id: "check-csm-pools",
    title: `Check that no CSM MetalLB pool includes ${report.k3s.cidr}`,
    lines: [
      text(
        `SLS has no subnet the K3s subnet was split from, so uan-k3s cannot tell which CSM pool to look at. Shrink any pool that reaches into ${report.k3s.first} - ${report.k3s.last}.`,
      ),
      option("CSM 1.6 and earlier:"),
      command("kubectl get cm -n metallb-system metallb -o yaml"),
      option("CSM 1.7 (and customizations.yaml in secret site-init):"),
      command("kubectl get ipaddresspools.metallb.io -n metallb-system -o yaml"),
    ],
  };
}

function restartCsmMetallb(report: SplitReport): SplitReportStep {
  return {
    id: "restart-csm-metallb",
    title: "Restart CSM's MetalLB controller",
    lines: [
      ...(report.status === "already-split"
        ? [text("Only if the previous step changed a pool.")]
        : [text("So that CSM's MetalLB stops handing out the K3s half:")]),
      command("kubectl delete pod", CONTROLLER),
      text("Wait until the new controller pod is Running:"),
      command("kubectl get pods", CONTROLLER),
    ],
  };
}

function genRoles(report: SplitReport): SplitReportStep {
  const { fullName, cidr, first, last, count } = report.k3s;
  const lines = [
    ...metallbRangeOrigin(report.network, { FullName: fullName, CIDR: cidr }).map(text),
    text(
      `Here that is metallb_ipaddresspool_range_start ${first} to metallb_ipaddresspool_range_end ${last} (${count} addresses).`,
    ),
    command("uan-k3s gen-roles --out", "<uan-config-management checkout>"),
  ];
  return { id: "gen-roles", title: "Generate the UAN roles", lines };
}
