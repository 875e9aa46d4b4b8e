import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NockProvider } from "../nock-provider.js";

afterEach(() => {
  vi.doUnmock("@huggingface/hub");
  vi.resetModules();
});

describe("@huggingface/hub loading", () => {
  it("waits for the first call", async () => {
    vi.resetModules();
    let loaded = 0;
    vi.doMock("@huggingface/hub", async (importOriginal) => {
      loaded++;
      return importOriginal();
    });
    const hub = NockProvider.start();
    try {
      hub.on("GET", "/api/models", { body: [] });
      const { HuggingFaceSkill } = await import("../../../../src/skills/huggingface/hugging-face-skill.js");
      const skill = new HuggingFaceSkill({ endpoint: hub.origin, log: pino({ level: "silent" }) });
      expect(loaded).toBe(0);

      await skill.searchModels("x");
      await skill.searchModels("y");
      expect(loaded).toBe(1);
    } finally {
      hub.stop();
    }
  });
});
