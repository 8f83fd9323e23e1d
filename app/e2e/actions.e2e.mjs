// The members' actions end to end in headless Chromium: stake with a lock (weight on-chain),
// a refused unstake (the program's error in words, nothing changed), claim a vested grant, buy
// in the initial sale with an allowlist proof, cancel a dormancy notice. The fixtures the
// community's operators would create (a grant, a sale, a notice) are sent from Node with the
// page's own IDL codec (src/idl.ts, bundled by esbuild) and the localnet's keys. Every step
// asserts the accounts on-chain.
//
//   STK_MEMBER_LINK, STK_RPC_URL, STK_LINK_WALLET (the member's wallet B), STK_ARTIFACTS as in
//   app.e2e.mjs; STK_ADMIN (the deploy key = admin), STK_WALLET_A (a wallet holding STK).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { Connection, Keypair, PublicKey, Transaction, sendAndConfirmTransaction } from "@solana/web3.js";
import {
  TOKEN_PROGRAM_ID,
  createMint,
  getOrCreateAssociatedTokenAccount,
  mintTo,
  getAccount,
} from "@solana/spl-token";
import { installTestWallet, keypairFrom, WALLET_NAME } from "./wallet.mjs";

function required(name) {
  const value = process.env[name];
  assert.ok(value, `${name} must be set (scripts/test.sh sets it)`);
  return value;
}

const connection = new Connection(required("STK_RPC_URL"), "confirmed");
const member = keypairFrom(readFileSync(required("STK_LINK_WALLET"), "utf8"));
const admin = keypairFrom(readFileSync(required("STK_ADMIN"), "utf8"));
const walletA = keypairFrom(readFileSync(required("STK_WALLET_A"), "utf8"));
const artifacts = required("STK_ARTIFACTS");
mkdirSync(artifacts, { recursive: true });
const enc = new TextEncoder();

let idl; // the page's IDL codec
let config; // /api/config
let browser;
let page;

