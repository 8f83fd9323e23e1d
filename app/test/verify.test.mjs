// The page's hashing (src/verify.ts) against vectors written out by hand from
// programs/stk_treasury/PAYOUT_PLAN.md (prefix || little-endian fields), the same encoding
// stk_common::payout_plan pins: a byte off anywhere and the browser would reject every payout.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { build } from "esbuild";
import { Keypair, PublicKey } from "@solana/web3.js";
import { TOKEN_2022_PROGRAM_ID, getAssociatedTokenAddressSync } from "@solana/spl-token";

const out = join(new URL(".", import.meta.url).pathname, "..", "e2e", ".build", "verify.mjs");
await build({
  entryPoints: [new URL("../src/verify.ts", import.meta.url).pathname],
  bundle: true,
  format: "esm",
  platform: "node",
  outfile: out,
  external: ["@solana/web3.js"],
  logLevel: "error",
});
const v = await import(out);

const sha = (...parts) => createHash("sha256").update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest("hex");
function u(n, bytes) {
  const b = Buffer.alloc(bytes);
  let x = BigInt(n);
  for (let i = 0; i < bytes; i++) {
    b[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return b;
}

test("the leaf binds month, batch, position, token account and amount, little-endian", async () => {
  const account = new PublicKey(new Uint8Array(32).fill(5));
  const byHand = sha("stk:payout:leaf", u(202_701, 4), u(3, 2), u(7, 1), new Uint8Array(32).fill(5), u(42, 8));
  assert.equal(v.hex(await v.leafHash(202_701, 3, 7, account, 42n)), byHand);
  assert.notEqual(v.hex(await v.leafHash(202_701, 3, 7, account, 43n)), byHand);
  assert.notEqual(v.hex(await v.leafHash(202_701, 3, 6, account, 42n)), byHand);
});

test("inner nodes sort the pair and carry their own prefix; a proof climbs to the root", async () => {
  const a = new Uint8Array(32).fill(1);
  const b = new Uint8Array(32).fill(2);
  const node = sha("stk:payout:node", a, b);
  assert.equal(v.hex(await v.nodeHash(b, a)), node);
  assert.equal(v.hex(await v.nodeHash(a, b)), node);
  const c = new Uint8Array(32).fill(3);
  const root = await v.nodeHash(await v.nodeHash(a, b), c);
  assert.equal(v.hex(await v.rootFrom(a, [b, c])), v.hex(root));
  assert.notEqual(v.hex(await v.rootFrom(a, [c, b])), v.hex(root));
  assert.deepEqual(v.unhex(v.hex(c)), c);
});

test("the paid account is the wallet's associated Token-2022 account", () => {
  const wallet = Keypair.generate().publicKey;
  const mint = new PublicKey("BSqbSQn4hSNC7MdY6homgEZZ6J35kWzXExCtxDW1XM2t");
  // As @solana/spl-token derives it (what wallets show).
  const expected = getAssociatedTokenAddressSync(mint, wallet, false, TOKEN_2022_PROGRAM_ID);
  assert.ok(v.associatedTokenAccount(wallet, mint).equals(expected));
});
