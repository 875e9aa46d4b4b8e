// @huggingface/hub's failures as VenomErrors that say what to do; a missing repo is a HuggingFaceNotFoundError.
import { classifyFailure } from "../../shared/classify-failure.js";
import { VenomError, errorMessage, permanentError, transientError } from "../../errors.js";

export type RepoKind = "model" | "dataset";

/** The repo does not exist, or it is private or gated and the token (if any) cannot see it. */
export class HuggingFaceNotFoundError extends VenomError {
  readonly repoKind: RepoKind;
  readonly repoId: string;

  constructor(repoKind: RepoKind, repoId: string, hasToken: boolean) {
    const hint = hasToken
      ? "or it is private and HF_TOKEN has no access to it"
      : "or it is private or gated: set HF_TOKEN to a token that can read it";
    super("user", `Hugging Face ${repoKind} "${repoId}" was not found (check the id, ${hint}).`);
    this.name = "HuggingFaceNotFoundError";
    this.repoKind = repoKind;
    this.repoId = repoId;
  }
}

export interface HubErrorContext {
  /** Set for calls about one repo, where 404 (and the hub's anonymous 401) mean "not found". */
  repo?: { kind: RepoKind; id: string };
  hasToken: boolean;
}

// The hub's answer to a bad token; any other 401 on a repo is how it hides private repos from strangers.
const BAD_TOKEN = /invalid (credentials|token|username or password)/i;

export function hubError(error: unknown, context: HubErrorContext): VenomError {
  if (error instanceof VenomError) return error;
  const failure = classifyFailure(error);
  const { status } = failure;
  if (status === undefined) {
    const cause = error instanceof Error && error.cause !== undefined ? `: ${errorMessage(error.cause)}` : "";
    return transientError(`Hugging Face request failed: ${errorMessage(error)}${cause}`, { cause: error });
  }
  const detail = detailOf(error);
  if (status === 401 && context.hasToken && BAD_TOKEN.test(detail)) {
    return new VenomError("user", "Hugging Face rejected HF_TOKEN (invalid or expired): replace it or leave it unset.", { cause: error });
  }
  if (context.repo && (status === 404 || status === 401)) {
    return new HuggingFaceNotFoundError(context.repo.kind, context.repo.id, context.hasToken);
  }
  if (context.repo && status === 403) {
    return new VenomError("user", `Hugging Face ${context.repo.kind} "${context.repo.id}" is gated or restricted: ${detail}`, { cause: error });
  }
  const message = `Hugging Face answered ${status}: ${detail}`;
  return failure.kind === "transient" ? transientError(message, { cause: error }) : permanentError(message, { cause: error });
}

// HubApiError's message ends with ". URL: … Request ID: …"; its `data` holds the hub's own `{error}`.
function detailOf(error: unknown): string {
  const data = (error as { data?: { error?: unknown; message?: unknown } }).data;
  const own = typeof data?.error === "string" ? data.error : typeof data?.message === "string" ? data.message : "";
  const text = own || errorMessage(error).replace(/\.? URL: [\s\S]*$/, "");
  return text.replace(/\s+/g, " ").trim().slice(0, 300) || "no details";
}
