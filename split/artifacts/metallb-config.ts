import { isDeepStrictEqual } from "node:util";
import type { Document, Scalar, YAMLMap } from "yaml";
import { UserError } from "../../core/errors";
import {
  formatCidr,
  formatIpv4,
  overlap,
  parseCidr,
  parseIpv4,
  sizeOf,
  spanOf,
  usableRange,
  type AddressSpan,
  type Ipv4Cidr,
} from "../../core/ipv4";
import { parseYaml, toPyYaml, yamlModule } from "../../core/yaml";
import { headerComment } from "./header";
import type { AddressRange, CsmPool, SplitPlan } from "../plan";

/** How CSM's own MetalLB pool changes with the split. */
export interface PoolChange {
  /** CSM's pool: its name, and the lower half it keeps. */
  pool: CsmPool;
  /** The pool's CIDR before the split, canonical; undefined when SLS no longer tells. */
  from?: string;
  /** The upper half, which goes to K3s: no CSM pool may keep any of it. */
  k3s: AddressRange;
}

/** The change of CSM's pool a plan implies, or undefined when the plan has no CSM pool. */
export function poolChangeOf(plan: SplitPlan): PoolChange | undefined {
  if (plan.kind === "split") {
    const from = parseCidr(plan.original.CIDR);
    if (!from.ok) throw new Error(`planned split of an unreadable CIDR ${plan.original.CIDR}`);
    return { pool: plan.csmPool, from: formatCidr(from.cidr), k3s: plan.range };
  }
  if (plan.csmPool === undefined) return undefined;
  // Already split in SLS: the pool was the two halves together, if they are siblings.
  const from = parentOf(cidrOf(plan.csmPool.range.cidr), cidrOf(plan.range.cidr));
  return {
    pool: plan.csmPool,
    ...(from === undefined ? {} : { from: formatCidr(from) }),
    k3s: plan.range,
  };
}

const NAMESPACE = "metallb-system";
const PASS_CONFIGMAP = `Pass the output of kubectl get cm metallb -n ${NAMESPACE} -o yaml.`;
const RESTART_CONTROLLER = [
  "Then restart the CSM MetalLB controller so that it reads the change:",
  `  kubectl delete pod -n ${NAMESPACE} -l app.kubernetes.io/component=controller`,
];

/** csm-ipaddresspool.yaml: CSM 1.7's IPAddressPool resource, shrunk to the lower half. */
export function csmIpAddressPoolFile(change: PoolChange, slsOrigin: string): string {
  const { pool } = change;
  const header = headerComment(
    [slsOrigin],
    [
      `CSM 1.7: shrink CSM's MetalLB pool ${pool.name} to ${pool.range.cidr}; ${change.k3s.cidr} goes to K3s.`,
      "Apply with: kubectl apply -f csm-ipaddresspool.yaml",
      "CSM generates its pools from customizations.yaml in the secret loftsman/site-init: make",
      "the same change there, or the next CSM upgrade puts the K3s range back into this pool.",
      ...RESTART_CONTROLLER,
    ],
  );
  return (
    header +
    toPyYaml({
      apiVersion: "metallb.io/v1beta1",
      kind: "IPAddressPool",
      metadata: { name: pool.name, namespace: NAMESPACE },
      spec: { addresses: [pool.range.cidr] },
    })
  );
}

/**
 * csm-metallb-configmap.yaml without the ConfigMap at hand (CSM <= 1.6): only the shrunk pool,
 * as an address-pools entry to merge by hand with `kubectl edit`.
 */
export function metallbFragmentFile(change: PoolChange, slsOrigin: string): string {
  const { pool } = change;
  const now = change.from === undefined ? "" : ` (it is ${change.from} before the split)`;
  const header = headerComment(
    [slsOrigin],
    [
      "CSM <= 1.6. A FRAGMENT, NOT A WHOLE CONFIGMAP: do not kubectl apply or replace it.",
      "Merge it by hand: in data.config's address-pools, set the addresses of pool",
      `${pool.name} to ${pool.range.cidr}${now};`,
      "leave every other pool and the peers as they are:",
      `  kubectl edit -n ${NAMESPACE} cm/metallb`,
      `(Given the output of kubectl get cm metallb -n ${NAMESPACE} -o yaml, uan-k3s split`,
      "writes the whole edited ConfigMap here instead.)",
      ...RESTART_CONTROLLER,
    ],
  );
  return (
    header +
    toPyYaml({
      "address-pools": [{ name: pool.name, protocol: "bgp", addresses: [pool.range.cidr] }],
    })
  );
}

