import { describe, expect, it } from "vitest";
import { withStatusLine } from "../../../../src/pipeline/integrations/status-lines.js";

describe("withStatusLine", () => {
  const body = "<!-- venom:status -->\n### 🐍 Venom Integrator\n\n- [x] ✅ Queued";

  it("appends a block of keyed lines and replaces a line by its key", () => {
    const first = withStatusLine(body, "run:a", "Workflow `ci.yml`: dispatched");
    const second = withStatusLine(first, "project:done", "Project: no option");
    const third = withStatusLine(second, "run:a", "Workflow `ci.yml`: ✅ success");
    expect(third).toBe(
      `${body}\n\n<!-- venom:lines -->\n- Workflow \`ci.yml\`: ✅ success <!-- venom:line:run:a -->\n- Project: no option <!-- venom:line:project:done -->`,
    );
  });

  it("keeps a line on one line", () => {
    expect(withStatusLine(body, "k", "two\nlines")).toContain("- two lines <!-- venom:line:k -->");
  });
});
