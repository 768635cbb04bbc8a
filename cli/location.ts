// Where something in a store is, as a person would open it: a path for a directory store, a
// URL otherwise (the store itself for the empty key).
import { join } from "node:path";
import { FileStore } from "../shared/store/fs.js";
import type { Store } from "../shared/store/store.js";

export function displayLocation(store: Store, key: string): string {
  if (store instanceof FileStore) return key ? join(store.root, ...key.split("/")) : store.root;
  return key ? `${store.url.replace(/\/$/, "")}/${key}` : store.url;
}
