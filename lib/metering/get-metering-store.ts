import "server-only";
import { getRpc } from "@/lib/db/get-rpc";
import { createMeteringStore, type MeteringStore } from "@/lib/db/metering-store";

let store: MeteringStore | undefined;

/** The metering store on the configured database adapter. */
export function getMeteringStore(): MeteringStore {
  store ??= createMeteringStore(getRpc());
  return store;
}
