// The run trace the dashboard's run page shows: step times, capped tool calls, trimmed checks output.
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createMasker } from "../../../src/log.js";
import { IssueRun } from "../../../src/pipeline/issue-run.js";
import { MAX_RESULT_CHARS, MAX_TOOL_CALLS, RUN_TRACE_KEY, RunTrace, readTrace, type RunTraceData } from "../../../src/pipeline/run-trace.js";
import type { Job } from "../../../src/queue/types.js";

const SECRET = "sk-configured-secret-0123456789abcdef";

describe("RunTrace", () => {
  it("times steps and phases, ending each when the next starts and all at the end", () => {
    let time = Date.parse("2026-01-01T00:00:00Z");
    const trace = new RunTrace(undefined, 1, () => new Date((time += 1_000)));
    trace.enterStep("plan");
    trace.enterPhase("planning");
    trace.enterStep("code");
    trace.enterPhase("coding");
    trace.enterPhase("validating");
    trace.finish();
    expect(trace.data.steps.map(({ name, kind, startedAt, endedAt }) => [name, kind, startedAt.slice(17, 19), endedAt?.slice(17, 19)])).toEqual([
      ["plan", "step", "01", "03"],
      ["planning", "phase", "02", "03"],
      ["code", "step", "03", "06"],
      ["coding", "phase", "04", "05"],
      ["validating", "phase", "05", "06"],
    ]);
  });

  it("keeps the newest tool calls in order with trimmed results, and counts the dropped ones", () => {
    const trace = new RunTrace(undefined, 2);
    for (let n = 0; n < MAX_TOOL_CALLS + 5; n += 1) trace.toolCall("coder", "read_file", `{"n":${n}}`, n === MAX_TOOL_CALLS + 4 ? "Error: x".padEnd(5_000, "y") : "ok");
    expect(trace.data.toolCalls).toHaveLength(MAX_TOOL_CALLS);
    expect(trace.data.toolCallsDropped).toBe(5);
    expect(trace.data.toolCalls[0]?.arguments).toBe('{"n":5}');
    const last = trace.data.toolCalls.at(-1)!;
    expect(last).toMatchObject({ agent: "coder", name: "read_file", ok: false, resultChars: 5_000, attempt: 2 });
    expect(last.result.length).toBeLessThan(MAX_RESULT_CHARS + 50);
    // A saved trace is continued by the next attempt; anything else starts empty.
    expect(readTrace(JSON.parse(JSON.stringify(trace.data))).toolCalls).toHaveLength(MAX_TOOL_CALLS);
    expect(readTrace({ steps: "nope" })).toEqual({ steps: [], toolCalls: [], toolCallsDropped: 0 });
  });

  it("keeps the head and the tail of long checks output", () => {
    const trace = new RunTrace(undefined, 1);
    trace.checks("failed", "1 failed", `start${"-".repeat(20_000)}FAILED at the end`);
    expect(trace.data.checks?.output).toMatch(/^start/);
    expect(trace.data.checks?.output).toMatch(/FAILED at the end$/);
    expect(trace.data.checks!.output.length).toBeLessThan(8_200);
  });

  it("stores a tool call's arguments and result and the checks' output masked: a configured secret never reaches the job", () => {
    const trace = new RunTrace(undefined, 1, { mask: createMasker([SECRET]) });
    trace.toolCall("coder", "run_command", JSON.stringify({ command: `echo ${SECRET}` }), `${SECRET}\n${"y".repeat(5_000)}`);
    trace.checks("failed", `leaked ${SECRET}`, `${"-".repeat(20_000)}token=${SECRET}`);
    const stored = JSON.stringify(trace.data);
    expect(stored).not.toContain(SECRET);
    expect(stored).not.toContain(SECRET.slice(4, -4));
    expect(trace.data.toolCalls[0]).toMatchObject({ ok: true, resultChars: SECRET.length + 5_001 });
    expect(trace.data.toolCalls[0]?.result).toMatch(/^sk-c\S*\.\.\.\S*\n/);
    expect(trace.data.checks?.output).toMatch(/token=\S*\.\.\./);
  });
});

describe("IssueRun trace", () => {
  it("saves a tool result holding a configured secret masked in the job's checkpoint", async () => {
    const saved: Array<Record<string, unknown>> = [];
    const job = { id: "job-1", repo: "o/r", issue: 1, attempts: 1, data: {} } as unknown as Job;
    const run = new IssueRun(
      { job, signal: new AbortController().signal, log: pino({ level: "silent" }), checkpoint: async ({ data }) => void (data && saved.push(data)) },
      createMasker([SECRET]),
    );
    await run.enter("code");
    run.recordToolCall("coder", "read_file", `{"path":".env"}`, `API_KEY=${SECRET}`);
    await run.finishTrace();
    const trace = saved.at(-1)?.[RUN_TRACE_KEY] as RunTraceData;
    expect(trace.toolCalls).toHaveLength(1);
    expect(trace.toolCalls[0]?.result).toMatch(/^API_KEY=\S+/);
    expect(JSON.stringify(saved)).not.toContain(SECRET);
  });
});
