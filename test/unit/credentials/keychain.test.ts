/**
 * The real keychain path: @napi-rs/keyring against a Secret Service (gnome-keyring started headless
 * by scripts/keyring-test-env.sh). Without a D-Bus session there is no Secret Service to test against,
 * so the suite is skipped with the reason printed; inside the wrapper any failure fails the test.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createKeychainStore } from "../../../src/credentials/create-keychain-store.js";

const hasSecretService = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS);
if (!hasSecretService) {
  console.warn(
    "keychain.test.ts skipped: no D-Bus session (DBUS_SESSION_BUS_ADDRESS unset), so no Secret Service; run it through scripts/keyring-test-env.sh",
  );
}

describe.skipIf(!hasSecretService)("keychain store (Secret Service via gnome-keyring)", () => {
  it("stores, reads, replaces and deletes a token", async () => {
    const store = createKeychainStore({ service: "llamagate-test", account: `acct-${randomBytes(4).toString("hex")}` });
    expect(await store.get()).toBeUndefined();
    await store.set("hf_KeychainToken0000000000000000001");
    expect(await store.get()).toBe("hf_KeychainToken0000000000000000001");
    await store.set("hf_KeychainToken0000000000000000002");
    // A second store object (as a new process would make) sees the same secret.
    const again = createKeychainStore({
      service: "llamagate-test",
      account: store.location.match(/account "([^"]+)"/)![1],
    });
    expect(await again.get()).toBe("hf_KeychainToken0000000000000000002");
    expect(await store.delete()).toBe(true);
    expect(await store.get()).toBeUndefined();
    expect(await store.delete()).toBe(false);
  });
});
