// openStore's refusals are usage errors (exit 2), never a TypeError from node's URL parsing.
import { describe, expect, it } from "vitest";
import { UsageError } from "../../shared/errors.js";
import { openStore } from "../../shared/store/open.js";

describe("openStore with malformed file URLs", () => {
  for (const url of ["file://relative/dir", "file://host.example/abs", "file:///a%2Fb", "file:relative"])
    it(url, () => {
      let error: unknown;
      try {
        openStore(url);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(`store ${url}: expected a file:///absolute/dir URL, an s3://bucket/prefix URL or a directory`);
    });
  it("file://localhost/abs is a directory store at /abs", () => {
    expect(openStore("file://localhost/tmp/dropsweep-open-test").url).toBe("file:///tmp/dropsweep-open-test");
  });
});
