import { UserError } from "../core/errors";
import { redactUrl } from "../core/secrets";
import type { CfsLayerV2 } from "../schemas/generated/cfs-configuration-v2";
import type { CfsLayerV3 } from "../schemas/generated/cfs-configuration-v3";
import { CFS_LAYER_DEFAULTS, COMMIT_PATTERN, MAX_LAYER_NAME, type CfsApiVersion } from "./defaults";
import { toSpelling } from "./spelling";

/** What the layer points at: a resolved commit, or a branch that CFS resolves itself. */
export type LayerRevision = { commit: string } | { branch: string };

/** Everything the layer is made of once its commit (or branch) is known. */
export interface LayerOptions {
  revision: LayerRevision;
  /** Must be at most 45 characters. @default "uan-k3s-" + the commit's first 7 hex digits */
  name?: string;
  /** @default CFS_LAYER_DEFAULTS.cloneUrl */
  cloneUrl?: string;
  /** @default "k3s.yml" */
  playbook?: string;
  /** Only a branch needs it: v2 configurations may not carry one. @default "v3" */
  apiVersion?: CfsApiVersion;
  /** special_parameters.ims_require_dkms; left out when undefined. */
  imsRequireDkms?: boolean;
}

/** CFS's pattern for clone URLs, playbooks and branches: no white space, no `;`. */
const CFS_TEXT = /^[^\s;]+$/;

/**
 * The K3s layer in v3 spelling (the form uan-k3s works in; see `layerInSpelling` for v2).
 * Refuses what CFS would refuse later, and credentials in the clone URL, which CFS would store
 * and show to everyone who describes the configuration.
 */
export function buildLayer(options: LayerOptions): CfsLayerV3 {
  const cloneUrl = options.cloneUrl ?? CFS_LAYER_DEFAULTS.cloneUrl;
  const playbook = options.playbook ?? CFS_LAYER_DEFAULTS.playbook;
  checkCloneUrl(cloneUrl);
  if (!CFS_TEXT.test(playbook)) {
    throw new UserError(
      `playbook ${JSON.stringify(playbook)} is empty or holds white space or ";", which CFS refuses`,
      `The UAN K3s playbook is ${CFS_LAYER_DEFAULTS.playbook}, at the repository root.`,
    );
  }
  const revision = checkRevision(options.revision, options.apiVersion ?? "v3");
  const name = options.name ?? defaultName(revision);
  checkLayerName(name);
  return {
    name,
    clone_url: cloneUrl,
    playbook,
    ...revision,
    ...(options.imsRequireDkms === undefined
      ? {}
      : { special_parameters: { ims_require_dkms: options.imsRequireDkms } }),
  };
}

/** The layer as the given API version spells it. */
export function layerInSpelling(layer: CfsLayerV3, version: "v2"): CfsLayerV2;
export function layerInSpelling(layer: CfsLayerV3, version: "v3"): CfsLayerV3;
export function layerInSpelling(
  layer: CfsLayerV3,
  version: CfsApiVersion,
): CfsLayerV2 | CfsLayerV3 {
  const [spelled] = toSpelling({ layers: [layer] }, version).layers as (CfsLayerV2 | CfsLayerV3)[];
  return spelled;
}

/** A full SHA in CFS's lower-case form, or a UserError that says what is wrong with it. */
export function normalizeCommit(commit: string): string {
  const sha = commit.trim().toLowerCase();
  if (COMMIT_PATTERN.test(sha)) return sha;
  throw new UserError(
    `commit ${JSON.stringify(commit)} is not a full 40-hex-digit SHA`,
    /^[0-9a-f]{4,39}$/.test(sha)
      ? `CFS needs the full SHA: run \`git rev-parse ${sha}\` in a checkout and pass its output.`
      : "Pass the full SHA, e.g. the output of `git rev-parse HEAD` in your checkout.",
  );
}

