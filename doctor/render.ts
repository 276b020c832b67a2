import { paint, type Style } from "../core/log";
import type { Status } from "./check";
import type { DoctorOutline } from "./outline";

const STYLE: Record<Status, Style> = { pass: "green", warn: "yellow", fail: "red", skip: "dim" };

/** The checklist for a terminal, with the tally at the end; marks in color when asked. */
export function renderText(outline: DoctorOutline, options: { color?: boolean } = {}): string {
  const lines = [outline.title];
  for (const { check, mark, fix } of outline.items) {
    lines.push(`  ${paint(mark, STYLE[check.status], options.color === true)}  ${check.title}`);
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
