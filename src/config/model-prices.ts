// VENOM_MODEL_PRICES: per-model token prices that override the built-in list, parsed at start-up.

export interface ModelPrice {
  /** USD per million prompt tokens. */
  input: number;
  /** USD per million completion tokens. */
  output: number;
}

export type ModelPrices = Record<string, ModelPrice>;

/** Parses VENOM_MODEL_PRICES; throws an Error whose message is one line naming the bad entry. */
export function parseModelPrices(text: string): ModelPrices {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('is not valid JSON; expected {"model": {"input": usdPer1M, "output": usdPer1M}}');
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error('must be a JSON object such as {"gpt-4o": {"input": 2.5, "output": 10}}');
  }
  const prices: ModelPrices = {};
  for (const [model, entry] of Object.entries(value)) {
    const input: unknown = (entry as { input?: unknown } | null)?.input;
    const output: unknown = (entry as { output?: unknown } | null)?.output;
    if (!model.trim() || !isPrice(input) || !isPrice(output)) {
      throw new Error(`entry "${model}" needs {"input": usdPer1M, "output": usdPer1M} with numbers of 0 or more`);
    }
    prices[model] = { input, output };
  }
  return prices;
}

function isPrice(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}
