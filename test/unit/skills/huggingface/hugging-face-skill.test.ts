import { readFileSync } from "node:fs";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, VenomError } from "../../../../src/errors.js";
import { HuggingFaceNotFoundError } from "../../../../src/skills/huggingface/hub-errors.js";
import { HUGGING_FACE_URL, HuggingFaceSkill, repoId, type HuggingFaceSkillOptions } from "../../../../src/skills/huggingface/hugging-face-skill.js";
import { closedOrigin, NockProvider, type Route } from "../nock-provider.js";

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/huggingface/${name}`, import.meta.url), "utf8");
const json = (name: string) => JSON.parse(fixture(name)) as object;
const log = pino({ level: "silent" });
const TOKEN = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345";
const MODEL = "distilbert/distilbert-base-uncased-finetuned-sst-2-english";

/** A file under `/<repo>/resolve/main/…` as the hub serves a small git file: Range requests get 206 with Content-Range. */
function hubFile(content: string): Route {
  const bytes = Buffer.from(content);
  return (request) => {
    const headers = { "content-type": "text/plain; charset=utf-8", etag: '"4bd1c4c3e3ad6a8c0b7f0e2d1a9c8b7e6f5d4c3b"', "accept-ranges": "bytes" };
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(request.headers.range ?? ""));
    if (!range) return { headers, body: bytes };
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
    return { status: 206, headers: { ...headers, "content-range": `bytes ${start}-${end}/${bytes.length}` }, body: bytes.subarray(start, end + 1) };
  };
}

const entryNotFound = { status: 404, headers: { "x-error-code": "EntryNotFound" }, body: { error: "Entry not found" } };

// The Hub at its own address, played by nock.
let hub: NockProvider;

beforeAll(() => {
  hub = NockProvider.start(HUGGING_FACE_URL);
});
afterAll(() => {
  hub.stop();
});
beforeEach(() => {
  hub.reset();
});

function skill(options: Partial<HuggingFaceSkillOptions> = {}): HuggingFaceSkill {
  return new HuggingFaceSkill({ endpoint: hub.origin, log, ...options });
}

describe("HuggingFaceSkill.searchModels", () => {
  it("asks the hub as @huggingface/hub's listModels does: by task and query, sorted by downloads, top 5", async () => {
    hub.on("GET", "/api/models", { body: json("models-search.json") });

    const models = await skill().searchModels("sentiment", { task: "text-classification" });

    const [request] = hub.requestsTo("/api/models");
    expect(request?.query.get("search")).toBe("sentiment");
    expect(request?.query.get("pipeline_tag")).toBe("text-classification");
    expect(request?.query.get("sort")).toBe("downloads");
    expect(request?.query.get("limit")).toBe("5");
    expect(request?.query.getAll("expand")).toEqual(expect.arrayContaining(["pipeline_tag", "downloads", "likes", "tags"]));
    expect(request?.headers.authorization).toBeUndefined();
    expect(models).toHaveLength(3);
    expect(models[0]).toEqual({
      id: MODEL,
      url: `${hub.origin}/${MODEL}`,
      task: "text-classification",
      downloads: 7_362_931,
      likes: 758,
      tags: expect.arrayContaining(["transformers", "license:apache-2.0"]),
      private: false,
      gated: false,
      updatedAt: "2023-12-19T16:29:37.000Z",
    });
  });

  it("stops at the limit even when the hub sends more, and sends the token when there is one", async () => {
    hub.on("GET", "/api/models", { body: json("models-search.json") });
    const models = await skill({ token: TOKEN }).searchModels("sentiment", { limit: 2 });
    expect(models.map((model) => model.id)).toEqual([MODEL, "cardiffnlp/twitter-roberta-base-sentiment-latest"]);
    expect(hub.requestsTo("/api/models")[0]?.query.get("limit")).toBe("2");
    expect(hub.requestsTo("/api/models")[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("answers an empty list when nothing matches", async () => {
    hub.on("GET", "/api/models", { body: [] });
    expect(await skill().searchModels("qzxv9")).toEqual([]);
  });

  it("turns a hub outage into a transient error", async () => {
    hub.on("GET", "/api/models", { status: 503, body: { error: "Service Unavailable" } });
    const error = await skill()
      .searchModels("x")
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VenomError);
    expect(error).toMatchObject({ kind: "transient", message: "Hugging Face answered 503: Service Unavailable" });
  });
});

describe("HuggingFaceSkill.searchDatasets", () => {
  it("asks /api/datasets by query, sorted by downloads", async () => {
    hub.on("GET", "/api/datasets", { body: json("datasets-search.json") });

    const datasets = await skill().searchDatasets("imdb");

    const [request] = hub.requestsTo("/api/datasets");
    expect(request?.query.get("search")).toBe("imdb");
    expect(request?.query.get("sort")).toBe("downloads");
    expect(request?.query.get("limit")).toBe("5");
    expect(request?.query.getAll("expand")).toEqual(expect.arrayContaining(["downloads", "likes", "tags"]));
    expect(datasets[0]).toEqual({
      id: "stanfordnlp/imdb",
      url: `${hub.origin}/datasets/stanfordnlp/imdb`,
      downloads: 210_493,
      likes: 312,
      tags: expect.arrayContaining(["task_categories:text-classification", "license:other"]),
      private: false,
      gated: false,
      updatedAt: "2024-01-04T12:09:45.000Z",
    });
  });
});

describe("HuggingFaceSkill.modelDetails", () => {
  it("answers metadata, licence and a short card summary read from the README", async () => {
    hub.on("GET", `/api/models/${MODEL}/revision/HEAD`, { body: json("model-info.json") });
    hub.on("GET", `/${MODEL}/resolve/main/README.md`, hubFile(fixture("model-readme.md")));

    const details = await skill().modelDetails(MODEL);

    expect(hub.requestsTo(`/api/models/${MODEL}/revision/HEAD`)[0]?.query.getAll("expand")).toEqual(
      expect.arrayContaining(["tags", "cardData", "library_name"]),
    );
    expect(hub.requestsTo(`/${MODEL}/resolve/main/README.md`)[0]?.headers.range).toBe("bytes=0-0");
    expect(details).toMatchObject({
      id: MODEL,
      task: "text-classification",
      downloads: 7_362_931,
      likes: 758,
      license: "apache-2.0",
      library: "transformers",
    });
    const card = details.cardSummary ?? "";
    expect(card.startsWith("# DistilBERT base uncased finetuned SST-2\n\n## Table of Contents\n- Model Details\n")).toBe(true);
    expect(card).toContain("fine-tune checkpoint of DistilBERT-base-uncased, fine-tuned on SST-2");
    expect(card).not.toMatch(/model-index:|<!--|!\[|\]\(/);
    expect(card.length).toBeLessThanOrEqual(1_500);
    expect(card.endsWith("…")).toBe(true);
  });

  it("still answers when the model has no README or it cannot be read", async () => {
    hub.on("GET", `/api/models/${MODEL}/revision/HEAD`, { body: json("model-info.json") });
    hub.on("GET", `/${MODEL}/resolve/main/README.md`, entryNotFound);
    expect((await skill().modelDetails(MODEL)).cardSummary).toBeUndefined();

    hub.on("GET", `/${MODEL}/resolve/main/README.md`, { status: 500, body: "oops" });
    const details = await skill().modelDetails(MODEL);
    expect(details.cardSummary).toBeUndefined();
    expect(details.license).toBe("apache-2.0");
  });

  it("accepts the model's page URL as its id", async () => {
    hub.on("GET", `/api/models/${MODEL}/revision/HEAD`, { body: json("model-info.json") });
    hub.on("GET", `/${MODEL}/resolve/main/README.md`, entryNotFound);
    expect((await skill().modelDetails(`https://huggingface.co/${MODEL}`)).id).toBe(MODEL);
  });

  it("says clearly when the hub does not know the model: 404, or the 401 it gives strangers", async () => {
    hub.on("GET", "/api/models/venom/no-such-model/revision/HEAD", {
      status: 404,
      headers: { "x-error-code": "RepoNotFound" },
      body: { error: "Repository not found" },
    });
    const error = await skill({ token: TOKEN })
      .modelDetails("venom/no-such-model")
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HuggingFaceNotFoundError);
    expect(error).toMatchObject({
      kind: "user",
      message: 'Hugging Face model "venom/no-such-model" was not found (check the id, or it is private and HF_TOKEN has no access to it).',
    });

    hub.on("GET", "/api/models/venom/private-model/revision/HEAD", {
      status: 401,
      headers: { "x-error-code": "RepoNotFound" },
      body: { error: "Invalid username or password." },
    });
    await expect(skill().modelDetails("venom/private-model")).rejects.toThrow(
      'Hugging Face model "venom/private-model" was not found (check the id, or it is private or gated: set HF_TOKEN to a token that can read it).',
    );
  });

  it("says when HF_TOKEN itself is rejected", async () => {
    hub.on("GET", `/api/models/${MODEL}/revision/HEAD`, { status: 401, body: { error: "Invalid credentials in Authorization header" } });
    await expect(skill({ token: TOKEN }).modelDetails(MODEL)).rejects.toMatchObject({
      kind: "user",
      message: "Hugging Face rejected HF_TOKEN (invalid or expired): replace it or leave it unset.",
    });
  });

  it("refuses ids that are not repo ids, without a request", async () => {
    for (const bad of ["../../api/whoami-v2", "a/b/c", "owner/na me", "", "-bad/name", "owner/x..y"]) {
      await expect(skill().modelDetails(bad)).rejects.toMatchObject({ kind: "user", message: expect.stringMatching(/is not a Hugging Face model id/) });
    }
    expect(hub.requests).toHaveLength(0);
  });
});

