// run_checks: runs the repository's checks (the Guardian) so the Coder can see whether its change passes.
import { z } from "zod";
import { defineTool } from "../../llm/tool.js";
import type { ToolContext } from "./tool-context.js";

export const runChecksTool = defineTool({
  name: "run_checks",
  description: "Run the repository's checks (tests, linters) and show their result; long output is truncated.",
  schema: z.object({}),
  readOnly: false,
  async run(_input, context: ToolContext) {
    if (!context.runChecks) {
      return "No checks configured for this repository (.github/venom.yml has no checks); review your change with read_file.";
    }
    return context.runChecks();
  },
});
