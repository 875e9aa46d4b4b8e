// `venom calendar login`: the installed-app consent flow (loopback redirect, PKCE, state nonce), the token stored 0600.
import { randomBytes } from "node:crypto";
import type { Auth } from "googleapis";
import type { Logger } from "pino";
import { VenomError } from "../../errors.js";
import type { CalendarSession } from "./calendar-session.js";
import { readClientCredentials } from "./client-credentials.js";
import { googleApiError } from "./google-api-error.js";
import { GOOGLE_CALENDAR_SCOPES } from "./google-calendar-config.js";
import { startLoopbackReceiver } from "./loopback-receiver.js";
import { mergeTokens, writeStoredToken, type StoredToken } from "./token-store.js";

export interface LoginOptions {
  /** Called with the consent URL as soon as it exists (the CLI prints it). */
  onUrl?: (url: string) => void;
  /** Opens the consent URL; a failure is logged and the login keeps waiting for the printed URL to be used. */
  openBrowser?: (url: string) => void | Promise<void>;
  /** Loopback port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** How long to wait for the browser's answer (default 5 minutes). */
  timeoutMs?: number;
}

export interface LoginResult {
  tokenPath: string;
  /** The scopes Google granted (the user can untick one on the consent page). */
  scopes: string[];
  /** False when Google sent no refresh token: access then ends when the access token expires. */
  refreshable: boolean;
}

export interface LoginInput {
  credentialsPath: string;
  tokenPath: string;
  session: CalendarSession;
  log: Logger;
}

const LOGIN_TIMEOUT_MS = 5 * 60_000;

/** Waits for the user's consent in the browser; answers the stored token and what it allows. */
export async function loginWithBrowser(input: LoginInput, options: LoginOptions = {}): Promise<{ token: StoredToken; result: LoginResult }> {
  const { session, log, tokenPath } = input;
  const credentials = await readClientCredentials(input.credentialsPath);
  const googleapis = await session.googleapis();
  const state = randomBytes(32).toString("base64url");
  let client: Auth.OAuth2Client | undefined;
  let codeVerifier: string | undefined;

  const receiver = await startLoopbackReceiver({
    ...(options.port !== undefined ? { port: options.port } : {}),
    state,
    timeoutMs: options.timeoutMs ?? LOGIN_TIMEOUT_MS,
    log,
    complete: async (code) => {
      if (!client) throw new VenomError("permanent", "Google Calendar login: the OAuth client is not ready.");
      let tokens: Auth.Credentials;
      try {
        ({ tokens } = await client.getToken({ code, ...(codeVerifier ? { codeVerifier } : {}) }));
      } catch (error) {
        throw googleApiError(error, "exchange the authorization code for a token");
      }
      const token = mergeTokens(undefined, tokens);
      await writeStoredToken(tokenPath, token);
      return token;
    },
  });

  try {
    client = session.oauthClient(googleapis, credentials, receiver.redirectUri);
    const verifier = await client.generateCodeVerifierAsync();
    codeVerifier = verifier.codeVerifier;
    const url = client.generateAuthUrl({
      access_type: "offline",
      prompt: "consent",
      scope: [...GOOGLE_CALENDAR_SCOPES],
      state,
      ...(verifier.codeChallenge
        ? { code_challenge: verifier.codeChallenge, code_challenge_method: googleapis.Auth.CodeChallengeMethod.S256 }
        : {}),
    });
    log.info({ redirectUri: receiver.redirectUri }, "Google Calendar login: waiting for consent in the browser");
    options.onUrl?.(url);
    if (options.openBrowser) {
      try {
        await options.openBrowser(url);
      } catch (error) {
        log.warn({ err: error }, "Google Calendar login: could not open a browser; open the printed URL yourself");
      }
    }
  } catch (error) {
    await receiver.close();
    throw error;
  }

  const token = await receiver.result;
  const scopes = token.scope ? token.scope.split(/\s+/).filter(Boolean) : [...GOOGLE_CALENDAR_SCOPES];
  const missing = GOOGLE_CALENDAR_SCOPES.filter((scope) => !scopes.includes(scope));
  if (missing.length) {
    log.warn({ missing }, "Google Calendar login: not every permission was granted; some calls will be refused");
  }
  const refreshable = Boolean(token.refresh_token);
  if (!refreshable) {
    log.warn(
      "Google Calendar login: Google sent no refresh token, so access ends within the hour; remove Venom's access at " +
        "https://myaccount.google.com/permissions and run `venom calendar login` again",
    );
  }
  log.info({ tokenPath }, "Google Calendar login: token stored");
  return { token, result: { tokenPath, scopes, refreshable } };
}
