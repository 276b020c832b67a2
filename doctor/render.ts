import type { DoctorOutline } from "./outline";

/** The checklist for a terminal, with the tally at the end. */
export function renderText(outline: DoctorOutline): string {
  const lines = [outline.title];
  for (const { check, mark, fix } of outline.items) {
    lines.push(`  ${mark}  ${check.title}`);
    for (const line of check.detail.split("\n")) lines.push(`        ${line}`);
    if (fix !== undefined) lines.push(`        fix: ${fix}`);
  }
  lines.push(outline.tally);
  return `${lines.join("\n")}\n`;
}

/** `{"checks": [...]}`: every check as it is, for automation. */
export function renderJson(outline: DoctorOutline): string {
  return `${JSON.stringify({ checks: outline.items.map((item) => item.check) }, null, 2)}\n`;
}