function checkRevision(revision: LayerRevision, version: CfsApiVersion): LayerRevision {
  if ("commit" in revision) return { commit: normalizeCommit(revision.commit) };
  checkBranchName(revision.branch);
  if (version === "v2") throw branchNeedsV3(revision.branch);
  return { branch: revision.branch };
}

/** A layer that leaves `branch` for CFS to resolve cannot be written through v2. */
export function branchNeedsV3(branch: string): UserError {
  return new UserError(
    `the layer would name branch ${branch} for CFS to resolve, but that is only done with the v3 API`,
    "Use API version v3, or let uan-k3s resolve the branch to a commit (drop --keep-branch).",
  );
}

/** Refuses branch names that git would refuse, or that could pass for an option. */
export function checkBranchName(branch: string): void {
  const bad =
    !CFS_TEXT.test(branch) ||
    branch.startsWith("-") ||
    branch.startsWith("/") ||
    branch.endsWith("/") ||
    branch.endsWith(".") ||
    branch.endsWith(".lock") ||
    /\.\.|\/\/|@\{|[~^:?*[\\\x00-\x1f\x7f]/.test(branch);
  if (bad) {
    throw new UserError(
      `${JSON.stringify(branch)} is not a branch name git accepts`,
      "Pass the branch as `git branch -r` shows it without the remote, e.g. integration-2.6.0.",
    );
  }
}

/**
 * Refuses a clone URL that CFS could not clone or that carries credentials (CFS would store
 * them and show them to everyone who describes the configuration). Never echoes credentials.
 */
export function checkCloneUrl(cloneUrl: string): void {
  let url: URL | undefined;
  try {
    url = new URL(cloneUrl);
  } catch {
    url = undefined;
  }
  if (url === undefined || !CFS_TEXT.test(cloneUrl) || !/^(https?|ssh|file):$/.test(url.protocol)) {
    throw new UserError(
      `clone URL ${JSON.stringify(redactUrl(cloneUrl))} is not an https, http, ssh or file URL without white space or ";"`,
      `The UAN repository is ${CFS_LAYER_DEFAULTS.cloneUrl}.`,
    );
  }
  if (url.username !== "" || url.password !== "") {
    // Not echoed: the URL holds a password.
    throw new UserError(
      "the clone URL holds credentials, which CFS would store and show to anyone who reads the configuration",
      "Remove user:password@ from the URL; give VCS credentials with VCS_USERNAME and VCS_PASSWORD or a credentials file.",
    );
  }
}

/** Refuses a layer name that CFS would refuse. */
export function checkLayerName(name: string): void {
  if (name.length === 0 || name.length > MAX_LAYER_NAME) {
    throw new UserError(
      `layer name ${JSON.stringify(name)} has ${name.length} characters; CFS takes 1 to ${MAX_LAYER_NAME}`,
      `Pass a shorter --name, or leave it out for ${CFS_LAYER_DEFAULTS.namePrefix}<short sha>.`,
    );
  }
}

/** `uan-k3s-1a2b3c4` for a commit, `uan-k3s-<branch>` (made name-safe, cut to 45) for a branch. */
function defaultName(revision: LayerRevision): string {
  const suffix =
    "commit" in revision ? revision.commit.slice(0, 7) : revision.branch.replace(/[^\w.-]/g, "-");
  return `${CFS_LAYER_DEFAULTS.namePrefix}${suffix}`.slice(0, MAX_LAYER_NAME);
}

/**
 * The repository a clone URL names, for telling whether two layers use the same one: the URL's
 * path without a trailing slash or `.git`, host ignored (the same VCS is reached by several
 * names: api-gw-service-nmn.local, a vcs. alias, an IP).
 */
export function repoPath(cloneUrl: string): string {
  let path: string;
  try {
    path = new URL(cloneUrl).pathname;
  } catch {
    // scp-like `git@host:org/repo.git`: the part after the first ":".
    path = `/${cloneUrl.slice(cloneUrl.indexOf(":") + 1).replace(/^\/+/, "")}`;
  }
  return path.replace(/\/+$/, "").replace(/\.git$/, "");
}
