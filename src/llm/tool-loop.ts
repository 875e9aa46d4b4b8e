// The agent loop shared by the Architect and the Coder: call the model, run its tool calls, feed results back, until the finish tool.
import type { ChatCompletion, ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import type { Logger } from "pino";
import { errorMessage } from "../errors.js";
import type { LlmClient } from "./client.js";
import { functionDefinitions, type Tool } from "./tool.js";
import { priceOf, type ResolvedPrice } from "./pricing.js";
import { checkCostAfterCall, checkCostBeforeCall, estimateTokens, TokenMeter, type TokenBudget } from "./tokens.js";

export type StopReason = "finished" | "max_iterations" | "token_budget" | "no_tool_calls";

export interface ToolCallRecord {
  name: string;
  /** False when the result started with `Error:`. */
  ok: boolean;
  /** Characters of the full result (before truncation). */
  resultChars: number;
}

export interface ToolLoopOptions {
  llm: LlmClient;
  /** Overrides the client's model (a repo's `model` setting). */
  model?: string;
  system: string;
  user: string;
  /** Must include the finish tool, whose `run` may refuse bad arguments with an `Error:` result. */
  tools: Tool[];
  finishTool: string;
  /** Calls to the model at most. */
  maxIterations: number;
  /** Shared by every loop of one run; this loop adds what it spends. */
  tokenBudget: TokenBudget;
  signal?: AbortSignal;
  log: Logger;
  /** Sees every call with its full (untruncated) result, e.g. for progress and the job log. */
  onToolCall?(name: string, args: string, result: string): void;
}

export interface ToolLoopResult {
  finished: boolean;
  /** The finish tool's arguments, parsed; set when `finished`. */
  finishArguments?: unknown;
  reason: StopReason;
  /** Calls made to the model. */
  iterations: number;
  promptTokens: number;
  completionTokens: number;
  /** Every tool call in order, for the run summary. */
  toolCalls: ToolCallRecord[];
  /** The model's last text, if it wrote any (useful when it stopped without the finish tool). */
  lastText?: string;
  /** The whole conversation as sent, tool results truncated. */
  messages: ChatCompletionMessageParam[];
}

/** Each tool result kept in the conversation is cut to this many characters. */
export const MAX_TOOL_RESULT_CHARS = 8_000;
/** Text-only replies in a row that get a nudge before the loop gives up. */
export const MAX_NUDGES = 2;

export async function runToolLoop(options: ToolLoopOptions): Promise<ToolLoopResult> {
  const { llm, tools, finishTool, maxIterations, signal, log } = options;
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const finish = byName.get(finishTool);
  if (!finish) throw new Error(`runToolLoop: the finish tool ${finishTool} is not among the tools (${toolNames(tools)})`);

  const toolSpecs: ChatCompletionTool[] = functionDefinitions(tools);
  const messages: ChatCompletionMessageParam[] = [
    { role: "system", content: options.system },
    { role: "user", content: options.user },
  ];
  const meter = new TokenMeter(options.tokenBudget);
  const modelName = options.model ?? llm.model;
  // A client without prices (a test double) is an unknown price: $0, never a guess.
  const price: ResolvedPrice = llm.price?.(modelName) ?? priceOf(modelName, {}, true);
  const toolCalls: ToolCallRecord[] = [];
  let iterations = 0;
  let nudges = 0;
  let lastText: string | undefined;

  const result = (reason: StopReason, finishArguments?: unknown): ToolLoopResult => {
    log.info(
      { reason, iterations, promptTokens: meter.promptTokens, completionTokens: meter.completionTokens, budgetUsed: meter.budget.used },
      `tool loop stopped: ${reason}`,
    );
    return {
      finished: reason === "finished",
      ...(reason === "finished" ? { finishArguments } : {}),
      reason,
      iterations,
      promptTokens: meter.promptTokens,
      completionTokens: meter.completionTokens,
      toolCalls,
      ...(lastText !== undefined ? { lastText } : {}),
      messages,
    };
  };

  for (;;) {
    signal?.throwIfAborted();
    if (iterations >= maxIterations) return result("max_iterations");
    if (meter.exhausted) return result("token_budget");

    // The cap is checked on the prompt about to be sent, so a run never starts a call it cannot afford.
    checkCostBeforeCall(options.tokenBudget, price, estimateTokens(JSON.stringify(messages)));
    iterations++;
    const completion = await llm.chat({
      messages: [...messages],
      tools: toolSpecs,
      tool_choice: "auto",
      ...(options.model ? { model: options.model } : {}),
      ...(signal ? { signal } : {}),
    });
    signal?.throwIfAborted();
    charge(meter, completion, messages, price);
    checkCostAfterCall(options.tokenBudget);

    const message = completion.choices[0]?.message;
    const content = message?.content ?? "";
    if (content.trim()) lastText = content;
    const calls = message?.tool_calls ?? [];

    if (calls.length === 0) {
      messages.push({ role: "assistant", content });
      if (nudges >= MAX_NUDGES) return result("no_tool_calls");
      nudges++;
      log.debug({ iteration: iterations, nudges }, "model answered without tool calls; nudging");
      messages.push({ role: "user", content: `Use the tools; call ${finishTool} when done.` });
      continue;
    }
    nudges = 0;
    messages.push({ role: "assistant", content: message?.content ?? null, tool_calls: calls });

    let finished: { arguments: unknown } | undefined;
    for (const call of calls) {
      if (call.type !== "function") {
        pushToolResult(messages, call.id, `Error: only function tools are available: ${toolNames(tools)}`);
        continue;
      }
      const { name } = call.function;
      // Some servers send "" for a call without arguments; tools always get a JSON text.
      const rawArguments = call.function.arguments.trim() === "" ? "{}" : call.function.arguments;
      const tool = byName.get(name);
      let output: string;
      let parsed: unknown;
      if (!tool) {
        output = `Error: unknown tool ${name}; available: ${toolNames(tools)}`;
      } else if (name === finishTool && finished) {
        output = `Error: ${finishTool} was already called in this turn`;
      } else {
        if (name === finishTool) parsed = parseObject(rawArguments);
        output =
          parsed instanceof Error
            ? `Error: the arguments of ${finishTool} are not a valid JSON object (${parsed.message}); call ${finishTool} again with a JSON object`
            : await runTool(tool, rawArguments);
        signal?.throwIfAborted();
        if (name === finishTool && !(parsed instanceof Error) && !isError(output)) finished = { arguments: parsed };
      }
      log.debug({ tool: name, ok: !isError(output), resultChars: output.length }, "tool call");
      toolCalls.push({ name, ok: !isError(output), resultChars: output.length });
      options.onToolCall?.(name, rawArguments, output);
      pushToolResult(messages, call.id, output);
    }
    if (finished) return result("finished", finished.arguments);
  }
}

async function runTool(tool: Tool, rawArguments: string): Promise<string> {
  try {
    const output = await tool.run(rawArguments);
    return typeof output === "string" ? output : String(output);
  } catch (error) {
    return `Error: ${errorMessage(error)}`;
  }
}

function pushToolResult(messages: ChatCompletionMessageParam[], toolCallId: string, output: string): void {
  messages.push({ role: "tool", tool_call_id: toolCallId, content: truncate(output) });
}

/** Keeps the head of a long result and says how much was cut, so the model can ask for a narrower window. */
export function truncate(text: string, max: number = MAX_TOOL_RESULT_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n[truncated: ${text.length - max} more characters not shown]`;
}

function parseObject(raw: string): unknown {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return new Error("expected an object");
    return value;
  } catch (error) {
    return new Error(errorMessage(error));
  }
}

function charge(meter: TokenMeter, completion: ChatCompletion, sent: ChatCompletionMessageParam[], price: ResolvedPrice): void {
  const usage = completion.usage;
  if (usage && typeof usage.prompt_tokens === "number" && typeof usage.completion_tokens === "number") {
    meter.add(usage.prompt_tokens, usage.completion_tokens, price);
    return;
  }
  // Some local servers send no usage: budget with an estimate rather than run unmetered.
  const message = completion.choices[0]?.message;
  const answer = (message?.content ?? "") + JSON.stringify(message?.tool_calls ?? []);
  meter.add(estimateTokens(JSON.stringify(sent)), estimateTokens(answer), price);
}

const isError = (output: string) => output.startsWith("Error:");
const toolNames = (tools: Tool[]) => tools.map((tool) => tool.name).join(", ");
