// Inbound limits per path group, keyed by an authenticated identity or else the client address; one 429 shape everywhere.
import type { IncomingMessage, ServerResponse } from "node:http";
import { LRUCache } from "lru-cache";
import type { BucketLimit } from "../config/traffic-settings.js";
import { pathOf, send } from "../http/respond.js";
import { systemClock, type Clock } from "../shared/clock.js";
import { TokenBucket } from "./token-bucket.js";

export interface InboundGroup extends BucketLimit {
  name: string;
  /** Matches the path itself and everything below it (`/venom/api` matches `/venom/api/jobs`); `/` matches all. */
  prefix: string;
  /**
   * False: the middleware neither counts nor answers; the route calls `check()` itself and decides (the webhook
   * endpoint accepts signed deliveries over the limit, because GitHub does not redeliver, and refuses only bad ones).
   */
  enforce?: boolean;
}

export interface InboundLimiterOptions {
  /** Default: webhook (`/api/github/webhooks`, not enforced), dashboard API (`/venom/api`), other (`/`): 200 / 20 per s each. */
  groups?: InboundGroup[];
  /** Exact paths never limited nor counted. Default `/healthz`, `/metrics`. */
  unlimited?: string[];
  clock?: Clock;
  /** Keys remembered at most; the least recently seen one is forgotten first. Default 10,000. */
  maxKeys?: number;
  /** Use the first `X-Forwarded-For` address as the client IP (only behind a proxy you run). Default false. */
  trustProxy?: boolean;
  /**
   * Who the request proves to be (a valid dashboard bearer token or session), or undefined. Only a proven identity
   * picks its own bucket; headers a client may set freely (`X-Actor`, `X-Session-Id`) never do.
   */
  authenticate?: (request: IncomingMessage) => string | undefined;
}

export interface InboundDecision {
  allowed: boolean;
  /** Whole seconds, at least 1, when refused; 0 when allowed. */
  retryAfterSeconds: number;
  /** Group name, or `unlimited`. */
  group: string;
  /** `group:auth:<verified identity>` or `group:ip:<client address>`. */
  key: string;
}

export interface InboundSnapshot {
  keys: number;
  groups: Record<string, { allowed: number; limited: number; capacity: number; refillPerSecond: number; enforced: boolean }>;
}

/** A RouteHandler: answers 429 and returns true when over the limit, else returns false for the next route. */
export interface InboundLimiter {
  (request: IncomingMessage, response: ServerResponse): boolean;
  /**
   * Counts the request against its key and says whether it is within the limit; answers nothing. `authenticated`
   * is an identity the caller verified itself (a signed webhook's installation); without it the key is the address.
   */
  check(request: IncomingMessage, authenticated?: string): InboundDecision;
  /**
   * Whether the client address still has budget, without spending any: lets a route refuse a flood before it reads
   * a body. A refusal counts as limited (the caller answers 429); an address never seen is allowed.
   */
  peek(request: IncomingMessage): InboundDecision;
  /** Answers 429 for a refused decision. */
  reject(response: ServerResponse, decision: InboundDecision): void;
  snapshot(): InboundSnapshot;
}

export const DEFAULT_INBOUND_GROUPS: InboundGroup[] = [
  { name: "webhook", prefix: "/api/github/webhooks", capacity: 200, refillPerSecond: 20, enforce: false },
  { name: "dashboard", prefix: "/venom/api", capacity: 200, refillPerSecond: 20 },
  { name: "other", prefix: "/", capacity: 200, refillPerSecond: 20 },
];

const MAX_IDENTITY_LENGTH = 200;

interface GroupState {
  group: InboundGroup;
  enforced: boolean;
  allowed: number;
  limited: number;
}