const pda = (program, ...seeds) => PublicKey.findProgramAddressSync(seeds, new PublicKey(program))[0];
const T22 = new PublicKey("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
const ATA = new PublicKey("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");
const ata = (owner, mint, program = T22) =>
  PublicKey.findProgramAddressSync([owner.toBytes(), program.toBytes(), mint.toBytes()], ATA)[0];

async function stkBalance(owner) {
  const info = await connection.getAccountInfo(ata(owner, new PublicKey(config.mint)));
  return info ? info.data.readBigUInt64LE(64) : 0n;
}

async function account(program, name, address) {
  const info = await connection.getAccountInfo(address, "confirmed");
  assert.ok(info, `${name} ${address.toBase58()} exists`);
  return idl.decodeAccount(idl.IDLS[program], name, info.data);
}

async function sendFixture(signers, ...instructions) {
  return sendAndConfirmTransaction(connection, new Transaction().add(...instructions), signers, { commitment: "confirmed" });
}

async function chainNow() {
  return BigInt(await connection.getBlockTime(await connection.getSlot()));
}

/** Clicks `selector` and waits for the page's report of a transaction newer than the last. */
async function act(selector) {
  const before = await page.getAttribute("#action-result", "data-signature").catch(() => null);
  const beforeText = await page.textContent("#action-result").catch(() => null);
  await page.click(selector);
  await page.waitForFunction(
    ([sig, text]) => {
      const el = document.querySelector("#action-result");
      return el && (el.dataset.signature !== (sig ?? undefined) || el.textContent !== text) && el.dataset.outcome;
    },
    [before, beforeText],
    { timeout: 60_000 },
  );
  return {
    outcome: await page.getAttribute("#action-result", "data-outcome"),
    signature: await page.getAttribute("#action-result", "data-signature"),
    text: await page.textContent("#action-result"),
  };
}

async function openActions() {
  await page.click('#tabs a[data-view="actions"]');
  await page.waitForSelector("#dormancy-card", { timeout: 30_000 });
}

before(async () => {
  const out = join(new URL(".", import.meta.url).pathname, ".build", "idl.mjs");
  await build({
    entryPoints: [new URL("../src/idl.ts", import.meta.url).pathname],
    bundle: true,
    format: "esm",
    platform: "node",
    outfile: out,
    external: ["@solana/web3.js", "buffer"],
    logLevel: "error",
  });
  idl = await import(out);
  config = await (await fetch(`${new URL(required("STK_MEMBER_LINK")).origin}/api/config`)).json();
  browser = await chromium.launch({
    executablePath: process.env.STK_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  const context = await browser.newContext({ viewport: { width: 1100, height: 1400 } });
  await installTestWallet(context, member, "solana:localnet");
  page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e));
  await page.goto(required("STK_MEMBER_LINK"));
  await page.waitForSelector("body[data-ready=true]");
  await page.click(`button.wallet[data-wallet="${WALLET_NAME}"]`);
  await page.waitForSelector("#connected-address");
});

after(async () => {
  await browser?.close();
});

test("stake with a 3-month lock: the position's amount and ×1.25 weight on-chain; unstake refused while locked", async () => {
  const mint = new PublicKey(config.mint);
  const pool = pda(config.programs.stk_staking, enc.encode("staking_pool"), mint.toBytes());
  const position = pda(config.programs.stk_staking, enc.encode("stake_position"), pool.toBytes(), member.publicKey.toBytes());
  const poolState = await account("stk_staking", "StakingPool", pool);
  const vaultBefore = (await getAccount(connection, poolState.stake_vault, "confirmed", T22)).amount;
  const walletBefore = await stkBalance(member.publicKey);
  assert.ok(walletBefore >= 1_000_000n, `wallet B holds STK (${walletBefore})`);

  await openActions();
  await page.fill("#stake-amount", "1");
  await page.selectOption("#stake-lock", "1");
  assert.match(await page.textContent("#stake-explain"), /Moves 1\.000000 STK .* locked until .* ×1\.25/);
  const staked = await act("#stake-button");
  assert.equal(staked.outcome, "ok", staked.text);

  const p = await account("stk_staking", "StakePosition", position);
  const arrived = (await getAccount(connection, poolState.stake_vault, "confirmed", T22)).amount - vaultBefore;
  assert.equal(p.amount, arrived, "the position holds what arrived in the vault");
  assert.equal(walletBefore - (await stkBalance(member.publicKey)), 1_000_000n, "1 STK left the wallet");
  assert.equal(p.multiplier_bps, 12_500);
  assert.equal(p.weight, (p.amount * 12_500n) / 10_000n);
  assert.ok(p.lock_end_ts > (await chainNow()) + 89n * 86_400n, "locked for 90 days");
  assert.equal(p.owner.toBase58(), member.publicKey.toBase58());
  await page.waitForSelector("#stake-weight");
  assert.ok((await page.textContent("#stake-weight")).includes("×1.25"));
  await page.screenshot({ path: join(artifacts, "5-stake.png"), fullPage: true });

  // Unstaking now is refused by the program, reported by name, and changes nothing.
  await page.fill("#unstake-amount", "0.5");
  const refused = await act("#unstake-button");
  assert.equal(refused.outcome, "error");
  assert.match(refused.text, /LockNotEnded/);
  assert.equal((await account("stk_staking", "StakePosition", position)).amount, p.amount);
});

test("claim a vested grant: the grant's claimed total and the wallet's balance on-chain", async () => {
  const mint = new PublicKey(config.mint);
  const vesting = config.programs.stk_vesting;
  const grantId = Keypair.generate().publicKey;
  const grant = pda(vesting, enc.encode("grant"), grantId.toBytes());
  const now = await chainNow();
  // A creator (wallet A) grants wallet B 2 STK, fully vested already.
  await sendFixture(
    [walletA],
    idl.instruction(
      idl.IDLS.stk_vesting,
      "create_grant",
      {
        payer: walletA.publicKey,
        creator: walletA.publicKey,
        config: pda(vesting, enc.encode("vesting_config")),
        mint,
        source: ata(walletA.publicKey, mint),
        grant,
        vault: pda(vesting, enc.encode("grant_vault"), grant.toBytes()),
        vesting_authority: pda(vesting, enc.encode("vesting_authority")),
      },
      {
        args: {
          grant_id: grantId,
          beneficiary: member.publicKey,
          amount: 2_000_000n,
          schedule: { start: now - 1_000n, cliff: now - 1_000n, end: now - 100n, period: 100n },
          revocable: false,
        },
      },
    ),
  );
  const g = await account("stk_vesting", "Grant", grant);
  const before = await stkBalance(member.publicKey);
  await page.click('#tabs a[data-view="link"]');
  await openActions();
  await page.waitForSelector(`tr.grant[data-grant="${grant.toBase58()}"]`);
  const claimed = await act(`tr.grant[data-grant="${grant.toBase58()}"] button.claim-grant`);
  assert.equal(claimed.outcome, "ok", claimed.text);
  const after = await account("stk_vesting", "Grant", grant);
  assert.equal(after.claimed, g.total, "everything vested is claimed");
  const received = (await stkBalance(member.publicKey)) - before;
  assert.ok(received > 0n && received <= g.total, `received ${received} of ${g.total} (the transfer fee is withheld)`);
});

test("buy in the initial sale with an allowlist proof: a vesting grant for the buyer, the payment taken", async () => {
  const mint = new PublicKey(config.mint);
  const vesting = config.programs.stk_vesting;
  // The operators' side: a payment mint, the buyer's payment tokens, the sale with an allowlist.
  const paymentMint = await createMint(connection, admin, admin.publicKey, null, 6, undefined, { commitment: "confirmed" }, TOKEN_PROGRAM_ID);
  const source = await getOrCreateAssociatedTokenAccount(connection, admin, paymentMint, member.publicKey, false, "confirmed");
  const destination = await getOrCreateAssociatedTokenAccount(connection, admin, paymentMint, admin.publicKey, false, "confirmed");
  await mintTo(connection, admin, paymentMint, source.address, admin, 50_000_000n, [], { commitment: "confirmed" });
  const cap = 5_000_000n;
  const leaf = (wallet, c) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(c);
    return createHash("sha256").update("stk:allowlist:leaf").update(wallet.toBytes()).update(b).digest();
  };
  const mine = leaf(member.publicKey, cap);
  const other = leaf(Keypair.generate().publicKey, 1_000_000n);
  const [lo, hi] = Buffer.compare(mine, other) <= 0 ? [mine, other] : [other, mine];
  const root = createHash("sha256").update("stk:allowlist:node").update(lo).update(hi).digest();
  const now = await chainNow();
  const sale = pda(vesting, enc.encode("sale"));
  await sendFixture(
    [admin],
    idl.instruction(
      idl.IDLS.stk_vesting,
      "open_sale",
      {
        admin: admin.publicKey,
        config: pda(vesting, enc.encode("vesting_config")),
        sale,
        sale_vault: pda(vesting, enc.encode("sale_vault")),
        payment_mint: paymentMint,
        payment_destination: destination.address,
        unsold_destination: pda(config.programs.stk_treasury, enc.encode("distribution_vault")),
        system_program: new PublicKey("11111111111111111111111111111111"),
      },
      {
        args: {
          price: { num: 2n, den: 1n },
          start: now - 60n,
          end: now + 3_600n,
          allowlist_root: Uint8Array.from(root),
          total: 100_000_000n,
          vesting: { cliff_seconds: 0n, duration_seconds: 86_400n, period_seconds: 3_600n },
        },
      },
    ),
  );

  await page.click('#tabs a[data-view="link"]');
  await openActions();
  await page.waitForSelector("#buy-proof");
  await page.fill("#buy-proof", JSON.stringify({ wallet: member.publicKey.toBase58(), cap: cap.toString(), proof: [other.toString("hex")] }));
  await page.fill("#buy-amount", "3");
  assert.match(await page.textContent("#buy-explain"), /Buys 3\.000000 STK .* for 6,000,000 base units/);
  const bought = await act("#buy-button");
  assert.equal(bought.outcome, "ok", bought.text);
  await page.screenshot({ path: join(artifacts, "6-buy.png"), fullPage: true });

  assert.equal((await getAccount(connection, source.address, "confirmed")).amount, 44_000_000n, "paid 3 STK × 2");
  assert.equal((await getAccount(connection, destination.address, "confirmed")).amount, 6_000_000n);
  const memberRecord = pda(vesting, enc.encode("sale_member"), sale.toBytes(), member.publicKey.toBytes());
  assert.ok(await connection.getAccountInfo(memberRecord), "the sale records the buyer");
  const grants = await connection.getProgramAccounts(new PublicKey(vesting), {
    filters: [{ memcmp: { offset: 8 + 32, bytes: sale.toBase58() } }, { memcmp: { offset: 8 + 64, bytes: member.publicKey.toBase58() } }],
  });
  assert.equal(grants.length, 1, "one sale grant for the buyer");
  const g = idl.decodeAccount(idl.IDLS.stk_vesting, "Grant", grants[0].account.data);
  assert.ok(g.total >= 3_000_000n, `the grant holds the purchase (${g.total})`);
  assert.equal(g.schedule.end - g.schedule.start, 86_400n);

  // A proof for another wallet is refused before anything is signed.
  await page.fill("#buy-proof", JSON.stringify({ wallet: walletA.publicKey.toBase58(), cap: "1", proof: [] }));
  assert.match(await page.textContent("#buy-explain"), /this proof is for/);
});

