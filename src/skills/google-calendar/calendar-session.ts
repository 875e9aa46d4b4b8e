// The signed-in Calendar API client: googleapis loaded on first use, the stored token, each refreshed token persisted (0600).
import type { Auth, calendar_v3 } from "googleapis";
import type { Logger } from "pino";
import { VenomError, errorMessage } from "../../errors.js";
import { readClientCredentials, type ClientCredentials } from "./client-credentials.js";
import { DEFAULT_TIMEOUT_MS, type GoogleApisModule, type GoogleCalendarConfig } from "./google-calendar-config.js";
import { NOT_LOGGED_IN, isTokenFileExposed, mergeTokens, readStoredToken, restrictTokenFile, writeStoredToken, type StoredToken } from "./token-store.js";

export class CalendarSession {
  readonly #config: GoogleCalendarConfig;
  readonly #log: Logger;
  readonly #loadGoogleApis: () => Promise<GoogleApisModule>;
  #googleapis: Promise<GoogleApisModule> | undefined;
  #api: Promise<calendar_v3.Calendar> | undefined;
  /** The token as last stored: refreshes are layered over it so the refresh token is never lost. */
  #storedToken: StoredToken | undefined;
  /** Token writes run in order; calls wait for them so a call's refresh is on disk when it returns. */
  #tokenWrites: Promise<void> = Promise.resolve();

  constructor(config: GoogleCalendarConfig, loadGoogleApis: () => Promise<GoogleApisModule>) {
    this.#config = config;
    this.#log = config.log;
    this.#loadGoogleApis = loadGoogleApis;
  }

  /** Runs `work` with the signed-in client, and waits for any token it refreshed to be stored. */
  async run<T>(work: (api: calendar_v3.Calendar) => Promise<T>): Promise<T> {
    try {
      return await work(await this.#openApi());
    } finally {
      await this.#tokenWrites;
    }
  }

  /** After a new login (maybe another account): the next call starts from `token`. */
  restart(token: StoredToken): void {
    this.#api = undefined;
    this.#storedToken = token;
  }

  /** googleapis, imported once; a failed import is retried by the next call. */
  googleapis(): Promise<GoogleApisModule> {
    if (!this.#googleapis) {
      const loading = this.#loadGoogleApis().catch((error: unknown) => {
        this.#googleapis = undefined;
        throw new VenomError("permanent", `Google Calendar needs the googleapis package: ${errorMessage(error)}. Run \`npm install\`.`, {
          cause: error,
        });
      });
      this.#googleapis = loading;
    }
    return this.#googleapis;
  }

  /** An OAuth client for these credentials, going through the configured fetch and timeout. */
  oauthClient(googleapis: GoogleApisModule, credentials: ClientCredentials, redirectUri?: string): Auth.OAuth2Client {
    return new googleapis.google.auth.OAuth2({
      clientId: credentials.clientId,
      ...(credentials.clientSecret ? { clientSecret: credentials.clientSecret } : {}),
      ...(redirectUri ? { redirectUri } : {}),
      endpoints: {
        ...(credentials.authUri ? { oauth2AuthBaseUrl: credentials.authUri } : {}),
        ...(credentials.tokenUri ? { oauth2TokenUrl: credentials.tokenUri } : {}),
      },
      transporterOptions: {
        timeout: this.#config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        ...(this.#config.fetch ? { fetchImplementation: this.#config.fetch } : {}),
      },
    });
  }

  #openApi(): Promise<calendar_v3.Calendar> {
    if (!this.#api) {
      const api = this.#createApi();
      this.#api = api;
      // A failed start (not logged in yet, say) is not remembered: the next call tries again.
      api.catch(() => {
        if (this.#api === api) this.#api = undefined;
      });
    }
    return this.#api;
  }

  async #createApi(): Promise<calendar_v3.Calendar> {
    if (!this.#config.enabled) {
      throw new VenomError("user", "Google Calendar is not enabled: set ENABLE_GOOGLE_CALENDAR=true.");
    }
    const credentials = await readClientCredentials(this.#config.credentialsPath);
    const tokenPath = this.#config.tokenPath;
    const token = await readStoredToken(tokenPath);
    if (!token) throw new VenomError("user", NOT_LOGGED_IN);
    if (await isTokenFileExposed(tokenPath)) {
      await restrictTokenFile(tokenPath);
      this.#log.warn({ tokenPath }, "Google Calendar: the token file was readable by others; its mode is now 0600");
    }
    const googleapis = await this.googleapis();
    const auth = this.oauthClient(googleapis, credentials);
    auth.setCredentials(token);
    this.#storedToken = token;
    // Refreshes happen inside googleapis' requests; each new token is persisted (0600) as soon as it arrives.
    auth.on("tokens", (tokens) => this.#persistToken(tokens));
    return googleapis.google.calendar({
      version: "v3",
      auth,
      timeout: this.#config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(this.#config.rootUrl ? { rootUrl: this.#config.rootUrl } : {}),
      ...(this.#config.fetch ? { fetchImplementation: this.#config.fetch } : {}),
    });
  }

  #persistToken(update: Auth.Credentials): void {
    const token = mergeTokens(this.#storedToken, update);
    this.#storedToken = token;
    this.#tokenWrites = this.#tokenWrites
      .then(() => writeStoredToken(this.#config.tokenPath, token))
      .then(
        () => this.#log.debug("Google Calendar: refreshed token stored"),
        (error: unknown) => this.#log.error({ err: error }, "Google Calendar: could not store the refreshed token"),
      );
  }
}
