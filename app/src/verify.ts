// Checking a payout line in the browser, exactly as programs/stk_treasury/PAYOUT_PLAN.md
// defines it (integers little-endian):
//   leaf = sha256("stk:payout:leaf" || month u32 || batch u16 || position u8 || token_account || amount u64)
//   node = sha256("stk:payout:node" || min(a, b) || max(a, b))
// and the batch root the treasury holds on-chain in its PlanPage account
// (8-byte discriminator, month u32, page u16, bump u8, reserved u8, roots[250][32], masks[250] u64).
import { Connection, PublicKey } from "@solana/web3.js";
import type { Proof } from "./api";
import { decodeAccount, IDLS } from "./idl";

interface Epoch {
  month: number;
  status: { variant: string };
  plan_hash: Uint8Array;
  approved_by: PublicKey;
  approved_at: bigint;
  paid_batches: Uint8Array;
}

const enc = new TextEncoder();
export const LEAF_PREFIX = enc.encode("stk:payout:leaf");
export const NODE_PREFIX = enc.encode("stk:payout:node");
export const PLAN_PAGE_HEADER = 8 + 4 + 2 + 1 + 1;
export const PLAN_PAGE_ENTRIES = 250;
export const TOKEN_2022 = new PublicKey("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
export const ATA_PROGRAM = new PublicKey("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function unhex(text: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/i.test(text)) throw new Error(`not hex: ${text}`);
  return Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", concat(parts)));
}

function le(value: bigint, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let v = value;
  for (let i = 0; i < bytes; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

export async function leafHash(
  month: number,
  batch: number,
  position: number,
  tokenAccount: PublicKey,
  amount: bigint,
): Promise<Uint8Array> {
  return sha256(
    LEAF_PREFIX,
    le(BigInt(month), 4),
    le(BigInt(batch), 2),
    le(BigInt(position), 1),
    tokenAccount.toBytes(),
    le(amount, 8),
  );
}

export async function nodeHash(a: Uint8Array, b: Uint8Array): Promise<Uint8Array> {
  const [lo, hi] = compare(a, b) <= 0 ? [a, b] : [b, a];
  return sha256(NODE_PREFIX, lo, hi);
}

/** The root reached from `leaf` through `siblings`. */
export async function rootFrom(leaf: Uint8Array, siblings: Uint8Array[]): Promise<Uint8Array> {
  let acc = leaf;
  for (const s of siblings) acc = await nodeHash(acc, s);
  return acc;
}

/** The wallet's associated Token-2022 account for the STK mint (what the plan pays). */
export function associatedTokenAccount(wallet: PublicKey, mint: PublicKey): PublicKey {
  return PublicKey.findProgramAddressSync([wallet.toBytes(), TOKEN_2022.toBytes(), mint.toBytes()], ATA_PROGRAM)[0];
}

export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

export interface Verification {
  ok: boolean;
  checks: Check[];
  skipped: boolean;
  /** The treasury marked the batch paid. */
  paid: boolean;
  onChainRoot: string | null;
}

/**
 * Recomputes the member's leaf and the batch root from the proof, reads the root the treasury
 * holds in its PlanPage account, and compares. Every step is listed, passed or not.
 */
export async function verifyLine(
  connection: Connection,
  treasuryProgram: PublicKey,
  mint: PublicKey,
  wallet: string,
  proof: Proof,
): Promise<Verification> {
  const checks: Check[] = [];
  const account = new PublicKey(proof.leaf.token_account);
  const ata = associatedTokenAccount(new PublicKey(wallet), mint);
  checks.push({
    what: "the paid account is your wallet's STK account",
    ok: ata.equals(account),
    detail: `associated Token-2022 account of ${wallet} for the STK mint: ${ata.toBase58()}`,
  });
  const leaf = await leafHash(proof.leaf.month_id, proof.leaf.batch, proof.leaf.position, account, BigInt(proof.leaf.amount));
  checks.push({
    what: "your line's leaf, recomputed here",
    ok: hex(leaf) === proof.leaf.hash,
    detail: `month ${proof.leaf.month_id}, batch ${proof.leaf.batch}, position ${proof.leaf.position}, amount ${proof.leaf.amount}: ${hex(leaf)}`,
  });
  const root = await rootFrom(leaf, proof.siblings.map(unhex));
  checks.push({
    what: "the batch root, from your leaf and the siblings",
    ok: hex(root) === proof.batch_root,
    detail: `${proof.siblings.length} sibling hashes → ${hex(root)}`,
  });
  const page = new PublicKey(proof.plan_page);
  const info = await connection.getAccountInfo(page, "confirmed");
  let onChainRoot: string | null = null;
  let skipped = false;
  if (!info) {
    checks.push({ what: "the treasury's plan page on-chain", ok: false, detail: `no account at ${page.toBase58()}` });
  } else {
    const owned = info.owner.equals(treasuryProgram);
    checks.push({
      what: "the plan page belongs to the treasury program",
      ok: owned,
      detail: `${page.toBase58()} owned by ${info.owner.toBase58()}`,
    });
    const data = info.data;
    const at = PLAN_PAGE_HEADER + 32 * proof.entry;
    const onChain = Uint8Array.from(data.subarray(at, at + 32));
    onChainRoot = hex(onChain);
    checks.push({
      what: "the root the treasury holds for your batch equals the one your line proves",
      ok: owned && compare(onChain, root) === 0,
      detail: `page ${proof.page}, entry ${proof.entry}: ${onChainRoot}`,
    });
    const maskAt = PLAN_PAGE_HEADER + 32 * PLAN_PAGE_ENTRIES + 8 * proof.entry;
    const mask = new DataView(data.buffer, data.byteOffset + maskAt, 8).getBigUint64(0, true);
    skipped = ((mask >> BigInt(proof.leaf.position)) & 1n) === 1n;
  }
  // The plan those roots belong to was approved by the admin (not merely proposed).
  const epochAddress = PublicKey.findProgramAddressSync(
    [new TextEncoder().encode("epoch"), le(BigInt(proof.leaf.month_id), 4)],
    treasuryProgram,
  )[0];
  const epochInfo = await connection.getAccountInfo(epochAddress, "confirmed");
  let paid = false;
  if (!epochInfo || !epochInfo.owner.equals(treasuryProgram)) {
    checks.push({ what: "the month's epoch on-chain", ok: false, detail: `no treasury epoch at ${epochAddress.toBase58()}` });
  } else {
    const epoch = decodeAccount<Epoch>(IDLS.stk_treasury, "Epoch", epochInfo.data);
    const approved = epoch.status.variant !== "Proposed" && !epoch.approved_by.equals(PublicKey.default);
    checks.push({
      what: "the admin approved this plan on-chain",
      ok: approved,
      detail: approved
        ? `epoch ${epoch.status.variant.toLowerCase()}, plan ${hex(epoch.plan_hash).slice(0, 16)}… approved by ${epoch.approved_by.toBase58()} at ${new Date(Number(epoch.approved_at) * 1000).toISOString()}`
        : `epoch ${epoch.status.variant.toLowerCase()}: not approved yet`,
    });
    paid = ((epoch.paid_batches[proof.leaf.batch >> 3] >> (proof.leaf.batch & 7)) & 1) === 1;
  }
  return { ok: checks.every((c) => c.ok), checks, skipped, paid, onChainRoot };
}
