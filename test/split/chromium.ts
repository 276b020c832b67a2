import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PNG } from "pngjs";
import { run } from "../run";

/** Debian's package (CI installs `chromium`); CHROMIUM overrides it. */
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

const WINDOW = { width: 1280, height: 900 };

/**
 * Opens `html` as a file:// page in headless Chromium and returns the screenshot of its first
 * 1280x900 pixels. A fresh profile and HOME each time; background networking off, and a proxy
 * on a closed loopback port, so that nothing but 127.0.0.1 and file:// is ever contacted.
 */
export async function screenshot(html: string): Promise<PNG> {
  const dir = mkdtempSync(join(tmpdir(), "uan-k3s-chromium-"));
  try {
    const page = join(dir, "report.html");
    const png = join(dir, "screenshot.png");
    writeFileSync(page, html);
    const args = [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--proxy-server=127.0.0.1:9",
      // Paint everything before the screenshot: without these, a slow start can leave it half white.
      "--run-all-compositor-stages-before-draw",
      "--virtual-time-budget=3000",
      `--user-data-dir=${mkdtempSync(join(dir, "profile-"))}`,
      "--hide-scrollbars",
      `--window-size=${WINDOW.width},${WINDOW.height}`,
      `--screenshot=${png}`,
      pathToFileURL(page).href,
    ];
    const result = await run(CHROMIUM, args, { cwd: dir, env: { HOME: dir }, timeoutMs: 60_000 });
    if (result.code !== 0)
      throw new Error(`${CHROMIUM} failed: exit ${result.code}\n${result.stderr}`);
    if (!existsSync(png)) throw new Error(`${CHROMIUM} wrote no screenshot:\n${result.stderr}`);
    return PNG.sync.read(readFileSync(png));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** "#00c853" as numbers. */
export function rgbOf(hex: string): Rgb {
  const value = Number.parseInt(hex.replace(/^#/, ""), 16);
  return { r: value >> 16, g: (value >> 8) & 255, b: value & 255 };
}

/** How many pixels satisfy `match`. */
export function countPixels(png: PNG, match: (pixel: Rgb) => boolean): number {
  let count = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    if (match({ r: png.data[i], g: png.data[i + 1], b: png.data[i + 2] })) count += 1;
  }
  return count;
}

/** Pixels of `colour`, each channel within `tolerance` (antialiasing, colour management). */
export function pixelsOf(png: PNG, colour: string, tolerance = 12): number {
  const want = rgbOf(colour);
  return countPixels(
    png,
    (p) =>
      Math.abs(p.r - want.r) <= tolerance &&
      Math.abs(p.g - want.g) <= tolerance &&
      Math.abs(p.b - want.b) <= tolerance,
  );
}

/** Pure-ish red: what the map draws conflicts in, and nothing else on the page. */
export function redPixels(png: PNG): number {
  return countPixels(png, (p) => p.r >= 220 && p.g <= 45 && p.b <= 45);
}
