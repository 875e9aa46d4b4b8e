// The one shape of a tool the model may call, and the one helper that defines it from a zod schema.
import { z } from "zod";
import { errorMessage } from "../errors.js";

/**
 * A tool the model may call. Its answer is text; a refused or failed call's answer starts with `Error:`
 * and says what to fix. `Context` is what the tool runs against (the pipeline's workspace); skills need none.
 */
export interface Tool<Context = void> {
  name: string;
  description: string;
  /** JSON Schema of the arguments object, as the model sees it. */
  parameters: Record<string, unknown>;
  /** True when the tool never changes anything (the Architect gets only these). */
  readOnly: boolean;
  /** Parses the model's JSON arguments, validates them, runs; never throws. */
  run(rawArguments: string, context: Context): Promise<string>;
}

export interface ToolDefinition<Schema extends z.ZodObject, Context> {
  name: string;
  description: string;
  /** The arguments: what the model sees is derived from it (field descriptions with `.describe()`). */
  schema: Schema;
  readOnly: boolean;
  /**
   * How a refused call is answered. Without it: `<name> needs {<signature>}; <field>: <problem>`, in zod's words.
   * With it: the schema's first message as written (write them as sentences with an example), and this example
   * call when the arguments are not JSON.
   */
  example?: string;
  run(input: z.output<Schema>, context: Context): Promise<string>;
}

/** The JSON Schema keywords sent to the model: types, descriptions and choices, not zod's bounds and defaults. */
const MODEL_KEYWORDS = ["type", "enum", "items", "description", "properties", "required", "additionalProperties"] as const;

export function defineTool<Schema extends z.ZodObject, Context = void>(definition: ToolDefinition<Schema, Context>): Tool<Context> {
  const { name, description, schema, readOnly, example } = definition;
  const parameters = modelSchema(z.toJSONSchema(schema) as JsonSchema);
  const call = signature(parameters);
  const refuse = (issues: z.core.$ZodIssue[], value: unknown): string => {
    if (example !== undefined) return `Error: ${issues[0]?.message ?? `call ${name} with ${example}`}`;
    if (!isObject(value)) return `Error: arguments must be a JSON object, not ${JSON.stringify(value)}; ${name} needs ${call}.`;
    const problems = issues.map((issue) => {
      const field = issue.path.join(".");
      return field ? `${field}: ${issue.message}` : issue.message;
    });
    return `Error: ${name} needs ${call}; ${problems.join("; ")}`;
  };
  return {
    name,
    description,
    parameters,
    readOnly,
    async run(rawArguments, context) {
      let value: unknown;
      try {
        // Some servers send "" for a call without arguments.
        value = rawArguments.trim() === "" ? {} : JSON.parse(rawArguments);
      } catch (error) {
        return example !== undefined
          ? `Error: arguments are not JSON; call ${name} with ${example}`
          : `Error: arguments are not valid JSON: ${errorMessage(error)}. Send one JSON object: ${name} needs ${call}.`;
      }
      const parsed = schema.safeParse(value);
      if (!parsed.success) return refuse(parsed.error.issues, value);
      try {
        return await definition.run(parsed.data, context);
      } catch (error) {
        return `Error: ${name} failed: ${errorMessage(error)}`;
      }
    },
  };
}

/** The tools with their context given, as the tool loop calls them. */
export function withContext<Context>(tools: readonly Tool<Context>[], context: Context): Tool[] {
  return tools.map((tool) => ({ ...tool, run: (rawArguments: string) => tool.run(rawArguments, context) }));
}

/** The `tools` array of an OpenAI chat completion request. */
export function functionDefinitions<Context>(tools: readonly Tool<Context>[]): Array<{
  type: "function";
  function: { name: string; description: string; parameters: Record<string, unknown> };
}> {
  return tools.map((tool) => ({
    type: "function",
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
}

interface JsonSchema {
  type?: string;
  description?: string;
  enum?: unknown[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: unknown;
  [keyword: string]: unknown;
}

/** Keeps the keywords the model needs, in one order; an object always says which fields are required. */
function modelSchema(schema: JsonSchema): JsonSchema {
  const kept: Record<string, unknown> = {};
  for (const keyword of MODEL_KEYWORDS) {
    const value = keyword === "required" && schema.properties ? (schema.required ?? []) : schema[keyword];
    if (value === undefined) continue;
    if (keyword === "items") kept.items = modelSchema(value as JsonSchema);
    else if (keyword === "properties") kept.properties = mapValues(value as Record<string, JsonSchema>, modelSchema);
    else kept[keyword] = value;
  }
  return kept as JsonSchema;
}

function mapValues<Value, Result>(record: Record<string, Value>, map: (value: Value) => Result): Record<string, Result> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}

/** `{path: string, start_line?: integer}`: the call's shape, as refusals show it. */
function signature(parameters: JsonSchema): string {
  const required = parameters.required ?? [];
  const fields = Object.entries(parameters.properties ?? {}).map(([field, property]) => {
    const optional = required.includes(field) ? "" : "?";
    return `${field}${optional}: ${typeName(property)}`;
  });
  return `{${fields.join(", ")}}`;
}

function typeName(property: JsonSchema): string {
  if (property.type === "array") return `${property.items ? typeName(property.items) : "unknown"}[]`;
  return property.type ?? "unknown";
}

function isObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
