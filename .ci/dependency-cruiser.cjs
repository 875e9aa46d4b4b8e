// The layers of src/ (README "How it works"): each may import only the layers below it; CI fails on any other edge.
//
//   wiring (venom, app, main, cli, setup, api, index, startup-summary)
//     → intake · pipeline · dashboard
//       → queue · skills · llm
//         → traffic · github · http
//           → config
//             → shared (shared/, errors, log, human-log, terminal-text, package-info)
const WIRING = "^src/((venom|app|main|cli|index|startup-summary)\\.ts$|(cli|setup|api)/)";
const SHARED = "^src/(shared/|(errors|log|human-log|terminal-text|package-info)\\.ts$)";

/** A rule: files matching `from` must not import files matching `to`. */
const layer = (name, comment, from, to) => ({ name, comment, severity: "error", from: { path: from }, to: { path: to } });

module.exports = {
  forbidden: [
    {
      name: "nothing-imports-the-wiring",
      comment: "Only the wiring (venom.ts and the entry points) assembles services; no service may reach back into it.",
      severity: "error",
      from: { path: "^src/", pathNot: WIRING },
      to: { path: WIRING },
    },
    layer("intake-is-not-the-pipeline", "Intake decides and enqueues; it never runs or inspects a job.", "^src/intake/", "^src/(pipeline|dashboard)/"),
    layer("pipeline-is-not-intake", "The pipeline runs jobs; triggers and webhooks are intake's.", "^src/pipeline/", "^src/(intake|dashboard)/"),
    layer("dashboard-reads-only", "The dashboard reads the queue and statuses; it never runs pipeline or intake code.", "^src/dashboard/", "^src/(intake|pipeline)/"),
    layer("queue-knows-no-jobs", "The queue stores and leases jobs; it knows nothing of what a job does.", "^src/queue/", "^src/(intake|pipeline|dashboard|skills|llm|github)/"),
    layer("skills-never-import-the-pipeline", "Skills are services the pipeline uses, never the other way round.", "^src/skills/", "^src/(intake|pipeline|dashboard|queue)/"),
    layer("llm-is-a-service", "The model client serves the pipeline and knows nothing above it.", "^src/llm/", "^src/(intake|pipeline|dashboard|queue|skills)/"),
    layer("transport-below-services", "Traffic control, GitHub clients and HTTP helpers know nothing of the services above them.", "^src/(traffic|github|http)/", "^src/(intake|pipeline|dashboard|queue|skills|llm)/"),
    layer("config-is-parsed-first", "Configuration is parsed before anything else exists: it imports only shared code.", "^src/config/", "^src/(intake|pipeline|dashboard|queue|skills|llm|traffic|github|http)/"),
    {
      name: "shared-is-a-leaf",
      comment: "Shared code (errors, logging, time) imports nothing of ours but other shared code.",
      severity: "error",
      from: { path: SHARED },
      to: { path: "^src/", pathNot: SHARED },
    },
    {
      name: "no-cycles",
      comment: "A cycle makes two modules one; merge them or move what both need below them.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    includeOnly: "^src/",
    // Type-only imports are dependencies too: a layer that needs another's types depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
