/**
 * Test only: one change made with core/change.ts in a child process, so a test can kill it
 * with preload.ts at any instant. Arguments: the root, then the change as JSON, a list of
 * `[path, text]` (write) or `[path]` (remove).
 */
import { beginChange } from "../../core/change";

const [root, json] = process.argv.slice(2);
const steps = JSON.parse(json) as ([string, string] | [string])[];
const change = beginChange(root);
try {
  for (const [path, text] of steps) {
    if (text === undefined) change.remove(path);
    else change.write(path, text, 0o644);
  }
  change.commit();
} finally {
  change.end();
}
