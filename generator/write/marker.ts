import { basename, extname } from "node:path/posix";

/** The line at the top of every file uan-k3s generates (STYLE.md point 5). */
export const MARKER = 'Managed by uan-k3s; edit uan-k3s.yaml and run "uan-k3s gen-roles"';

// Comment syntax by extension. A .j2 template gets a Jinja comment, so the file Ansible renders
// from it does not carry the marker unless the template writes its own.
const HASH = [".yml", ".yaml", ".cfg", ".service", ".conf", ".sh", ".py", ""];

/**
 * The marker as a comment in the syntax of `path`'s file type, without a newline.
 * Throws (a bug in the renderer) for a type whose comment syntax is not known here.
 */
export function markerLine(path: string): string {
  const ext = extname(basename(path)).toLowerCase();
  if (ext === ".j2") return `{# ${MARKER} #}`;
  if (ext === ".md") return `<!-- ${MARKER} -->`;
  if (HASH.includes(ext)) return `# ${MARKER}`;
  throw new Error(`no comment syntax known for ${path}: add its extension to markerLine()`);
}

/**
 * `text` with the marker line on top, or right after a `#!` line: a script whose first line is
 * not its interpreter would run under the wrong shell.
 */
export function withMarker(path: string, text: string): string {
  const line = `${markerLine(path)}\n`;
  if (!text.startsWith("#!")) return line + text;
  const end = text.indexOf("\n");
  return end === -1 ? `${text}\n${line}` : text.slice(0, end + 1) + line + text.slice(end + 1);
}

/** Whether `text` carries the marker in its first line (or its second, after a `#!` line). */
export function hasMarker(text: string): boolean {
  const [first = "", second = ""] = text.split("\n", 2);
  return first.includes(MARKER) || (first.startsWith("#!") && second.includes(MARKER));
}
