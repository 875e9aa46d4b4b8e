// Prices, VENOM_MODEL_PRICES parsing and the cost cap: built-in and overridden prices, one-line errors, a loop stopped by max_cost_usd.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../../src/config/env.js";
import { parseModelPrices } from "../../../src/config/model-prices.js";
import { parseRepoConfig } from "../../../src/config/repo-config.js";
import { ConfigError } from "../../../src/errors.js";
import { createLlmClient } from "../../../src/llm/client.js";
import { costUsd, formatSpend, priceOf } from "../../../src/llm/pricing.js";
import type { Tool } from "../../../src/llm/tool.js";
import { runToolLoop } from "../../../src/llm/tool-loop.js";
import { TokenMeter, type TokenBudget } from "../../../src/llm/tokens.js";
import { spendView, startBudget } from "../../../src/pipeline/run-cost.js";
import { renderStatus } from "../../../src/pipeline/status-comment.js";
import { createTrafficControl } from "../../../src/traffic/traffic-control.js";
import { FakeLlm } from "../../support/fake-llm.js";

const log = pino({ level: "silent" });

describe("priceOf", () => {
  it("knows OpenAI's models, their dated snapshots, and prices others at $0", () => {
    expect(priceOf("gpt-4o-mini")).toEqual({ input: 0.15, output: 0.6, known: true });
    expect(priceOf("gpt-4.1-nano").input).toBe(0.1);
    expect(priceOf("o4-mini").output).toBe(4.4);
    expect(priceOf("gpt-4o-2024-08-06")).toEqual({ input: 2.5, output: 10, known: true });
    expect(priceOf("llama3.1:8b")).toEqual({ input: 0, output: 0, known: false });
  });

  it("prefers an override, and prices a local server's models at $0 unless overridden", () => {
    const overrides = { "gpt-4o": { input: 1, output: 2 }, "llama3.1": { input: 0.5, output: 0.5 } };
    expect(priceOf("gpt-4o", overrides)).toEqual({ input: 1, output: 2, known: true });
    expect(priceOf("gpt-4o", {}, true).known).toBe(false);
    expect(priceOf("llama3.1", overrides, true)).toEqual({ input: 0.5, output: 0.5, known: true });
  });

  it("charges input and output tokens at their own prices", () => {
    expect(costUsd({ input: 2.5, output: 10 }, 1_000_000, 100_000)).toBeCloseTo(3.5);
    const budget: TokenBudget = { used: 0, max: 1_000 };
    new TokenMeter(budget).add(1_000, 500, { input: 10, output: 20, known: true });
    expect(budget).toMatchObject({ used: 1_500, inputTokens: 1_000, outputTokens: 500 });
    expect(budget.costUsd).toBeCloseTo(0.02);
  });

  it("a local server's client prices at $0 and says the price is unknown", () => {
    const client = createLlmClient({ baseUrl: "http://127.0.0.1:11434/v1", model: "gpt-4o", log });
    expect(client.price?.("gpt-4o").known).toBe(false);
    expect(formatSpend(12_345, 0, false)).toBe("12,345 tokens · price unknown");
    expect(formatSpend(12_345, 0.0123)).toBe("12,345 tokens · ~$0.0123");
  });
});

describe("VENOM_MODEL_PRICES", () => {
  it("parses per-model prices", () => {
    expect(parseModelPrices('{"my-model": {"input": 0.3, "output": 1.2}}')).toEqual({ "my-model": { input: 0.3, output: 1.2 } });
    expect(readConfig({ VENOM_MODEL_PRICES: '{"m": {"input": 1, "output": 2}}' }, "/tmp").llm.prices).toEqual({ m: { input: 1, output: 2 } });
  });

  it.each([
    ["not json", /not valid JSON/],
    ["[1]", /must be a JSON object/],
    ['{"m": {"input": -1, "output": 2}}', /entry "m" needs/],
    ['{"m": {"input": 1}}', /entry "m" needs/],
    ['{"m": 3}', /entry "m" needs/],
  ])("refuses %s with a one-line ConfigError", (value, message) => {
    let error: unknown;
    try {
      readConfig({ VENOM_MODEL_PRICES: value }, "/tmp");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^VENOM_MODEL_PRICES /);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
  });
});

describe("max_cost_usd", () => {
  let llm: FakeLlm;
  beforeAll(async () => {
    llm = await FakeLlm.start();
  });
  afterAll(async () => {
    await llm.stop();
  });

  const finish: Tool = { name: "finish", description: "done", parameters: { type: "object", properties: {} }, readOnly: true, run: async () => "Finished." };
  const loop = (budget: TokenBudget) =>
    runToolLoop({
      llm: createLlmClient({
        baseUrl: llm.baseUrl,
        model: "priced",
        log,
        prices: { priced: { input: 10, output: 20 } },
        traffic: createTrafficControl({ log, sleep: async () => {} }),
      }),
      system: "You are the Coder.",
      user: "Fix it",
      tools: [finish],
      finishTool: "finish",
      maxIterations: 5,
      tokenBudget: budget,
      log,
    });

  it("is read from venom.yml and starts the budget with the job's earlier spend", () => {
    const repoConfig = parseRepoConfig("max_cost_usd: 0.5\n");
    expect(repoConfig.maxCostUsd).toBe(0.5);
    expect(parseRepoConfig(undefined).maxCostUsd).toBeUndefined();
    expect(() => parseRepoConfig("max_cost_usd: -1\n")).toThrow(/max_cost_usd/);
    expect(startBudget({ tokens: 100, data: { costUsd: 0.01 } }, repoConfig)).toEqual({ used: 100, max: 300_000, costUsd: 0.01, maxCostUsd: 0.5 });
  });

  it("stops before a call whose prompt would pass the cap, without calling the model", async () => {
    llm.reset();
    const budget: TokenBudget = { used: 0, max: 100_000, maxCostUsd: 0.000001 };
    await expect(loop(budget)).rejects.toThrow(/max_cost_usd: 0\.000001 was reached .*nothing was pushed/);
    expect(llm.requests).toHaveLength(0);
  });

  it("stops after a call that passed the cap", async () => {
    llm.reset();
    llm.script([{ toolCalls: [{ name: "finish", arguments: {} }], usage: { prompt_tokens: 100, completion_tokens: 100_000 } }]);
    const budget: TokenBudget = { used: 0, max: 1_000_000, maxCostUsd: 0.01 };
    await expect(loop(budget)).rejects.toThrow(/the last model call passed it/);
    expect(budget.costUsd).toBeCloseTo(2.001);
  });

  it("shows tokens and cost in the status comment", () => {
    const view = { steps: {}, jobId: "j1", ...spendView({ used: 12_345, max: 1, costUsd: 0.0123 }) };
    expect(renderStatus(view)).toContain("12,345 tokens · ~$0.0123");
  });
});
