import { createServer, type AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseRetryAfter as retryAfter } from "../../../src/shared/classify-failure.js";
import { VenomError } from "../../../src/errors.js";
import { createLlmClient, isLocalUrl, type LlmClientOptions } from "../../../src/llm/client.js";
import { createTrafficControl } from "../../../src/traffic/traffic-control.js";
import { FakeLlm } from "../../support/fake-llm.js";
import { FakeClock } from "../traffic/support.js";

const log = pino({ level: "silent" });
const messages = [{ role: "user" as const, content: "hello" }];

let llm: FakeLlm;
let waits: number[];

beforeAll(async () => {
  llm = await FakeLlm.start();
});
afterAll(async () => {
  await llm.stop();
});
beforeEach(() => {
  llm.reset();
  waits = [];
});

/**
 * The traffic layer makes the retries: no jitter, waits recorded (moving a fake clock) instead of slept, and no
 * breaker or wait cap in the way.
 */
function traffic(options: { random?: () => number; sleep?: boolean } = {}) {
  const clock = new FakeClock();
  return createTrafficControl({
    log,
    random: options.random ?? (() => 0.5),
    ...(options.sleep === false
      ? {}
      : {
          clock,
          sleep: async (ms: number) => {
            waits.push(ms);
            clock.advance(ms);
          },
        }),
    settings: { maxWaitMs: 60_000, breaker: { failureThreshold: 100 } },
  });
}

function client(options: Partial<LlmClientOptions> & { random?: () => number } = {}) {
  const { random, ...rest } = options;
  return createLlmClient({
    baseUrl: llm.baseUrl,
    model: "test-model",
    log,
    traffic: traffic(random ? { random } : {}),
    ...rest,
  });
}

async function failure(promise: Promise<unknown>): Promise<VenomError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(VenomError);
  return error as VenomError;
}

