// What the Hugging Face skill answers with: plain data, independent of @huggingface/hub's own types.

export type Gated = false | "auto" | "manual";

/** What the hub lists for any repo, model or dataset. */
export interface RepoSummary {
  /** `owner/name` (or a legacy un-namespaced name). */
  id: string;
  /** The repo's page on the hub. */
  url: string;
  downloads: number;
  likes: number;
  tags: string[];
  private: boolean;
  gated: Gated;
  /** ISO time of the last commit. */
  updatedAt?: string;
}

/** The start of a repo's card (README) as text, front matter left out, and its license. */
export interface RepoCard {
  license?: string;
  /** At most ~1,500 characters. */
  cardSummary?: string;
}

export interface ModelSummary extends RepoSummary {
  /** The pipeline tag, e.g. `text-classification`. */
  task?: string;
}

export interface ModelDetails extends ModelSummary, RepoCard {
  /** e.g. `transformers`, `diffusers`. */
  library?: string;
}

export type DatasetSummary = RepoSummary;

export type DatasetDetails = DatasetSummary & RepoCard;
