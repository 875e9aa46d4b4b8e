// Time as a dependency, so queues, limiters and pollers are tested without waiting.
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