describe("createLlmClient", () => {
  it("sends the model, messages and tools and returns the parsed completion", async () => {
    llm.script([{ toolCalls: [{ name: "finish", arguments: { summary: "done" } }], usage: { prompt_tokens: 7, completion_tokens: 3 } }]);
    const completion = await client().chat({
      messages,
      tools: [{ type: "function", function: { name: "finish", parameters: { type: "object" } } }],
      tool_choice: "auto",
    });
    expect(completion.choices[0]?.message.tool_calls?.[0]).toMatchObject({ type: "function", function: { name: "finish", arguments: '{"summary":"done"}' } });
    expect(completion.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3 });
    expect(llm.requests).toHaveLength(1);
    expect(llm.lastRequest).toMatchObject({ model: "test-model", messages, toolChoice: "auto" });
    expect(llm.lastRequest?.tools[0]?.function.name).toBe("finish");
  });

  it("uses the request's model over the default", async () => {
    await client().chat({ messages, model: "repo-model" });
    expect(llm.lastRequest?.model).toBe("repo-model");
  });

  it("sends the API key as a bearer token", async () => {
    const guarded = await FakeLlm.start({ apiKey: "sk-right" });
    try {
      await createLlmClient({ baseUrl: guarded.baseUrl, apiKey: "sk-right", model: "m", log }).chat({ messages });
      expect(guarded.lastRequest?.headers.authorization).toBe("Bearer sk-right");
    } finally {
      await guarded.stop();
    }
  });

  it("retries a 429 after the Retry-After seconds", async () => {
    llm.script([{ status: 429, headers: { "retry-after": "1" } }, { content: "hi" }]);
    const completion = await client().chat({ messages });
    expect(completion.choices[0]?.message.content).toBe("hi");
    expect(waits).toEqual([1000]);
    expect(llm.requests).toHaveLength(2);
  });

  it("prefers retry-after-ms over retry-after", async () => {
    llm.script([{ status: 429, headers: { "retry-after-ms": "250", "retry-after": "9" } }, { content: "hi" }]);
    await client().chat({ messages });
    expect(waits).toEqual([250]);
  });

  it("retries a 500 with exponential backoff, then succeeds", async () => {
    llm.script([{ status: 500 }, { status: 502 }, { status: 503 }, { content: "finally" }]);
    const completion = await client().chat({ messages });
    expect(completion.choices[0]?.message.content).toBe("finally");
    expect(waits).toEqual([1000, 2000, 4000]);
  });

  it("keeps the jitter within ±10 %", async () => {
    llm.script([{ status: 500 }, { status: 500 }, { content: "ok" }]);
    await client({ random: () => 0 }).chat({ messages });
    llm.script([{ status: 500 }, { content: "ok" }]);
    await client({ random: () => 0.999_999 }).chat({ messages });
    expect(waits[0]).toBeCloseTo(900);
    expect(waits[1]).toBeCloseTo(1800);
    expect(waits[2]).toBeCloseTo(1100);
  });

  it("caps the backoff at 60 s", async () => {
    llm.script(Array.from({ length: 8 }, () => ({ status: 500 })));
    llm.whenExhausted({ content: "ok" });
    await client({ maxRetries: 8 }).chat({ messages });
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  });

  it("gives up after maxRetries with a transient error naming the server", async () => {
    llm.whenExhausted({ status: 503, body: { error: { message: "model is loading" } } });
    const error = await failure(client({ maxRetries: 2 }).chat({ messages }));
    expect(error.kind).toBe("transient");
    expect(error.message).toBe(
      `The LLM at ${llm.baseUrl} kept failing (503): model is loading; check OPENAI_BASE_URL / try again later`,
    );
    expect(error.retryAfterSeconds).toBe(4);
    expect(llm.requests).toHaveLength(3);
    expect(waits).toEqual([1000, 2000]);
  });

  it("passes a long Retry-After on to the job queue instead of blocking", async () => {
    llm.script([{ status: 429, headers: { "retry-after": "600" } }]);
    const error = await failure(client().chat({ messages }));
    expect(error.kind).toBe("transient");
    expect(error.retryAfterSeconds).toBe(600);
    expect(waits).toEqual([]);
  });

  it("does not retry a 400", async () => {
    llm.script([{ status: 400, body: { error: { message: "messages must not be empty", type: "invalid_request_error" } } }]);
    const error = await failure(client().chat({ messages }));
    expect(error.kind).toBe("permanent");
    expect(error.message).toContain("(400): messages must not be empty");
    expect(llm.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("turns a 401 into a permanent error about the API key", async () => {
    const guarded = await FakeLlm.start({ apiKey: "sk-right" });
    try {
      const wrong = createLlmClient({ baseUrl: guarded.baseUrl, apiKey: "sk-wrong", model: "m", log, traffic: traffic() });
      const error = await failure(wrong.chat({ messages }));
      expect(error.kind).toBe("permanent");
      expect(error.message).toBe("The LLM rejected the API key (401); check OPENAI_API_KEY");
      expect(guarded.requests).toHaveLength(0);
    } finally {
      await guarded.stop();
    }
  });

  it("names the model on a 404", async () => {
    llm.script([{ status: 404, body: { error: { message: "model 'nope' not found" } } }]);
    const error = await failure(client({ model: "nope" }).chat({ messages }));
    expect(error.kind).toBe("permanent");
    expect(error.message).toContain("check VENOM_MODEL");
  });

  it("retries a dropped connection", async () => {
    llm.script([{ disconnect: true }, { content: "back" }]);
    const completion = await client().chat({ messages });
    expect(completion.choices[0]?.message.content).toBe("back");
    expect(waits).toEqual([1000]);
  });

  it("retries a timeout", async () => {
    llm.script([{ content: "slow", delayMs: 500 }, { content: "fast" }]);
    const completion = await client({ timeoutMs: 100 }).chat({ messages });
    expect(completion.choices[0]?.message.content).toBe("fast");
    expect(waits).toEqual([1000]);
  });

  it("reports an unreachable remote server as a network error after retries", async () => {
    let attempts = 0;
    const refused = async (): Promise<Response> => {
      attempts += 1;
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
    };
    const remote = createLlmClient({ baseUrl: "https://llm.example.com/v1", model: "m", log, maxRetries: 1, traffic: traffic(), fetch: refused });
    const error = await failure(remote.chat({ messages }));
    expect(error.kind).toBe("transient");
    expect(error.message).toMatch(/^The LLM at https:\/\/llm\.example\.com\/v1 kept failing \(network error\): /);
    expect(attempts).toBe(2);
  });

  it("says at once, in one line, that a local server refused the connection", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const error = await failure(client({ baseUrl: `http://127.0.0.1:${closedPort}/v1` }).chat({ messages }));
    expect(waits).toEqual([]);
    expect(error.kind).toBe("transient");
    expect(error.message).toBe(
      `Could not reach the model at http://127.0.0.1:${closedPort}/v1: connection refused; start the server or fix OPENAI_BASE_URL`,
    );
  });

  it("treats loopback, private and .local hosts as local", () => {
    for (const url of ["http://localhost:11434/v1", "http://127.0.0.1:8000/v1", "http://[::1]:1234/v1", "http://192.168.1.5/v1", "http://10.0.0.2/v1", "http://172.20.0.1/v1", "http://gpu.local/v1"]) {
      expect(isLocalUrl(url), url).toBe(true);
    }
    for (const url of ["https://api.openai.com/v1", "http://172.32.0.1/v1", "http://8.8.8.8/v1", "not a url"]) {
      expect(isLocalUrl(url), url).toBe(false);
    }
  });

  it("never shows credentials of the base URL", async () => {
    const url = new URL(llm.baseUrl);
    url.username = "user";
    url.password = "secret";
    const withCredentials = createLlmClient({ baseUrl: `${url.toString()}?key=secret2`, model: "m", log });
    expect(withCredentials.baseUrl).toBe(llm.baseUrl);
  });

  it("stops waiting when the signal aborts", async () => {
    llm.whenExhausted({ status: 500 });
    const controller = new AbortController();
    const reason = new Error("cancelled by user");
    const slow = createLlmClient({ baseUrl: llm.baseUrl, model: "m", log, traffic: traffic({ sleep: false }) });
    setTimeout(() => controller.abort(reason), 50);
    await expect(slow.chat({ messages, signal: controller.signal })).rejects.toBe(reason);
    expect(llm.requests).toHaveLength(1);
  });

  it("throws the abort reason when aborted during a request", async () => {
    llm.script([{ content: "late", delayMs: 1000 }]);
    const controller = new AbortController();
    const reason = new Error("job cancelled");
    setTimeout(() => controller.abort(reason), 50);
    await expect(client().chat({ messages, signal: controller.signal })).rejects.toBe(reason);
  });
});

describe("retryAfter", () => {
  it("reads seconds, milliseconds and HTTP dates", () => {
    expect(retryAfter(new Headers({ "retry-after": "2" }))).toBe(2000);
    expect(retryAfter(new Headers({ "retry-after-ms": "1500" }))).toBe(1500);
    expect(retryAfter(new Headers({ "retry-after": "Wed, 21 Oct 2015 07:28:10 GMT" }), Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"))).toBe(10_000);
    expect(retryAfter(new Headers({ "retry-after": "soon" }))).toBeUndefined();
    expect(retryAfter(new Headers())).toBeUndefined();
  });
});

describe("FakeLlm", () => {
  it("lists its model and answers 'script exhausted' by default", async () => {
    const models = (await (await fetch(`${llm.baseUrl}/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data[0]?.id).toBe("fake-model");
    const completion = await client().chat({ messages });
    expect(completion.choices[0]).toMatchObject({ finish_reason: "stop", message: { role: "assistant", content: "script exhausted" } });
  });

  it("lets a function decide the reply from the request", async () => {
    llm.script([(request) => ({ content: `you said ${request.messages.at(-1)?.content as string}` })]);
    const completion = await client().chat({ messages });
    expect(completion.choices[0]?.message.content).toBe("you said hello");
    expect(llm.pending).toBe(0);
  });
});