/** `kubectl get cm metallb -n metallb-system -o yaml`, and the file it came from. */
export interface ConfigMapInput {
  text: string;
  origin: string;
}

/**
 * csm-metallb-configmap.yaml (CSM <= 1.6): the ConfigMap as given, with only the address of
 * CSM's pool that equals the subnet before the split replaced by the lower half. Every other
 * byte stays, metadata.resourceVersion included, so that `kubectl replace` refuses if the
 * ConfigMap changed meanwhile. Refuses (UserError) rather than guess: not a ConfigMap, no
 * data.config, no such pool, no address equal to the subnet, or K3s addresses left in a pool.
 */
export function shrinkMetallbConfigMap(
  input: ConfigMapInput,
  change: PoolChange,
  slsOrigin: string,
): string {
  const { origin } = input;
  const manifest = parseYaml(input.text, origin, { hint: PASS_CONFIGMAP });
  const config = configScalar(manifest, origin);
  const where = `${origin} (data.config)`;
  const pools = parseYaml(config.value, where, { hint: PASS_CONFIGMAP });
  const edit = planEdit(pools, change, where);
  refuseK3sAddresses(pools, edit, change, where);
  const header = headerFor(input, slsOrigin, edit.note);
  if (edit.kind === "unchanged") return header + input.text;

  // The edit as the Document API sees it: what the output must parse back to.
  const old = String(edit.node.value);
  edit.node.value = edit.value;
  const expected = manifest.toJS() as { data: Record<string, unknown> };
  expected.data.config = splice(config.value, edit.at, edit.replacement);
  for (const write of [literalBlockEdit, quotedEdit]) {
    const text = write(input.text, config, edit);
    if (text !== undefined && parsesTo(text, expected, pools)) return header + text;
  }
  throw new UserError(
    `${where}: cannot change the address of pool ${change.pool.name} without disturbing the rest of the ConfigMap.`,
    `Edit it by hand: kubectl edit -n ${NAMESPACE} cm/metallb, and change ${old} to ${edit.value}.`,
  );
}

function headerFor(input: ConfigMapInput, slsOrigin: string, note: string): string {
  return headerComment(
    [slsOrigin, input.origin],
    [
      `CSM <= 1.6: the ConfigMap metallb; ${note}`,
      "Nothing else differs from the input, metadata.resourceVersion included, so kubectl",
      "refuses the replace if someone changed the ConfigMap since it was read:",
      "  kubectl replace -f csm-metallb-configmap.yaml",
      ...RESTART_CONTROLLER,
    ],
  );
}

type ParsedScalar = Scalar & { range: [number, number, number] };

type Edit =
  | { kind: "unchanged"; note: string }
  | {
      kind: "replace";
      note: string;
      node: ParsedScalar;
      /** The value the address becomes. */
      value: string;
      /** Where in data.config the source of the address is, and its new source text. */
      at: { start: number; end: number };
      replacement: string;
    };

/** The manifest's data.config, checked to be a ConfigMap's string. */
function configScalar(manifest: Document.Parsed, origin: string): ParsedScalar & { value: string } {
  const YAML = yamlModule();
  const hint = `Pass the output of kubectl get cm metallb -n ${NAMESPACE} -o yaml (on CSM 1.7 there is no such ConfigMap: use csm-ipaddresspool.yaml).`;
  const kind: unknown = YAML.isMap(manifest.contents) ? manifest.get("kind") : undefined;
  if (kind !== "ConfigMap") {
    const is = kind === undefined ? "has no kind" : `is a ${JSON.stringify(kind)}`;
    throw new UserError(`${origin} is not a ConfigMap: it ${is}.`, hint);
  }
  const config = manifest.getIn(["data", "config"], true);
  if (!YAML.isScalar(config) || typeof config.value !== "string" || config.range == null) {
    throw new UserError(`${origin}: the ConfigMap has no data.config.`, hint);
  }
  return config as ParsedScalar & { value: string };
}