export function createInboundLimiter(options: InboundLimiterOptions = {}): InboundLimiter {
  const clock = options.clock ?? systemClock;
  const maxKeys = options.maxKeys ?? 10_000;
  const unlimited = new Set(options.unlimited ?? ["/healthz", "/metrics"]);
  const trustProxy = options.trustProxy ?? false;
  const authenticate = options.authenticate;
  // Longest prefix first, so `/venom/api` wins over `/`.
  const groups: GroupState[] = [...(options.groups ?? DEFAULT_INBOUND_GROUPS)]
    .sort((a, b) => b.prefix.length - a.prefix.length)
    .map((group) => ({ group, enforced: group.enforce ?? true, allowed: 0, limited: 0 }));
  // The least recently seen identity is forgotten first.
  const buckets = new LRUCache<string, TokenBucket>({ max: maxKeys });

  function groupOf(path: string): GroupState | undefined {
    for (const state of groups) {
      const { prefix } = state.group;
      if (prefix === "/" || path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47)) return state;
    }
    return undefined;
  }

  function decide(state: GroupState, request: IncomingMessage, authenticated?: string): InboundDecision {
    const { group } = state;
    const key = `${group.name}:${identity(request, trustProxy, authenticated ?? authenticate?.(request))}`;
    const now = clock.now();
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(group.capacity, group.refillPerSecond, now);
      buckets.set(key, bucket);
    }
    const waitMs = bucket.take(now);
    if (waitMs === 0) {
      state.allowed += 1;
      return { allowed: true, retryAfterSeconds: 0, group: group.name, key };
    }
    state.limited += 1;
    const retryAfterSeconds = Number.isFinite(waitMs) ? Math.max(1, Math.ceil(waitMs / 1000)) : 3_600;
    return { allowed: false, retryAfterSeconds, group: group.name, key };
  }

  function stateOf(request: IncomingMessage): GroupState | undefined {
    const path = pathOf(request);
    return unlimited.has(path) ? undefined : groupOf(path);
  }

  function check(request: IncomingMessage, authenticated?: string): InboundDecision {
    const state = stateOf(request);
    if (!state) return { allowed: true, retryAfterSeconds: 0, group: "unlimited", key: "" };
    return decide(state, request, authenticated);
  }

  function peek(request: IncomingMessage): InboundDecision {
    const state = stateOf(request);
    if (!state) return { allowed: true, retryAfterSeconds: 0, group: "unlimited", key: "" };
    const { group } = state;
    const key = `${group.name}:${identity(request, trustProxy)}`;
    const tokens = buckets.peek(key)?.available(clock.now()) ?? group.capacity;
    if (tokens >= 1) return { allowed: true, retryAfterSeconds: 0, group: group.name, key };
    state.limited += 1;
    const retryAfterSeconds = group.refillPerSecond > 0 ? Math.max(1, Math.ceil((1 - tokens) / group.refillPerSecond)) : 3_600;
    return { allowed: false, retryAfterSeconds, group: group.name, key };
  }

  function reject(response: ServerResponse, decision: InboundDecision): void {
    sendRateLimited(response, decision.retryAfterSeconds, `Too many requests to ${decision.group}; retry in ${decision.retryAfterSeconds} s.`);
  }

  const middleware = (request: IncomingMessage, response: ServerResponse): boolean => {
    const path = pathOf(request);
    if (unlimited.has(path)) return false;
    const state = groupOf(path);
    if (!state || !state.enforced) return false;
    const decision = decide(state, request);
    if (decision.allowed) return false;
    reject(response, decision);
    return true;
  };

  return Object.assign(middleware, {
    check,
    peek,
    reject,
    snapshot(): InboundSnapshot {
      return {
        keys: buckets.size,
        groups: Object.fromEntries(
          groups.map(({ group, enforced, allowed, limited }) => [
            group.name,
            { allowed, limited, capacity: group.capacity, refillPerSecond: group.refillPerSecond, enforced },
          ]),
        ),
      };
    },
  });
}

/** The one 429: `Retry-After` in whole seconds (never 0) and `{error, message, retry_after_seconds}`. */
export function sendRateLimited(response: ServerResponse, retryAfterSeconds: number, message: string): void {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  send(response, 429, { error: "rate_limit_exceeded", message, retry_after_seconds: seconds }, { "retry-after": String(seconds) });
}

/** `auth:<identity>` for a verified identity, else `ip:<client address>`; nothing a client merely claims. */
export function identity(request: IncomingMessage, trustProxy = false, authenticated?: string): string {
  const verified = authenticated?.trim();
  if (verified && verified.length <= MAX_IDENTITY_LENGTH) return `auth:${verified}`;
  return `ip:${clientIp(request, trustProxy)}`;
}

function clientIp(request: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = usableHeader(request.headers["x-forwarded-for"]);
    const first = forwarded?.split(",", 1)[0]?.trim();
    if (first) return first;
  }
  return request.socket.remoteAddress ?? "unknown";
}

function usableHeader(value: string | string[] | undefined): string | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  return text && text.length <= MAX_IDENTITY_LENGTH ? text : undefined;
}
