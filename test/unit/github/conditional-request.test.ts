// EtagCache.getPages: every page of a list, each with its own If-None-Match; Link rel="next" followed.
import { describe, expect, it } from "vitest";
import { EtagCache, nextPageUrl, type GitHubRequest } from "../../../src/github/conditional-request.js";

interface Page {
  items: number[];
  etag: string;
  link?: string;
}

/** A GitHub stand-in: `pages[n]` answers page n+1 (by `page` parameter or a Link URL), 304 when the ETag matches. */
function server(pages: () => Page[], options: { linkOn304?: boolean } = {}): GitHubRequest & { sent: string[] } {
  const request = Object.assign(
    async (route: string, parameters: Record<string, unknown> = {}) => {
      const fromUrl = /[?&]page=(\d+)/.exec(route)?.[1];
      const number = Number(fromUrl ?? parameters.page ?? 1);
      const page = pages()[number - 1] ?? { items: [], etag: "empty" };
      const headers = (parameters.headers ?? {}) as Record<string, string>;
      const linkHeaders: Record<string, string> = page.link ? { link: page.link } : {};
      if (headers["if-none-match"] === page.etag) {
        request.sent.push(`${number}:304`);
        throw Object.assign(new Error("Not Modified"), { status: 304, response: { headers: options.linkOn304 === false ? {} : linkHeaders } });
      }
      request.sent.push(`${number}:200`);
      return { status: 200, data: page.items, headers: { etag: page.etag, ...linkHeaders } };
    },
    { sent: [] as string[] },
  );
  return request;
}

const full = (start: number) => Array.from({ length: 2 }, (_, index) => start + index);
const next = (page: number) => `<https://api.github.com/repositories/1/issues?per_page=2&page=${page}>; rel="next", <https://api.github.com/x?page=9>; rel="last"`;

describe("EtagCache.getPages", () => {
  it("follows rel=next to the end, then answers an unchanged list with 304s only", async () => {
    const pages: Page[] = [
      { items: full(1), etag: "a", link: next(2) },
      { items: full(3), etag: "b", link: next(3) },
      { items: [5], etag: "c", link: '<https://api.github.com/x?page=1>; rel="first"' },
    ];
    const request = server(() => pages);
    const cache = new EtagCache();
    const first = await cache.getPages(request, "GET /repos/{owner}/{repo}/issues", { per_page: 2 }, "1", (data) => data as number[]);
    expect(first).toEqual({ items: [1, 2, 3, 4, 5], requests: 3, notModified: 0 });
    const idle = await cache.getPages(request, "GET /repos/{owner}/{repo}/issues", { per_page: 2 }, "1", (data) => data as number[]);
    expect(idle).toEqual({ items: [1, 2, 3, 4, 5], requests: 3, notModified: 3 });
    expect(request.sent).toEqual(["1:200", "2:200", "3:200", "1:304", "2:304", "3:304"]);
  });

  it("a 304 without a Link header on a full last page asks for the page after it: the list may have grown", async () => {
    let pages: Page[] = [{ items: full(1), etag: "a" }];
    const request = server(() => pages, { linkOn304: false });
    const cache = new EtagCache();
    await cache.getPages(request, "GET /items", { per_page: 2 }, "", (data) => data as number[]);
    pages = [{ items: full(1), etag: "a" }, { items: [3], etag: "b" }];
    const grown = await cache.getPages(request, "GET /items", { per_page: 2 }, "", (data) => data as number[]);
    expect(grown.items).toEqual([1, 2, 3]);
    expect(request.sent).toEqual(["1:200", "1:304", "2:200"]);
  });

  it("reads the next URL from a Link header without backtracking on hostile input", () => {
    expect(nextPageUrl('<https://h/x?labels=a,b&page=2>; rel="next", <https://h/x?page=5>; rel="last"')).toBe("https://h/x?labels=a,b&page=2");
    expect(nextPageUrl('<https://h/x?page=1>; rel="prev"')).toBeUndefined();
    expect(nextPageUrl(undefined)).toBeUndefined();
    expect(nextPageUrl("<".repeat(50_000) + ";".repeat(50_000))).toBeUndefined();
  });
});
