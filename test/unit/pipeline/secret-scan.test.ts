import { describe, expect, it } from "vitest";
import { scanDiffForSecrets } from "../../../src/pipeline/secret-scan.js";

const diff = (added: string) => `diff --git a/config.js b/config.js
--- a/config.js
+++ b/config.js
@@ -1,2 +1,3 @@
 const a = 1;
-const b = 2;
+${added}
 module.exports = { a };
`;

describe("scanDiffForSecrets", () => {
  it.each([
    ["const token = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';", "access token or webhook URL"],
    ["const key = 'AKIAABCDEFGHIJKLMNOP';", "AWS access key"],
    ["-----BEGIN RSA PRIVATE KEY-----", "private key"],
    ["const hook = 'https://hooks.slack.com/services/T0/B0/abc';", "access token or webhook URL"],
  ])("finds %s with file and line", (added, kind) => {
    expect(scanDiffForSecrets(diff(added))).toEqual([{ file: "config.js", line: 2, kind }]);
  });

  it("finds the app's own secret values and ignores removed lines", () => {
    expect(scanDiffForSecrets(diff("const s = 'my-own-webhook-secret';"), ["my-own-webhook-secret"])).toHaveLength(1);
    expect(scanDiffForSecrets(diff("const b = 3;").replace("-const b = 2;", "-ghp_abcdefghijklmnopqrstuvwxyz0123456789"))).toEqual([]);
  });

  it("passes ordinary code", () => {
    expect(scanDiffForSecrets(diff("const b = a + 1; // token bucket refill"))).toEqual([]);
  });
});