/** Which address of the pool changes, or why none needs to. */
function planEdit(pools: Document.Parsed, change: PoolChange, where: string): Edit {
  const YAML = yamlModule();
  const name = change.pool.name;
  const list = pools.get("address-pools", true);
  if (!YAML.isSeq(list)) {
    throw new UserError(`${where} has no address-pools list.`, CHECK_INPUT);
  }
  const matching = list.items.filter(
    (item): item is YAMLMap => YAML.isMap(item) && item.get("name") === name,
  );
  if (matching.length !== 1) {
    const names = list.items.map((item) => (YAML.isMap(item) ? item.get("name") : undefined));
    throw new UserError(
      matching.length === 0
        ? `${where} has no address pool ${JSON.stringify(name)}; its pools are ${names.map((n) => JSON.stringify(n)).join(", ") || "none"}.`
        : `${where} has ${matching.length} address pools named ${JSON.stringify(name)}; cannot tell which to shrink.`,
      CHECK_INPUT,
    );
  }
  const addresses = matching[0].get("addresses", true);
  const entries = YAML.isSeq(addresses)
    ? addresses.items.filter(
        (item): item is ParsedScalar =>
          YAML.isScalar(item) && typeof item.value === "string" && item.range != null,
      )
    : [];
  const lower = cidrOf(change.pool.range.cidr);
  const from = change.from === undefined ? undefined : cidrOf(change.from);
  const hits = entries.flatMap((node) => {
    const replacement = from && replacementFor(String(node.value), from, lower);
    return replacement === undefined ? [] : [{ node, replacement }];
  });
  const listed = entries.map((node) => String(node.value)).join(", ") || "none";
  if (hits.length > 1) {
    throw new UserError(
      `${where}: pool ${JSON.stringify(name)} lists ${change.from} ${hits.length} times (${listed}); cannot tell which to shrink.`,
      CHECK_INPUT,
    );
  }
  const hit = hits[0];
  if (hit === undefined) {
    if (entries.some((node) => replacementFor(String(node.value), lower, lower) !== undefined)) {
      return {
        kind: "unchanged",
        note: `its pool ${name} already has ${change.pool.range.cidr}, the lower half: nothing to change.`,
      };
    }
    const wanted = change.from === undefined ? change.pool.range.cidr : change.from;
    throw new UserError(
      `${where}: pool ${JSON.stringify(name)} has no address equal to ${wanted}, the SLS subnet, so uan-k3s cannot tell which to shrink; its addresses are ${listed}.`,
      CHECK_INPUT,
    );
  }
  const [start, end] = hit.node.range;
  const quote = hit.node.type === "QUOTE_SINGLE" ? "'" : hit.node.type === "PLAIN" ? "" : '"';
  return {
    kind: "replace",
    note: `only pool ${name} changed, from ${String(hit.node.value)} to ${hit.replacement}.`,
    node: hit.node,
    value: hit.replacement,
    at: { start, end },
    replacement: `${quote}${hit.replacement}${quote}`,
  };
}

const CHECK_INPUT =
  "Check that the ConfigMap is this system's and that nobody changed the pool by hand; uan-k3s never guesses which address to shrink.";

/** No pool may keep any of the K3s range once the edit is made: MetalLB would hand it out twice. */
function refuseK3sAddresses(
  pools: Document.Parsed,
  edit: Edit,
  change: PoolChange,
  where: string,
): void {
  const YAML = yamlModule();
  const k3s = spanOf(cidrOf(change.k3s.cidr));
  const clashes: string[] = [];
  const list = pools.get("address-pools", true);
  for (const pool of YAML.isSeq(list) ? list.items : []) {
    if (!YAML.isMap(pool)) continue;
    const addresses = pool.get("addresses", true);
    for (const node of YAML.isSeq(addresses) ? addresses.items : []) {
      if (!YAML.isScalar(node) || typeof node.value !== "string") continue;
      const value = edit.kind === "replace" && node === edit.node ? edit.value : node.value;
      const span = readPoolAddress(value)?.span;
      if (span !== undefined && overlap(span, k3s) !== undefined) {
        clashes.push(`pool ${JSON.stringify(pool.get("name"))} has ${value}`);
      }
    }
  }
  if (clashes.length > 0) {
    throw new UserError(
      `${where}: after shrinking ${change.pool.name}, CSM's MetalLB would still hand out addresses of the K3s range ${change.k3s.cidr}: ${clashes.join("; ")}.`,
      "Take the K3s range out of those pools first (or split another subnet), then run again.",
    );
  }
}

/** A MetalLB address: "a.b.c.d/n" (host bits allowed) or a range "a.b.c.d-e.f.g.h". */
function readPoolAddress(text: string): { span: AddressSpan; form: "cidr" | "range" } | undefined {
  const parts = text.split("-").map((part) => part.trim());
  if (parts.length === 2) {
    const [first, last] = parts.map(parseIpv4);
    if (first === undefined || last === undefined || first > last) return undefined;
    return { span: { first, last }, form: "range" };
  }
  const cidr = parseCidr(text.trim());
  return cidr.ok ? { span: spanOf(cidr.cidr), form: "cidr" } : undefined;
}

