/** What `npm run build` records in dist/build-info.json (packaging/build-info.ts). */
export interface BuildInfo {
  readonly version: string;
  /** The commit's full SHA, "+dirty" when tracked files differ from it; "unknown" outside git. */
  readonly commit: string;
}

/**
 * The version and commit this code was built from. A plain require, not a read of a path, so
 * that the single executable's bundle carries it.
 */
export function builtFrom(): BuildInfo {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("../build-info.json") as BuildInfo;
}

/** The line `uan-k3s --version` prints. */
export function versionText(): string {
  const { version, commit } = builtFrom();
  return `uan-k3s ${version} (commit ${commit})`;
}

/**
 * `uan-k3s --version` (or -V) and nothing else: answered before the program loads, by
 * cli/entry.ts and by the single executable's entry alike.
 */
export function isVersionOnly(argv: readonly string[]): boolean {
  return argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V");
}
