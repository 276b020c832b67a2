/** The manifest of generated files, at the top of --out. */
export const MANIFEST_FILE = ".uan-k3s-manifest.json";

/**
 * Why `path` may not be written inside --out, or undefined if it may: it must be relative,
 * POSIX, free of `.`/`..`/empty segments and backslashes, outside `.git`, and not the manifest.
 */
export function pathProblem(path: string): string | undefined {
  if (path === "") return "it is empty";
  if (path.startsWith("/")) return "it is absolute";
  if (path.includes("\\")) return "it contains a backslash (paths are POSIX)";
  if (path.includes("\0")) return "it contains a NUL character";
  const segments = path.split("/");
  if (segments.includes("")) return "it has an empty segment (leading, trailing or double /)";
  if (segments.some((s) => s === "." || s === "..")) return "it has a . or .. segment";
  if (segments.some((s) => s.toLowerCase() === ".git")) return "it is inside .git";
  if (path === MANIFEST_FILE) return "it is the manifest itself";
  return undefined;
}
