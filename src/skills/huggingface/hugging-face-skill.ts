// Hugging Face exploration through @huggingface/hub (loaded on first use): model and dataset search by downloads,
// details with a short card summary. Anonymous by default; HF_TOKEN opens private and gated repos.
import type * as Hub from "@huggingface/hub";
import type { Logger } from "pino";
import { ConfigError, VenomError, errorMessage } from "../../errors.js";
import { lazy } from "../../shared/lazy.js";
import { hubError, type RepoKind } from "./hub-errors.js";
import { cardSummary, licenseOf } from "./model-card.js";
import type { ConnectionStatus } from "../integration.js";
import type { DatasetDetails, DatasetSummary, ModelDetails, ModelSummary, RepoCard, RepoSummary } from "./types.js";

export const HUGGING_FACE_URL = "https://huggingface.co";

export interface HuggingFaceSkillOptions {
  /** `HF_TOKEN` (starts with `hf_`): only needed for private or gated repos. */
  token?: string;
  /** `HF_ENDPOINT`: the hub's base URL (default https://huggingface.co). */
  endpoint?: string;
  /** Every request goes through it (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  log: Logger;
}

export interface SearchOptions {
  /** Results wanted (default 5, at most 50). */
  limit?: number;
}

export interface ModelSearchOptions extends SearchOptions {
  /** A pipeline tag, e.g. `text-classification`; an unknown one simply matches nothing. */
  task?: string;
}

// Enough of any real card for a 1,500-character summary; a huge README is read in part.
const CARD_MAX_BYTES = 64 * 1024;
// The hub's rules: letters, digits, `-`, `_`, `.`; no `--` or `..`; at most 96 characters a part.
const REPO_PART = /^(?!.*(?:--|\.\.))[A-Za-z0-9](?:[\w.-]{0,94}[A-Za-z0-9])?$/;

// Loaded on first use, so an app that never searches the hub never pays for it.
const loadHub = lazy(() => import("@huggingface/hub"));

/** The fields of a hub listing every summary reads, models and datasets alike. */
type HubEntry = Pick<Hub.ModelEntry, "name" | "downloads" | "likes" | "private" | "gated" | "updatedAt"> & { tags?: string[] };

export class HuggingFaceSkill {
  readonly #token: Hub.AccessToken | undefined;
  readonly #hubUrl: string;
  readonly #fetch: typeof fetch;
  readonly #log: Logger;

  constructor(options: HuggingFaceSkillOptions) {
    if (options.token && !options.token.startsWith("hf_")) {
      throw new ConfigError("HF_TOKEN must be a Hugging Face access token (it starts with hf_).");
    }
    this.#token = (options.token || undefined) as Hub.AccessToken | undefined;
    this.#hubUrl = (options.endpoint ?? HUGGING_FACE_URL).replace(/\/+$/, "");
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#log = options.log.child({ skill: "huggingface" });
  }

