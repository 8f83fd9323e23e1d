// The Wallet Standard test wallet of the end-to-end tests: registered in the page before the
// app loads (exactly as Phantom, Solflare or Backpack register), it signs with a test key that
// stays in Node — the page reaches it through a binding, as a real page reaches an extension.
import { createPrivateKey, sign as edSign } from "node:crypto";
import { Keypair, VersionedTransaction } from "@solana/web3.js";

export const WALLET_NAME = "STK Test Wallet";

/** Node's ed25519 private key from a Solana keypair's 32-byte seed (PKCS#8 DER). */
function nodeKey(keypair) {
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(keypair.secretKey.slice(0, 32))]);
  return createPrivateKey({ key: der, format: "der", type: "pkcs8" });
}

/**
 * Installs the wallet in every page of `context`, signing with `keypair`. `log` records every
 * request the page made (what was signed), for the test's assertions.
 */
export async function installTestWallet(context, keypair, chain, log = []) {
  const key = nodeKey(keypair);
  await context.exposeFunction("__stkTestWalletSign", async (kind, b64) => {
    const bytes = Buffer.from(b64, "base64");
    log.push({ kind, bytes });
    if (kind === "message") return edSign(null, bytes, key).toString("base64");
    if (kind === "transaction") {
      const tx = VersionedTransaction.deserialize(bytes);
      tx.sign([keypair]);
      return Buffer.from(tx.serialize()).toString("base64");
    }
    throw new Error(`unknown signing request ${kind}`);
  });
  await context.addInitScript(
    ({ name, address, publicKey, chain }) => {
      const b64e = (u8) => btoa(String.fromCharCode(...u8));
      const b64d = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
      const listeners = { change: new Set() };
      let connected = false;
      const account = Object.freeze({
        address,
        publicKey: Uint8Array.from(publicKey),
        chains: [chain],
        features: ["solana:signMessage", "solana:signTransaction"],
      });
      const icon =
        "data:image/svg+xml;base64," +
        btoa('<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" rx="6" fill="#3a5bd9"/><text x="16" y="22" font-size="16" text-anchor="middle" fill="#fff">T</text></svg>');
      const wallet = {
        version: "1.0.0",
        name,
        icon,
        chains: [chain],
        get accounts() {
          return connected ? [account] : [];
        },
        features: {
          "standard:connect": {
            version: "1.0.0",
            connect: async () => {
              connected = true;
              for (const l of listeners.change) l({ accounts: wallet.accounts });
              return { accounts: wallet.accounts };
            },
          },
          "standard:disconnect": {
            version: "1.0.0",
            disconnect: async () => {
              connected = false;
              for (const l of listeners.change) l({ accounts: [] });
            },
          },
          "standard:events": {
            version: "1.0.0",
            on: (event, listener) => {
              listeners[event]?.add(listener);
              return () => listeners[event]?.delete(listener);
            },
          },
          "solana:signMessage": {
            version: "1.0.0",
            signMessage: async (...inputs) =>
              Promise.all(
                inputs.map(async ({ message }) => ({
                  signedMessage: message,
                  signature: b64d(await window.__stkTestWalletSign("message", b64e(message))),
                })),
              ),
          },
          "solana:signTransaction": {
            version: "1.0.0",
            supportedTransactionVersions: ["legacy", 0],
            signTransaction: async (...inputs) =>
              Promise.all(
                inputs.map(async ({ transaction }) => ({
                  signedTransaction: b64d(await window.__stkTestWalletSign("transaction", b64e(transaction))),
                })),
              ),
          },
        },
      };
      const register = (api) => api.register(wallet);
      window.addEventListener("wallet-standard:app-ready", (event) => register(event.detail));
      window.dispatchEvent(new CustomEvent("wallet-standard:register-wallet", { detail: register }));
    },
    { name: WALLET_NAME, address: keypair.publicKey.toBase58(), publicKey: Array.from(keypair.publicKey.toBytes()), chain },
  );
  return log;
}

export function keypairFrom(json) {
  return Keypair.fromSecretKey(Uint8Array.from(JSON.parse(json)));
}
