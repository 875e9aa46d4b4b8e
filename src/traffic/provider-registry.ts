// Providers and their `provider:method` scopes, made on first use with their bucket, breaker and counters.
import type { Logger } from "pino";
import type { BucketLimit, TrafficSettings } from "../config/traffic-settings.js";
import type { Clock } from "../shared/clock.js";
import { CircuitBreaker } from "./circuit-breaker.js";
import { emptyCounters, type ScopeCounters } from "./scope-counters.js";
import { TokenBucket } from "./token-bucket.js";

export interface Provider {
  name: string;
  exempt: boolean;
  limit: BucketLimit;
  breaker: CircuitBreaker;
  /** Epoch ms until which the provider asked us to hold off (429 + Retry-After). */
  pausedUntil: number;
  timeoutMs: number | undefined;
  /** By method as given and lower-cased, so the hot path skips `toLowerCase`. */
  scopes: Map<string, Scope>;
}

export interface Scope {
  /** `provider:method`, lower-case. */
  name: string;
  method: string;
  provider: Provider;
  bucket: TokenBucket;
  counters: ScopeCounters;
}

export class ProviderRegistry {
  readonly #settings: TrafficSettings;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #exempt: Set<string>;
  readonly #timeouts: Record<string, number>;
  /** By name as given and lower-cased, like the scopes. */
  readonly #providers = new Map<string, Provider>();

  constructor(settings: TrafficSettings, options: { clock: Clock; log: Logger; timeouts?: Record<string, number> }) {
    this.#settings = settings;
    this.#clock = options.clock;
    this.#log = options.log;
    this.#exempt = new Set(settings.exempt);
    this.#timeouts = Object.fromEntries(Object.entries(options.timeouts ?? {}).map(([name, ms]) => [name.toLowerCase(), ms]));
  }

  get exemptNames(): string[] {
    return [...this.#exempt];
  }

  provider(name: string): Provider {
    let found = this.#providers.get(name);
    if (found) return found;
    const key = name.toLowerCase();
    found = this.#providers.get(key) ?? this.#create(key);
    this.#providers.set(name, found);
    return found;
  }

  scope(providerName: string, method: string): Scope {
    const owner = this.provider(providerName);
    let found = owner.scopes.get(method);
    if (found) return found;
    const key = method.toLowerCase();
    found = owner.scopes.get(key);
    if (!found) {
      found = {
        name: `${owner.name}:${key}`,
        method: key,
        provider: owner,
        bucket: new TokenBucket(owner.limit.capacity, owner.limit.refillPerSecond, this.#clock.now()),
        counters: emptyCounters(),
      };
      owner.scopes.set(key, found);
    }
    owner.scopes.set(method, found);
    return found;
  }

  /** Each provider once, whatever spellings it was asked for by. */
  *providers(): Iterable<Provider> {
    for (const [key, owner] of this.#providers) if (key === owner.name) yield owner;
  }

  #create(key: string): Provider {
    const settings = this.#settings;
    const threshold = settings.breakerThresholds[key] ?? settings.breaker.failureThreshold;
    const created: Provider = {
      name: key,
      exempt: this.#exempt.has(key),
      limit: settings.providers[key] ?? settings.defaultLimit,
      breaker: new CircuitBreaker({ ...settings.breaker, failureThreshold: threshold }, (state, previous) => {
        const level = state === "open" ? "warn" : "info";
        this.#log[level]({ provider: key, state, previous }, `Circuit for ${key} is ${state}`);
      }),
      pausedUntil: 0,
      timeoutMs: this.#timeouts[key],
      scopes: new Map(),
    };
    this.#providers.set(key, created);
    return created;
  }
}

/** Each scope of a provider once, whatever spellings it was asked for by. */
export function* scopesOf(owner: Provider): Iterable<Scope> {
  for (const [method, target] of owner.scopes) if (method === target.method) yield target;
}
