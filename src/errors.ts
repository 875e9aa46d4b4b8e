// The one error family: every error a user can hit says what happened and what to do.
export type ErrorKind = "transient" | "permanent" | "user";

export class VenomError extends Error {
  readonly kind: ErrorKind;
  /** Seconds the caller should wait before trying again (transient errors only). */
  readonly retryAfterSeconds?: number;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "VenomError";
    this.kind = kind;
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A bad environment variable or config file value: stops start-up with one line. */
export class ConfigError extends VenomError {
  constructor(message: string) {
    super("user", message);
    this.name = "ConfigError";
  }
}

/** A run stopped because a person asked (`/venom cancel`, the dashboard): an abort reason, never a failure. */
export class CancelledError extends VenomError {
  constructor(message = "cancelled by /venom cancel") {
    super("user", message);
    this.name = "CancelledError";
  }
}

/** A run stopped because the worker is shutting down: not the job's fault, the next start resumes it. */
export class ShutdownError extends VenomError {
  constructor(message = "worker shutting down") {
    super("transient", message);
    this.name = "ShutdownError";
  }
}

export const transientError = (message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) =>
  new VenomError("transient", message, options);
export const permanentError = (message: string, options?: { cause?: unknown }) =>
  new VenomError("permanent", message, options);

export function isTransient(error: unknown): boolean {
  return error instanceof VenomError && error.kind === "transient";
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