describe("HuggingFaceSkill.datasetDetails", () => {
  it("answers metadata, the licence from the card metadata, and the card", async () => {
    hub.on("GET", "/api/datasets/stanfordnlp/imdb/revision/HEAD", { body: json("dataset-info.json") });
    hub.on("GET", "/datasets/stanfordnlp/imdb/resolve/main/README.md", hubFile("---\nlicense: other\n---\n# Dataset Card for \"imdb\"\n\nLarge Movie Review Dataset.\n"));

    const details = await skill().datasetDetails("stanfordnlp/imdb");

    expect(hub.requestsTo("/api/datasets/stanfordnlp/imdb/revision/HEAD")[0]?.query.getAll("expand")).toEqual(
      expect.arrayContaining(["tags", "cardData"]),
    );
    expect(details).toMatchObject({ id: "stanfordnlp/imdb", url: `${hub.origin}/datasets/stanfordnlp/imdb`, license: "other", downloads: 210_493 });
    expect(details.cardSummary).toBe('# Dataset Card for "imdb"\n\nLarge Movie Review Dataset.');
  });

  it("falls back to the hub's description without a README, and says when it is unknown", async () => {
    hub.on("GET", "/api/datasets/stanfordnlp/imdb/revision/HEAD", { body: json("dataset-info.json") });
    hub.on("GET", "/datasets/stanfordnlp/imdb/resolve/main/README.md", entryNotFound);
    expect((await skill().datasetDetails("datasets/stanfordnlp/imdb")).cardSummary).toMatch(/Dataset Summary\n+Large Movie Review Dataset\./);

    hub.on("GET", "/api/datasets/venom/none/revision/HEAD", { status: 404, body: { error: "Repository not found" } });
    await expect(skill().datasetDetails("venom/none")).rejects.toThrow(/^Hugging Face dataset "venom\/none" was not found/);
  });
});