test("cancel a dormancy notice: the notice is cancelled on-chain", async () => {
  const mint = new PublicKey(config.mint);
  const treasury = config.programs.stk_treasury;
  const account_ = ata(member.publicKey, mint);
  const notice = pda(treasury, enc.encode("dormancy_notice"), account_.toBytes());
  await sendFixture(
    [admin],
    idl.instruction(
      idl.IDLS.stk_treasury,
      "flag_dormant",
      {
        admin: admin.publicKey,
        treasury: pda(treasury, enc.encode("treasury")),
        mint,
        owner_token_account: account_,
        notice,
      },
      { reason_code: 1 },
    ),
  );
  assert.equal((await account("stk_treasury", "DormancyNotice", notice)).status.variant, "Pending");
  await page.click('#tabs a[data-view="link"]');
  await openActions();
  await page.waitForSelector("#cancel-dormancy-button");
  assert.match(await page.textContent("#dormancy-status"), /flagged as dormant/);
  const cancelled = await act("#cancel-dormancy-button");
  assert.equal(cancelled.outcome, "ok", cancelled.text);
  assert.equal((await account("stk_treasury", "DormancyNotice", notice)).status.variant, "Cancelled");
  await page.waitForSelector('#dormancy-status[data-status="Cancelled"]');
});
