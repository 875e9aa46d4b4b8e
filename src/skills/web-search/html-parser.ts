// node-html-parser, loaded on the first parse (an idle app never holds it in memory).
import { createRequire } from "node:module";

type NodeHtmlParser = typeof import("node-html-parser");
let module: NodeHtmlParser | undefined;

export function parseHtml(...args: Parameters<NodeHtmlParser["parse"]>): ReturnType<NodeHtmlParser["parse"]> {
  module ??= createRequire(import.meta.url)("node-html-parser") as NodeHtmlParser;
  return module.parse(...args);
}
