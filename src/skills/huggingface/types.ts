// What the Hugging Face skill answers with: plain data, independent of @huggingface/hub's own types.

export type Gated = false | "auto" | "manual";

export interface ModelSummary {
  /** `owner/name` (or a legacy un-namespaced name). */
  id: string;
  /** The model's page on the hub. */
  url: string;
  /** The pipeline tag, e.g. `text-classification`. */
  task?: string;
  downloads: number;
  likes: number;
  tags: string[];
  private: boolean;
  gated: Gated;
  /** ISO time of the last commit. */
  updatedAt?: string;
}

export interface ModelDetails extends ModelSummary {
  license?: string;
  /** e.g. `transformers`, `diffusers`. */
  library?: string;
  /** The start of the model card (README) as text, front matter left out; at most ~1,500 characters. */
  cardSummary?: string;
}

export interface DatasetSummary {
  id: string;
  url: string;
  downloads: number;
  likes: number;
  tags: string[];
  private: boolean;
  gated: Gated;
  updatedAt?: string;
}

export interface DatasetDetails extends DatasetSummary {
  license?: string;
  cardSummary?: string;
}

export interface ConnectionStatus {
  configured: true;
  connected: boolean;
  detail: string;
}
