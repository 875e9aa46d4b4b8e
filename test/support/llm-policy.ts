// Drives the fake LLM like a model would: the Architect reads then plans, the Coder runs a scripted list of tool calls.
import type { LlmRequest, StaticStep, ScriptedToolCall } from "./fake-llm.js";

export interface Behaviour {
  /** File the Architect reads and plans to change. */
  file: string;
  /** The Coder's tool calls, one per model turn; then `finish` (unless `neverFinish`). */
  coder: ScriptedToolCall[];
  neverFinish?: boolean;
  /** Delay of the Coder's first answer (to kill the app mid-run). */
  firstCoderDelayMs?: number;
}

/** Picks the behaviour by a tag in the issue title, e.g. `[escape]`. */
export function policy(behaviours: Record<string, Behaviour>): (request: LlmRequest) => StaticStep {
  return (request) => {
    const system = text(request.messages.find((message) => message.role === "system")?.content);
    const user = text(request.messages.find((message) => message.role === "user")?.content);
    const tag = Object.keys(behaviours).find((name) => user.includes(`[${name}]`));
    if (!tag) return { content: `no behaviour for this issue: ${user.slice(0, 80)}` };
    const behaviour = behaviours[tag] as Behaviour;
    const turns = request.messages.filter((message) => message.role === "assistant").length;
    if (system.includes("Architect")) {
      if (turns === 0) return { toolCalls: [{ name: "read_file", arguments: { path: behaviour.file } }] };
      return {
        toolCalls: [
          {
            name: "submit_plan",
            // A `/venom revise` prompt gets a different plan, so a test can tell which plan a run applied.
            arguments: user.includes("Revision requested by")
              ? { summary: `Revised fix of ${behaviour.file} for ${tag}.`, steps: [`Edit ${behaviour.file} the revised way`], files: [behaviour.file] }
              : { summary: `Fix ${behaviour.file} for ${tag}.`, steps: [`Edit ${behaviour.file}`], files: [behaviour.file] },
          },
        ],
      };
    }
    if (behaviour.neverFinish) return { toolCalls: [{ name: "read_file", arguments: { path: behaviour.file } }] };
    const call = behaviour.coder[turns];
    const delay = turns === 0 && behaviour.firstCoderDelayMs ? { delayMs: behaviour.firstCoderDelayMs } : {};
    if (call) return { toolCalls: [call], ...delay };
    return { toolCalls: [{ name: "finish", arguments: { summary: `Changed ${behaviour.file}.` } }] };
  };
}

function text(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part: { text?: string }) => part.text ?? "").join("");
  return "";
}
