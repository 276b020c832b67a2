import Mocha from "mocha";
import { installCommand, skippedFor, type Tool } from "./tools";

const { EVENT_TEST_PENDING } = Mocha.Runner.constants;

/**
 * mocha's spec reporter, and the rule that a test may be skipped only because a system tool it
 * needs is missing (see needs() in tools.ts). It ends the run with the skipped tests counted
 * by tool, with each tool's install command; any other pending test (it.skip, this.skip(), an
 * `it` without a body) is reported and counts as a failure, as forbid-pending would.
 */
export default class ToolsReporter extends Mocha.reporters.Spec {
  private readonly skipped = new Map<Tool, number>();
  private readonly unexplained: string[] = [];
  private total = 0;

  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.on(EVENT_TEST_PENDING, (test: Mocha.Test) => {
      const tools = skippedFor(test.titlePath());
      if (tools === undefined) {
        this.unexplained.push(test.fullTitle());
        return;
      }
      this.total += 1;
      for (const tool of tools) this.skipped.set(tool, (this.skipped.get(tool) ?? 0) + 1);
    });
  }

  override done(failures: number, fn?: (failures: number) => void): void {
    const lines: string[] = [];
    if (this.total > 0) {
      lines.push(`  ${this.total} skipped: a system tool they need is not installed`);
      for (const [tool, count] of [...this.skipped].sort(([a], [b]) => (a < b ? -1 : 1)))
        lines.push(`    ${tool}: ${count} tests; install it with: ${installCommand(tool)}`);
      lines.push("  (UAN_K3S_REQUIRE_TOOLS=1, or CI, makes a missing tool fail the run instead)");
    }
    if (this.unexplained.length > 0) {
      lines.push(`  ${this.unexplained.length} failing: pending, but no missing tool explains it`);
      for (const title of this.unexplained) lines.push(`    ${title}`);
    }
    if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n\n`);
    fn?.(failures + this.unexplained.length);
  }
}
