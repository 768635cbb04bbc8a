// One retry layer per hop (docs/GUARANTEES.md "Fault tolerance"): an S3 request is retried by
// the AWS SDK alone, S3_MAX_ATTEMPTS times, and the pipeline's store (functions/runtime.ts
// storeFromEnv) does not retry it again; what nothing below retries (a filesystem call, a
// fault injected beneath the store) is retried by the pipeline's store. Counted against a
// loopback S3 endpoint that fails on purpose.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { storeFromEnv } from "../../functions/runtime.js";
import { directoryUrl } from "../../shared/store/open.js";
import { StoreUnavailableError } from "../../shared/store/retry.js";
import { S3_MAX_ATTEMPTS } from "../../shared/store/s3.js";
import type { Store } from "../../shared/store/store.js";

const root = mkdtempSync(join(tmpdir(), "dropsweep-retry-"));
const saved = { ...process.env };
/** Requests the endpoint received, by path. */
const requests = new Map<string, number>();
let server: Server;
let endpoint: string;

const s3Error = (code: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code} on purpose</Message></Error>`;

beforeAll(async () => {
  // Every object under /bucket/down/ is in an outage (503, which the SDK retries); under
  // /bucket/denied/ the answer is 403 AccessDenied (an answer: retried by nobody).
  server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://x").pathname;
    requests.set(path, (requests.get(path) ?? 0) + 1);
    request.resume();
    request.on("end", () => {
      const denied = path.startsWith("/bucket/denied/");
      response.writeHead(denied ? 403 : 503, { "content-type": "application/xml" });
      response.end(request.method === "HEAD" ? undefined : s3Error(denied ? "AccessDenied" : "ServiceUnavailable"));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  process.env = { ...saved };
  requests.clear();
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

function pipelineStoreAt(url: string, s3Endpoint?: string, beneath?: (store: Store) => Store): Store {
  process.env.DROPSWEEP_STORE = url;
  if (s3Endpoint) {
    process.env.DROPSWEEP_S3_ENDPOINT = s3Endpoint;
    process.env.AWS_ACCESS_KEY_ID = "test";
    process.env.AWS_SECRET_ACCESS_KEY = "test";
  } else delete process.env.DROPSWEEP_S3_ENDPOINT;
  return storeFromEnv(beneath);
}

describe("the pipeline's store on S3", () => {
  it("an outage costs S3_MAX_ATTEMPTS requests per call (the SDK's retry), not a product of layers", async () => {
    const store = pipelineStoreAt("s3://bucket/down", endpoint);
    const put = await store.put("cells/a/result.json", "{}").catch((e: unknown) => e);
    expect(put).toBeInstanceOf(StoreUnavailableError);
    expect((put as Error).name).toBe("Dropsweep.StoreUnavailable");
    expect((put as Error).message).toMatch(new RegExp(`^store put cells/a/result.json failed ${S3_MAX_ATTEMPTS} times: `));
    expect(requests.get("/bucket/down/cells/a/result.json")).toBe(S3_MAX_ATTEMPTS);

    const got = await store.get("cells/b/result.json").catch((e: unknown) => e);
    expect(got).toBeInstanceOf(StoreUnavailableError);
    expect(requests.get("/bucket/down/cells/b/result.json")).toBe(S3_MAX_ATTEMPTS);
    expect(S3_MAX_ATTEMPTS).toBeGreaterThan(1);
  }, 30_000);

  it("an answer (403 AccessDenied) is not retried by anyone and keeps its name", async () => {
    const store = pipelineStoreAt("s3://bucket/denied", endpoint);
    const error = await store.put("cells/a/result.json", "{}").catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).name).toBe("AccessDenied");
    expect(requests.get("/bucket/denied/cells/a/result.json")).toBe(1);
  }, 30_000);
});

describe("the pipeline's store over what has no retry of its own", () => {
  /** `store` whose puts fail `failures` times first with `error()`, counting the calls. */
  const failing = (failures: number, error: () => Error) => {
    const counted = { calls: 0 };
    const wrap = (store: Store): Store =>
      Object.assign(Object.create(store) as Store, {
        put: async (key: string, body: string) => {
          counted.calls++;
          if (counted.calls <= failures) throw error();
          return store.put(key, body);
        },
      });
    return { counted, wrap };
  };

  it("retries a failing filesystem call (or an injected fault) beneath it", async () => {
    const { counted, wrap } = failing(2, () => Object.assign(new Error("no space left on device"), { code: "ENOSPC" }));
    const store = pipelineStoreAt(directoryUrl(join(root, "files")), undefined, wrap);
    await store.put("cells/a/result.json", "{}");
    expect(counted.calls).toBe(3);
    expect(new TextDecoder().decode(await store.get("cells/a/result.json"))).toBe("{}");
  });

  it("does not retry a failure the AWS SDK has retried already", async () => {
    const sdkGaveUp = () =>
      Object.assign(new Error("Service Unavailable"), { name: "ServiceUnavailable", $metadata: { attempts: S3_MAX_ATTEMPTS } });
    const { counted, wrap } = failing(100, sdkGaveUp);
    const store = pipelineStoreAt(directoryUrl(join(root, "sdk")), undefined, wrap);
    const error = await store.put("cells/a/result.json", "{}").catch((e: unknown) => e);
    expect(counted.calls).toBe(1);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(new RegExp(`failed ${S3_MAX_ATTEMPTS} times: Service Unavailable`));
  });
});