/**
 * What `text` becomes when the pool shrinks from `from` to `to`, or undefined when it is not
 * `from`: a CIDR becomes the canonical `to`; a range covering all of `from` (or its usable
 * addresses) becomes the same kind of range over `to`.
 */
function replacementFor(text: string, from: Ipv4Cidr, to: Ipv4Cidr): string | undefined {
  const address = readPoolAddress(text);
  if (address === undefined) return undefined;
  const same = (a: AddressSpan, b: AddressSpan): boolean =>
    a.first === b.first && a.last === b.last;
  if (address.form === "cidr") return same(address.span, spanOf(from)) ? formatCidr(to) : undefined;
  for (const spanIn of [spanOf, usableRange]) {
    if (same(address.span, spanIn(from))) {
      const span = spanIn(to);
      return `${formatIpv4(span.first)}-${formatIpv4(span.last)}`;
    }
  }
  return undefined;
}

function splice(text: string, at: { start: number; end: number }, replacement: string): string {
  return text.slice(0, at.start) + replacement + text.slice(at.end);
}

type ReplaceEdit = Extract<Edit, { kind: "replace" }>;

/**
 * The usual kubectl output, `config: |`: each line of the value is a source line behind a
 * fixed indentation, so the address is replaced where it stands and every other byte stays.
 */
function literalBlockEdit(
  text: string,
  config: ParsedScalar,
  edit: ReplaceEdit,
): string | undefined {
  if (config.type !== "BLOCK_LITERAL") return undefined;
  const value = String(config.value);
  const lineIndex = value.slice(0, edit.at.start).split("\n").length - 1;
  const lineStart = value.lastIndexOf("\n", edit.at.start - 1) + 1;
  const valueLineEnd = value.indexOf("\n", edit.at.start);
  const valueLine = value.slice(lineStart, valueLineEnd === -1 ? undefined : valueLineEnd);
  // The block's first content line follows its header line ("|", "|-", "| # comment").
  let position = text.indexOf("\n", config.range[0]) + 1;
  for (let line = 0; line < lineIndex && position > 0; line += 1) {
    position = text.indexOf("\n", position) + 1;
  }
  if (position <= 0) return undefined;
  const sourceEnd = text.indexOf("\n", position);
  const sourceLine = text.slice(position, sourceEnd === -1 ? undefined : sourceEnd);
  const indent = sourceLine.length - valueLine.length;
  if (indent < 0 || !sourceLine.endsWith(valueLine) || !/^ *$/.test(sourceLine.slice(0, indent))) {
    return undefined;
  }
  const start = position + indent + (edit.at.start - lineStart);
  return splice(text, { start, end: start + (edit.at.end - edit.at.start) }, edit.replacement);
}

/** Any other style: the whole value rewritten as one double-quoted line, which YAML reads alike. */
function quotedEdit(text: string, config: ParsedScalar, edit: ReplaceEdit): string {
  const value = splice(String(config.value), edit.at, edit.replacement);
  const [start, end] = config.range;
  const lineBreak = text.slice(start, end).endsWith("\n") ? "\n" : "";
  return splice(text, { start, end }, JSON.stringify(value) + lineBreak);
}

/** Whether `text` reads back as the expected manifest, its config as the edited pools. */
function parsesTo(text: string, expected: unknown, pools: Document.Parsed): boolean {
  const YAML = yamlModule();
  const manifest = YAML.parseDocument(text, { uniqueKeys: true });
  if (manifest.errors.length > 0 || !isDeepStrictEqual(manifest.toJS(), expected)) return false;
  const config = YAML.parseDocument(String(manifest.getIn(["data", "config"])));
  return config.errors.length === 0 && isDeepStrictEqual(config.toJS(), pools.toJS());
}

function cidrOf(text: string): Ipv4Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`planned CIDR ${text}: ${parsed.reason}`);
  return parsed.cidr;
}

/** The CIDR whose halves are `lower` and `upper`, if they are exactly that. */
function parentOf(lower: Ipv4Cidr, upper: Ipv4Cidr): Ipv4Cidr | undefined {
  if (lower.prefix !== upper.prefix || lower.prefix === 0) return undefined;
  const parent = { network: lower.network, prefix: lower.prefix - 1 };
  const aligned = lower.network % sizeOf(parent) === 0;
  return aligned && upper.network === lower.network + sizeOf(lower) ? parent : undefined;
}