  /** Models matching `query` (and `task`), most downloaded first. */
  async searchModels(query: string, options: ModelSearchOptions = {}): Promise<ModelSummary[]> {
    const hub = await loadHub();
    const task = options.task?.trim();
    const models: ModelSummary[] = [];
    await this.#call({}, async () => {
      const found = hub.listModels({
        search: { ...(query.trim() ? { query: query.trim() } : {}), ...(task ? { task: task as Hub.PipelineType } : {}) },
        sort: "downloads",
        limit: limitOf(options.limit),
        additionalFields: ["tags"],
        ...this.#params(),
      });
      for await (const model of found) models.push(this.#modelSummary(model));
    });
    this.#log.debug({ query, task, results: models.length }, "hub model search");
    return models;
  }

  /** Datasets matching `query`, most downloaded first. */
  async searchDatasets(query: string, options: SearchOptions = {}): Promise<DatasetSummary[]> {
    const hub = await loadHub();
    const datasets: DatasetSummary[] = [];
    await this.#call({}, async () => {
      const found = hub.listDatasets({
        search: query.trim() ? { query: query.trim() } : {},
        sort: "downloads",
        limit: limitOf(options.limit),
        additionalFields: ["tags"],
        ...this.#params(),
      });
      for await (const dataset of found) datasets.push(this.#repoSummary(dataset, `datasets/${dataset.name}`));
    });
    this.#log.debug({ query, results: datasets.length }, "hub dataset search");
    return datasets;
  }

  /** A model's metadata and card summary; a HuggingFaceNotFoundError when the hub does not know it. */
  async modelDetails(id: string): Promise<ModelDetails> {
    const { info, summary, card } = await this.#details(
      "model",
      id,
      (hub, name) => hub.modelInfo({ name, additionalFields: ["tags", "cardData", "library_name"], ...this.#params() }),
      (info) => this.#modelSummary(info),
    );
    return { ...summary, ...card, ...(info.library_name ? { library: info.library_name } : {}) };
  }

  /** A dataset's metadata and card summary (its description when it has no card); a HuggingFaceNotFoundError when the hub does not know it. */
  async datasetDetails(id: string): Promise<DatasetDetails> {
    const { info, summary, card } = await this.#details(
      "dataset",
      id,
      (hub, name) => hub.datasetInfo({ name, additionalFields: ["tags", "cardData", "description"], ...this.#params() }),
      (info) => this.#repoSummary(info, `datasets/${info.name}`),
    );
    const described = !card.cardSummary && info.description ? cardSummary(info.description) : undefined;
    return { ...summary, ...card, ...(described ? { cardSummary: described } : {}) };
  }

  /** With a token: who it belongs to; without: a one-result search. Never throws. */
  async checkConnection(): Promise<ConnectionStatus> {
    const host = new URL(this.#hubUrl).host;
    try {
      const hub = await loadHub();
      if (this.#token) {
        const token = this.#token;
        const account = await this.#call({}, () => hub.whoAmI({ accessToken: token, hubUrl: this.#hubUrl, fetch: this.#fetch }));
        return { configured: true, connected: true, detail: `${host} answered; HF_TOKEN belongs to ${account.name}` };
      }
      await this.searchModels("", { limit: 1 });
      return { configured: true, connected: true, detail: `${host} answered (anonymous: set HF_TOKEN for private or gated repos)` };
    } catch (error) {
      return { configured: true, connected: false, detail: errorMessage(error) };
    }
  }

  async #card(kind: RepoKind, name: string): Promise<string | undefined> {
    try {
      const hub = await loadHub();
      // `xet: false`: a README is a small git file; never pull in the xet (wasm) download path for it.
      const blob = await hub.downloadFile({ repo: { type: kind, name }, path: "README.md", xet: false, ...this.#params() });
      if (!blob) return undefined;
      const text = await (blob.size > CARD_MAX_BYTES ? blob.slice(0, CARD_MAX_BYTES) : blob).text();
      return cardSummary(text) || undefined;
    } catch (error) {
      // The metadata is still worth answering with when the card cannot be read.
      this.#log.warn({ repo: name, kind, reason: errorMessage(error) }, "hub card not read");
      return undefined;
    }
  }

  async #call<T>(context: { repo?: { kind: RepoKind; id: string } }, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw hubError(error, { ...context, hasToken: this.#token !== undefined });
    }
  }

  #params() {
    return { hubUrl: this.#hubUrl, fetch: this.#fetch, ...(this.#token ? { accessToken: this.#token } : {}) };
  }

  #modelSummary(model: HubEntry & { task?: string }): ModelSummary {
    return { ...this.#repoSummary(model, model.name), ...(model.task ? { task: model.task } : {}) };
  }

  #repoSummary(entry: HubEntry, path: string): RepoSummary {
    return {
      id: entry.name,
      url: `${this.#hubUrl}/${path}`,
      downloads: entry.downloads ?? 0,
      likes: entry.likes ?? 0,
      tags: entry.tags ?? [],
      private: entry.private ?? false,
      gated: entry.gated ?? false,
      ...isoTime(entry.updatedAt),
    };
  }

  /** One repo's metadata, license and card summary. */
  async #details<Info extends HubEntry & { cardData?: unknown }, Summary extends RepoSummary>(
    kind: RepoKind,
    id: string,
    read: (hub: typeof Hub, name: string) => Promise<Info>,
    summarize: (info: Info) => Summary,
  ): Promise<{ info: Info; summary: Summary; card: RepoCard }> {
    const name = repoId(id, kind);
    const hub = await loadHub();
    const info = await this.#call({ repo: { kind, id: name } }, () => read(hub, name));
    const summary = summarize(info);
    const license = licenseOf(info.cardData, summary.tags);
    const card = await this.#card(kind, name);
    return { info, summary, card: { ...(license ? { license } : {}), ...(card ? { cardSummary: card } : {}) } };
  }
}

/** A repo id as the hub spells it (`owner/name`), also taken from its page URL; anything else is refused. */
export function repoId(raw: string, kind: RepoKind): string {
  let id = raw.trim();
  const prefix = id.match(/^https?:\/\/[^/]+\/(.*)$/);
  if (prefix?.[1] !== undefined) id = prefix[1].replace(/[?#].*$/, "").replace(/\/+$/, "");
  if (kind === "dataset") id = id.replace(/^datasets\//, "");
  const parts = id.split("/");
  if (parts.length > 2 || !parts.every((part) => REPO_PART.test(part))) {
    throw new VenomError("user", `"${raw}" is not a Hugging Face ${kind} id (expected owner/name, e.g. ${kind === "model" ? "google-bert/bert-base-uncased" : "stanfordnlp/imdb"}).`);
  }
  return id;
}

function limitOf(limit: number | undefined): number {
  return Math.min(50, Math.max(1, Math.floor(limit ?? 5)));
}

function isoTime(date: Date | undefined): { updatedAt?: string } {
  return date && !Number.isNaN(date.getTime()) ? { updatedAt: date.toISOString() } : {};
}
