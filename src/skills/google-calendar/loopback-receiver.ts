// The loopback half of Google's installed-app login: a one-shot HTTP server on 127.0.0.1 that receives `?code=&state=`.
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { VenomError } from "../../errors.js";

export interface LoopbackReceiverOptions<T> {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The nonce sent in the consent URL; a redirect without it is refused and the receiver keeps waiting. */
  state: string;
  timeoutMs: number;
  /** Turns the code into the login's result (token exchange and storage); runs once, for the first valid redirect. */
  complete: (code: string) => Promise<T>;
  log: Logger;
}

export interface LoopbackReceiver<T> {
  /** `http://127.0.0.1:<port>`: the redirect URI the consent URL must name. */
  redirectUri: string;
  /** Settles with `complete`'s result, or rejects (access denied, exchange failed, timeout); the server is closed by then. */
  result: Promise<T>;
  /** Stops waiting (rejecting `result` if still pending) and closes the server. */
  close(): Promise<void>;
}

export async function startLoopbackReceiver<T>(options: LoopbackReceiverOptions<T>): Promise<LoopbackReceiver<T>> {
  const { log } = options;
  let phase: "waiting" | "exchanging" | "done" = "waiting";
  let settle!: { resolve: (value: T) => void; reject: (error: Error) => void };
  const result = new Promise<T>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Whoever awaits `result` sees the rejection; this only keeps an unawaited one from crashing the process.
  result.catch(() => undefined);

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // A browser keeps its connection alive; without this, close() would wait for it.
      server.closeAllConnections();
    });
  const finish = (outcome: { value: T } | { error: Error }) => {
    if (phase === "done") return;
    phase = "done";
    clearTimeout(timer);
    void closeServer().then(() => ("value" in outcome ? settle.resolve(outcome.value) : settle.reject(outcome.error)));
  };

  const timer = setTimeout(() => {
    const seconds = Math.round(options.timeoutMs / 1000);
    finish({
      error: new VenomError("user", `Google Calendar login timed out: no answer from the browser within ${seconds} s. Run \`venom calendar login\` again.`),
    });
  }, options.timeoutMs);

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (request.method !== "GET" || url.pathname !== "/") return void page(response, 404, "Not found", "Nothing here.");
    if (phase !== "waiting") {
      return void page(response, 409, "Login already handled", "This login has already received an answer. You can close this tab.");
    }
    const state = url.searchParams.get("state");
    if (!state || !sameSecret(state, options.state)) {
      log.warn("Google Calendar login: refused a redirect whose state does not match the login in progress");
      return void page(
        response,
        400,
        "Login refused",
        "This answer does not belong to the login Venom started (state mismatch). Use the link Venom printed.",
      );
    }
    const denied = url.searchParams.get("error");
    if (denied) {
      await page(response, 403, "Access not granted", `Google answered: ${denied}. Run \`venom calendar login\` to try again.`);
      const reason = denied === "access_denied" ? "access was declined on Google's consent page" : `Google answered "${denied}"`;
      return finish({ error: new VenomError("user", `Google Calendar login failed: ${reason}. Run \`venom calendar login\` to try again.`) });
    }
    const code = url.searchParams.get("code");
    if (!code) return void page(response, 400, "Login refused", "The answer carries no authorization code.");

    phase = "exchanging";
    try {
      const value = await options.complete(code);
      await page(response, 200, "Venom is connected", "Venom can now use your Google Calendar. You can close this tab.");
      finish({ value });
    } catch (error) {
      await page(response, 500, "Login failed", (error as Error).message);
      finish({ error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === "EADDRINUSE"
          ? new VenomError("user", `Cannot start the login callback: port ${options.port ?? 0} on 127.0.0.1 is in use; pick another port.`)
          : error,
      );
    });
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });

  return {
    redirectUri: `http://127.0.0.1:${port}`,
    result,
    close: async () => {
      finish({ error: new VenomError("user", "Google Calendar login was cancelled.") });
      await result.then(
        () => undefined,
        () => undefined,
      );
    },
  };
}

function sameSecret(received: string, expected: string): boolean {
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Answers with a small HTML page; resolves once it is sent, so closing the server cannot cut it off. */
function page(response: ServerResponse, status: number, title: string, message: string): Promise<void> {
  const body =
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`;
  response.writeHead(status, {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    // The address bar holds the authorization code: never send it on as a referrer.
    "Referrer-Policy": "no-referrer",
    Connection: "close",
  });
  return new Promise((resolve) => {
    response.once("close", resolve);
    response.end(body);
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
