/**
 * What the schema cannot say about values that end up in a config file on the node: checked
 * at generation, so that a bad value fails here, naming its config key, and not later on the
 * node (HAProxy refusing its config, an sshd that cannot bind). Each returns why a value is
 * refused, or undefined.
 */

/**
 * TCP ports K3s takes on its nodes (docs.k3s.io, "Inbound Rules for K3s Nodes", and the
 * Kubernetes components K3s embeds), which an sshd instance cannot listen on. The UDP ones
 * (8472 flannel VXLAN, 51820-51821 flannel WireGuard) cannot clash with sshd's TCP.
 */
const K3S_TCP_PORTS: readonly { from: number; to: number; by: string }[] = [
  { from: 22, to: 22, by: "the system sshd" },
  { from: 2379, to: 2380, by: "etcd on HA K3s servers (client and peer)" },
  { from: 5001, to: 5001, by: "K3s's embedded registry mirror (spegel)" },
  { from: 6443, to: 6444, by: "the K3s supervisor and API server" },
  { from: 10010, to: 10010, by: "containerd's streaming server" },
  { from: 10248, to: 10250, by: "the kubelet and kube-proxy" },
  { from: 10256, to: 10259, by: "kube-proxy, the controller managers and the scheduler" },
  // Kubernetes' default service-node-port-range: HAProxy's own LoadBalancer service gets one.
  { from: 30000, to: 32767, by: "Kubernetes NodePort services" },
];

/** Why sshd cannot listen on `port` on a K3s node (whose API is on `apiPort`), if it cannot. */
export function sshdPortProblem(port: number, apiPort: number): string | undefined {
  if (port === apiPort) return `${port} is already used on the node by the K3s API server`;
  const taken = K3S_TCP_PORTS.find((range) => port >= range.from && port <= range.to);
  return taken === undefined ? undefined : `${port} is already used on the node by ${taken.by}`;
}

/** The escapes of PCRE (HAProxy's regex library) that JavaScript reads the same way. */
const CLASS_ESCAPES = "dDsSwWbB";

/**
 * Why HAProxy would refuse `pattern` in `tcp-check expect rstring '<pattern>'`: it must
 * compile as a PCRE. The schema limits its characters; here, what they can still break.
 */
export function expectProblem(pattern: string): string | undefined {
  for (let i = 0; i < pattern.length; i += 1) {
    if (pattern[i] !== "\\") continue;
    const next = pattern[i + 1];
    // A lone backslash at the end escapes nothing (HAProxy: "\ at end of pattern").
    if (next === undefined) return "ends in a backslash that escapes nothing";
    if (/[A-Za-z0-9]/.test(next) && !CLASS_ESCAPES.includes(next)) {
      return `has \\${next}, which is not an escape HAProxy's PCRE takes here (use \\d \\s \\w \\b, their capitals, or \\ before punctuation)`;
    }
    i += 1;
  }
  try {
    new RegExp(pattern);
  } catch (error) {
    const why = (error as Error).message.replace(/^Invalid regular expression: \/.*\/: /, "");
    return `is not a valid regular expression: ${why}`;
  }
  return undefined;
}

/** HAProxy's largest timer, in milliseconds (~24.8 days). */
const TIMER_MAX_MS = 2 ** 31 - 1;
const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Why HAProxy would refuse `value` (`10s`, `500ms`, a bare number of ms) as a timer. */
export function timerProblem(value: string, zeroAllowed: boolean): string | undefined {
  const match = /^([0-9]+)(us|ms|s|m|h|d)?$/.exec(value);
  if (match === null) return "is not a number with a unit (us, ms, s, m, h, d)";
  const ms = Number(match[1]) * UNIT_MS[(match[2] ?? "ms") as keyof typeof UNIT_MS];
  if (ms > TIMER_MAX_MS) return "is more than HAProxy's largest timer, 2147483647 ms (~24.8 days)";
  if (ms === 0 && !zeroAllowed) return "must be more than 0";
  return undefined;
}