describe("HuggingFaceSkill.checkConnection", () => {
  it("asks whoami with a token", async () => {
    hub.on("GET", "/api/whoami-v2", { body: json("whoami.json") });
    expect(await skill({ token: TOKEN }).checkConnection()).toEqual({
      configured: true,
      connected: true,
      detail: `${new URL(hub.origin).host} answered; HF_TOKEN belongs to venom-bot`,
    });
    expect(hub.requestsTo("/api/whoami-v2")[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("runs a one-result search without one", async () => {
    hub.on("GET", "/api/models", { body: json("models-search.json") });
    const status = await skill().checkConnection();
    expect(status).toMatchObject({ configured: true, connected: true, detail: expect.stringMatching(/answered \(anonymous/) });
    expect(hub.requestsTo("/api/models")[0]?.query.get("limit")).toBe("1");
  });

  it("reports a failure without throwing and without the token", async () => {
    hub.on("GET", "/api/whoami-v2", { status: 401, body: { error: "Invalid credentials in Authorization header" } });
    const status = await skill({ token: TOKEN }).checkConnection();
    expect(status).toEqual({ configured: true, connected: false, detail: "Hugging Face rejected HF_TOKEN (invalid or expired): replace it or leave it unset." });

    const down = await skill({ endpoint: await closedOrigin() }).checkConnection();
    expect(down).toMatchObject({ connected: false, detail: expect.stringMatching(/^Hugging Face request failed: fetch failed: .*ECONNREFUSED/) });
  });
});

describe("HuggingFaceSkill set-up and transport", () => {
  it("refuses a token that is not a Hugging Face token", () => {
    expect(() => skill({ token: "ghp_notahuggingfacetoken" })).toThrow(ConfigError);
  });

  it("sends every request through the injected fetch", async () => {
    hub.on("GET", "/api/models", { body: json("models-search.json") });
    hub.on("GET", `/api/models/${MODEL}/revision/HEAD`, { body: json("model-info.json") });
    hub.on("GET", `/${MODEL}/resolve/main/README.md`, hubFile("# Card\n"));
    const seen: string[] = [];
    const counting: typeof fetch = (input, init) => {
      seen.push(new URL(String(input)).pathname);
      return globalThis.fetch(input, init);
    };
    const hf = skill({ fetch: counting });
    await hf.searchModels("sentiment");
    await hf.modelDetails(MODEL);
    expect(seen).toEqual(hub.requests.map((request) => request.path));
    expect(seen).toEqual(["/api/models", `/api/models/${MODEL}/revision/HEAD`, `/${MODEL}/resolve/main/README.md`, `/${MODEL}/resolve/main/README.md`]);
  });
});

describe("repoId", () => {
  it("takes owner/name, legacy names and page URLs", () => {
    expect(repoId(" gpt2 ", "model")).toBe("gpt2");
    expect(repoId("https://huggingface.co/datasets/stanfordnlp/imdb/", "dataset")).toBe("stanfordnlp/imdb");
    expect(repoId("openai/whisper-large-v3", "model")).toBe("openai/whisper-large-v3");
  });
});
