// The members' actions end to end in headless Chromium, after app.e2e.mjs linked wallet B to
// the member: stake with a lock (the weight, the rewards, a claim of rewards and a refused
// unstake), claim a vested grant, buy in the initial sale with the member's allowlist line,
// cancel a dormancy notice. What the community's operators do first (a reward rate and its
// funding, a startup-fund grant, the allowlist and the sale, a dormancy notice) is done with the
// distributor's own commands; the wallet B signs in the page through the Wallet Standard test
// wallet. Every step asserts the accounts on-chain over JSON-RPC and the words the page shows.
//
//   STK_MEMBER_LINK, STK_MEMBER_ID, STK_RPC_URL, STK_DATABASE_URL, STK_ARTIFACTS as in
//   app.e2e.mjs; STK_LINK_WALLET the member's wallet in force (wallet B, linked by app.e2e.mjs);
//   STK_ADMIN the admin key (every program's admin, the startup fund's council);
//   STK_WALLET_A a wallet holding STK (funds the rewards, returns STK to the startup fund);
//   STK_DISTRIBUTOR the distributor binary; STK_CONFIG its configuration file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { Connection, Keypair, PublicKey, SYSVAR_CLOCK_PUBKEY } from "@solana/web3.js";
import {
  TOKEN_PROGRAM_ID,
  TOKEN_2022_PROGRAM_ID,
  createMint,
  getOrCreateAssociatedTokenAccount,
  mintTo,
  getAccount,
  getTransferFeeAmount,
} from "@solana/spl-token";
import { installTestWallet, keypairFrom, WALLET_NAME } from "./wallet.mjs";

function required(name) {
  const value = process.env[name];
  assert.ok(value, `${name} must be set (scripts/test.sh sets it)`);
  return value;
}

const rpcUrl = required("STK_RPC_URL");
const connection = new Connection(rpcUrl, "confirmed");
const memberId = Number(required("STK_MEMBER_ID"));
const memberFile = required("STK_LINK_WALLET");
const adminFile = required("STK_ADMIN");
const walletAFile = required("STK_WALLET_A");
const member = keypairFrom(readFileSync(memberFile, "utf8"));
const admin = keypairFrom(readFileSync(adminFile, "utf8"));
const walletA = keypairFrom(readFileSync(walletAFile, "utf8"));
const artifacts = required("STK_ARTIFACTS");
mkdirSync(artifacts, { recursive: true });
const work = mkdtempSync(join(artifacts, "operator-"));
const enc = new TextEncoder();
const DAY = 86_400n;

let idl; // the page's IDL codec (src/idl.ts)
let fees; // the page's chain arithmetic (src/chain.ts: clock, transfer fee, vesting)
let config; // /api/config
let mint;
let browser;
let page;
const signed = []; // what the test wallet was asked to sign
const consoleLines = [];

/** Runs a distributor command (the operators' tool) and returns what it printed. */
function distributor(...args) {
  try {
    return execFileSync(required("STK_DISTRIBUTOR"), args, {
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: required("STK_DATABASE_URL"), STK_CONFIG: required("STK_CONFIG"), RUST_LOG: "error" },
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    throw new Error(`distributor ${args.join(" ")} failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}

const pda = (program, ...seeds) => PublicKey.findProgramAddressSync(seeds, new PublicKey(program))[0];
const ata = (owner, m = mint, program = TOKEN_2022_PROGRAM_ID) =>
  PublicKey.findProgramAddressSync(
    [owner.toBytes(), program.toBytes(), m.toBytes()],
    new PublicKey("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL"),
  )[0];
const stk = (units) => {
  const v = BigInt(units);
  return `${(v / 1_000_000n).toLocaleString("en-US")}.${(v % 1_000_000n).toString().padStart(6, "0")} STK`;
};
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** An STK token account's balance and withheld transfer fees (0 when it does not exist). */
async function stkAccount(owner) {
  try {
    const a = await getAccount(connection, ata(owner), "confirmed", TOKEN_2022_PROGRAM_ID);
    return { amount: a.amount, withheld: getTransferFeeAmount(a)?.withheldAmount ?? 0n };
  } catch {
    return { amount: 0n, withheld: 0n };
  }
}

async function tokenAmount(address, program = TOKEN_2022_PROGRAM_ID) {
  return (await getAccount(connection, address, "confirmed", program)).amount;
}

async function account(program, name, address) {
  const info = await connection.getAccountInfo(address, "confirmed");
  assert.ok(info, `${name} ${address.toBase58()} exists`);
  return idl.decodeAccount(idl.IDLS[program], name, info.data);
}

/** The cluster's clock and epoch, from the Clock sysvar. */
async function clock() {
  const info = await connection.getAccountInfo(SYSVAR_CLOCK_PUBKEY, "confirmed");
  return fees.clockOf(info.data);
}

async function transferFee() {
  const info = await connection.getAccountInfo(mint, "confirmed");
  return fees.transferFeeOf(info.data, (await clock()).epoch);
}

/** The Grant accounts naming `beneficiary`, decoded, with their addresses. */
async function grantsOf(beneficiary) {
  const found = await connection.getProgramAccounts(new PublicKey(config.programs.stk_vesting), {
    commitment: "confirmed",
    filters: [{ memcmp: { offset: 8 + 64, bytes: beneficiary.toBase58() } }],
  });
  return found.map(({ pubkey, account: a }) => ({ address: pubkey, grant: idl.decodeAccount(idl.IDLS.stk_vesting, "Grant", a.data) }));
}

async function shot(name) {
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`# screenshot ${path}`);
}

/** After a failure: a screenshot, the page's status line and its last console lines. */
async function diagnose(name) {
  const slug = name.replace(/[^a-z0-9]+/gi, "-").slice(0, 40);
  await page?.screenshot({ path: join(artifacts, `failed-${slug}.png`), fullPage: true }).catch(() => {});
  console.log(`# page status: ${await page?.textContent("#status").catch(() => "?")}`);
  console.log(`# page view: ${(await page?.textContent("#view").catch(() => "?"))?.slice(0, 400)}`);
  for (const line of consoleLines.slice(-30)) console.log(`# page console: ${line}`);
}

/** Runs a test body; on failure keeps a screenshot and prints what the page showed and logged. */
function step(name, body) {
  test(name, async () => {
    try {
      await body();
    } catch (e) {
      await diagnose(name);
      throw e;
    }
  });
}

/** The actions tab, freshly read from the chain (clicking it again re-reads). */
async function openActions() {
  await page.click('#tabs a[data-view="actions"]');
  await page.waitForSelector("#actions-body[data-loaded]", { timeout: 30_000 });
  const error = await page.$("#actions-error");
  assert.equal(error, null, error ? await error.textContent() : "");
}

/** Clicks `selector`, waits for the page's next reported outcome and the re-read accounts. */
async function act(selector) {
  const seq = Number(await page.evaluate(() => document.querySelector("#action-result")?.dataset.seq ?? "0")) + 1;
  await page.click(selector);
  await page.waitForSelector(`#action-result[data-seq="${seq}"]`, { timeout: 90_000 });
  await page.waitForSelector(`#actions-body[data-loaded="${seq}"]`, { timeout: 30_000 });
  return {
    outcome: await page.getAttribute("#action-result", "data-outcome"),
    signature: await page.getAttribute("#action-result", "data-signature"),
    text: (await page.textContent("#action-result p")).trim(),
  };
}

before(async () => {
  try {
    await setUp();
  } catch (e) {
    await diagnose("before");
    throw e;
  }
});

async function setUp() {
  const out = join(new URL(".", import.meta.url).pathname, ".build");
  for (const [entry, file] of [
    ["idl.ts", "idl.mjs"],
    ["chain.ts", "chain.mjs"],
  ]) {
    await build({
      entryPoints: [new URL(`../src/${entry}`, import.meta.url).pathname],
      bundle: true,
      format: "esm",
      platform: "node",
      outfile: join(out, file),
      external: ["@solana/web3.js", "buffer"],
      logLevel: "error",
    });
  }
  idl = await import(join(out, "idl.mjs"));
  fees = await import(join(out, "chain.mjs"));
  config = await (await fetch(`${new URL(required("STK_MEMBER_LINK")).origin}/api/config`)).json();
  mint = new PublicKey(config.mint);
  browser = await chromium.launch({
    executablePath: process.env.STK_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  const context = await browser.newContext({ viewport: { width: 1100, height: 1400 } });
  await installTestWallet(context, member, "solana:localnet", signed);
  page = await context.newPage();
  page.on("pageerror", (e) => {
    consoleLines.push(`pageerror: ${e.message}`);
    console.log(`# page error: ${e.message}`);
  });
  page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  await page.goto(required("STK_MEMBER_LINK"));
  await page.waitForSelector("body[data-ready=true]");
  // The member's wallet in force is wallet B (app.e2e.mjs linked it): the one that signs here.
  assert.equal(await page.getAttribute("#wallet-in-force", "data-address"), member.publicKey.toBase58());
  await page.click(`button.wallet[data-wallet="${WALLET_NAME}"]`);
  await page.waitForSelector("#connected-address");
}

after(async () => {
  await browser?.close();
});

step("stake with a 90-day lock: what arrives, the ×1.25 weight and the lock on-chain; rewards shown and claimed; unstaking refused while locked", async () => {
  // The operators: a reward rate (the pool's admin) and funding (wallet A pays).
  const rate = 1_000n; // base units a second
  distributor("staking", "--rpc-url", rpcUrl, "--keypair", adminFile, "rate", "--rate", rate.toString());
  distributor("staking", "--rpc-url", rpcUrl, "--keypair", walletAFile, "fund", "--amount", "20");

  const staking = config.programs.stk_staking;
  const pool = pda(staking, enc.encode("staking_pool"), mint.toBytes());
  const position = pda(staking, enc.encode("stake_position"), pool.toBytes(), member.publicKey.toBytes());
  const poolState = await account("stk_staking", "StakingPool", pool);
  assert.equal(poolState.rewards.reward_rate, rate, "the rate the operator set");
  assert.equal(await connection.getAccountInfo(position), null, "no position yet");
  const vaultBefore = await tokenAmount(poolState.stake_vault);
  const walletBefore = (await stkAccount(member.publicKey)).amount;
  assert.ok(walletBefore >= 1_000_000n, `wallet B holds STK (${walletBefore})`);
  const fee = fees.feeOn(await transferFee(), 1_000_000n);

  await openActions();
  assert.equal(await page.getAttribute("#wallet-balance", "data-units"), walletBefore.toString(), "the page shows the wallet's balance");
  await page.fill("#stake-amount", "1");
  await page.selectOption("#stake-lock", "1");
  const explained = await page.textContent("#stake-explain");
  assert.match(explained, new RegExp(`Moves 1\\.000000 STK .*${escape(stk(fee))} of transfer fee is withheld, so ${escape(stk(1_000_000n - fee))} arrives\\. .* locked until .* weighs ${escape(stk(((1_000_000n - fee) * 12_500n) / 10_000n))} \\(×1\\.25\\)`));
  const signedBefore = signed.length;
  const staked = await act("#stake-button");
  assert.equal(staked.outcome, "ok", staked.text);
  assert.match(staked.text, /^Done: stake 1\.000000 STK\./);
  assert.equal(signed.length, signedBefore + 1, "the wallet signed one transaction");

  // On-chain: the wallet paid 1 STK, the vault received it less the fee, the position holds it.
  const p = await account("stk_staking", "StakePosition", position);
  assert.equal(walletBefore - (await stkAccount(member.publicKey)).amount, 1_000_000n, "1 STK left the wallet");
  assert.equal((await tokenAmount(poolState.stake_vault)) - vaultBefore, 1_000_000n - fee, "what arrived in the vault");
  assert.equal(p.amount, 1_000_000n - fee, "the position holds what arrived, as the page announced");
  assert.equal(p.owner.toBase58(), member.publicKey.toBase58());
  assert.equal(p.lock_option, 1);
  assert.equal(p.multiplier_bps, 12_500);
  assert.equal(p.weight, (p.amount * 12_500n) / 10_000n);
  assert.equal(p.lock_end_ts, p.last_touch_ts + 90n * DAY, "locked for 90 days from the stake");
  // The page re-read the chain: the same amount and weight.
  assert.equal(await page.getAttribute("#staked-amount", "data-units"), p.amount.toString());
  assert.equal(await page.textContent("#stake-weight"), `${stk(p.weight)} (×1.25)`);

  // Rewards stream at the rate, shared by weight: let some accrue, then read them in the page.
  await new Promise((r) => setTimeout(r, 3_000));
  await openActions();
  const pool2 = await account("stk_staking", "StakingPool", pool);
  const perDay = (rate * DAY * p.weight) / pool2.rewards.total_weight;
  assert.equal(await page.getAttribute("#stake-rewards", "data-per-day"), perDay.toString());
  const shown = BigInt(await page.getAttribute("#stake-rewards", "data-claimable"));
  assert.ok(shown > 0n, "rewards accrued since the stake");
  assert.match(await page.textContent("#stake-rewards"), new RegExp(`^${escape(stk(shown))} to claim now; ≈ ${escape(stk(perDay))} a day`));
  assert.match(await page.textContent("#stake-reputation"), /STK·days/);
  await shot("5-stake");

  const before = await stkAccount(member.publicKey);
  const claimed = await act("#claim-rewards-button");
  assert.equal(claimed.outcome, "ok", claimed.text);
  const after = await account("stk_staking", "StakePosition", position);
  const paid = after.total_claimed - p.total_claimed;
  assert.ok(paid >= shown, `claimed ${paid}, at least the ${shown} shown before`);
  assert.ok(paid <= shown + rate * 60n, `claimed ${paid}: no more than a minute's stream above what was shown`);
  const now = await stkAccount(member.publicKey);
  assert.equal(now.amount - before.amount + (now.withheld - before.withheld), paid, "the wallet received the claim (less the fee withheld on it)");
  assert.equal(after.rewards.pending, 0n);

  // Unstaking now is refused by the program, reported by name, and changes nothing.
  await page.fill("#unstake-amount", "0.5");
  assert.match(await page.textContent("#unstake-explain"), /Locked until .*: the program refuses unstaking before/);
  const refused = await act("#unstake-button");
  assert.equal(refused.outcome, "error");
  assert.match(refused.text, /^Refused, nothing changed \(unstake 0\.5 STK\): LockNotEnded/);
  assert.equal((await account("stk_staking", "StakePosition", position)).amount, p.amount);
  assert.equal((await stkAccount(member.publicKey)).amount, now.amount);
});

step("claim a vested grant (a startup-fund grant the council made): the grant's claimed total and the wallet's balance on-chain", async () => {
  // The operators: a project whose returns (wallet A) make unlocked funds, and the council's
  // (the admin's) grant to wallet B of 3 STK vesting over 3 days in daily steps, started 1.5
  // days ago: one third vested now.
  const project = Keypair.generate().publicKey.toBase58();
  distributor("fund", "--rpc-url", rpcUrl, "--keypair", adminFile, "register-project", "--project", project, "--returner", walletA.publicKey.toBase58());
  distributor("fund", "--rpc-url", rpcUrl, "--keypair", walletAFile, "record-return", "--project", project, "--amount", "5");
  const start = (await clock()).now - (3n * DAY) / 2n;
  const proposed = distributor(
    "fund", "--rpc-url", rpcUrl, "--keypair", adminFile, "propose-grant", "--project", project,
    "--beneficiary", member.publicKey.toBase58(), "--amount", "3", "--start", start.toString(),
    "--duration-days", "3", "--period-days", "1",
  );
  const id = /propose investment grant #(\d+)/.exec(proposed)?.[1];
  assert.ok(id, proposed);
  distributor("fund", "--rpc-url", rpcUrl, "--keypair", adminFile, "execute", "--proposal", id);
  const found = (await grantsOf(member.publicKey)).filter((g) => g.grant.schedule.start === start);
  assert.equal(found.length, 1, "the fund's grant to wallet B exists");
  const { address, grant: g } = found[0];
  assert.equal(g.total, 3_000_000n);
  assert.equal(g.claimed, 0n);
  const vestedNow = fees.vested(g, (await clock()).now);
  assert.equal(vestedNow, 1_000_000n, "one daily step of three");
  const fee = fees.feeOn(await transferFee(), vestedNow);

  await openActions();
  const row = `tr.grant[data-grant="${address.toBase58()}"]`;
  await page.waitForSelector(row);
  assert.equal(await page.getAttribute(row, "data-claimable"), vestedNow.toString());
  assert.equal(await page.textContent(`${row} .grant-vested`), stk(vestedNow));
  assert.equal(
    await page.textContent(`${row} .grant-explain`),
    `Sends ${stk(vestedNow)} (vested, not yet claimed) from the grant's vault to your STK account (created if missing, rent paid by you); ${stk(fee)} of transfer fee is withheld, ${stk(vestedNow - fee)} arrives.`,
  );
  const before = await stkAccount(member.publicKey);
  const vaultBefore = await tokenAmount(g.vault);
  const claimed = await act(`${row} button.claim-grant`);
  assert.equal(claimed.outcome, "ok", claimed.text);
  assert.equal(claimed.text, `Done: claim ${stk(vestedNow)} from grant ${address.toBase58().slice(0, 4)}…${address.toBase58().slice(-4)}.`);

  const after = await account("stk_vesting", "Grant", address);
  assert.equal(after.claimed, vestedNow, "the grant records what vested as claimed");
  assert.equal(vaultBefore - (await tokenAmount(g.vault)), vestedNow, "it left the grant's vault");
  const now = await stkAccount(member.publicKey);
  assert.equal(now.amount - before.amount, vestedNow - fee, "what arrived, as the page said");
  assert.equal(now.withheld - before.withheld, fee);
  assert.equal(await page.textContent(`${row} .grant-claimed`), stk(vestedNow));
  assert.equal(await page.getAttribute(row, "data-claimable"), "0");
  await shot("6-grant");
});

step("buy in the initial sale with the member's allowlist line: the payment taken, the purchase recorded, a vesting grant for the buyer", async () => {
  // The operators: a payment mint (the stable coin: outside STK, created here with spl-token),
  // the treasury's account of it, the member's own; then the allowlist from Postgres and the
  // sale opened by the vesting admin with `distributor sale`.
  const paymentMint = await createMint(connection, admin, admin.publicKey, null, 6, undefined, { commitment: "confirmed" }, TOKEN_PROGRAM_ID);
  const source = await getOrCreateAssociatedTokenAccount(connection, admin, paymentMint, member.publicKey, false, "confirmed");
  const destination = await getOrCreateAssociatedTokenAccount(connection, admin, paymentMint, admin.publicKey, false, "confirmed");
  await mintTo(connection, admin, paymentMint, source.address, admin, 50_000_000n, [], { commitment: "confirmed" });
  // The member renews for the month ahead (Aisystant records subscriptions): the allowlist is
  // of today, and the seeded subscriptions end about three months after the seeded month, so
  // without a renewal the member would have lapsed on the last days of some months.
  execFileSync("psql", [required("STK_DATABASE_URL"), "-qc", `INSERT INTO subscriptions (member_id, starts_on, ends_on) VALUES (${memberId}, current_date - 1, current_date + 30)`]);
  const dir = join(work, "sale");
  distributor("sale", "allowlist", "--out", dir);
  const allowlist = JSON.parse(readFileSync(join(dir, "allowlist.json"), "utf8"));
  const line = allowlist.members.find((m) => m.member_id === memberId);
  // The allowlist is of today: the member is paying today (renewed above).
  const subscribedUntil = execFileSync("psql", [required("STK_DATABASE_URL"), "-tAc", `SELECT max(ends_on) FROM subscriptions WHERE member_id = ${memberId}`], { encoding: "utf8" }).trim();
  assert.ok(line, `member ${memberId} (subscribed until ${subscribedUntil}) is on the allowlist of ${allowlist.as_of} (${allowlist.members.length} members)`);
  assert.equal(line.wallet, member.publicKey.toBase58(), "with the wallet in force, wallet B");
  distributor(
    "sale", "--rpc-url", rpcUrl, "--keypair", adminFile, "open", "--allowlist", join(dir, "allowlist.json"),
    "--payment-mint", paymentMint.toBase58(), "--payment-destination", destination.address.toBase58(),
    "--price", "0.5", "--days", "1", "--total", "1000",
  );
  const vesting = config.programs.stk_vesting;
  const sale = pda(vesting, enc.encode("sale"));
  const saleBefore = await account("stk_vesting", "Sale", sale);
  assert.equal(saleBefore.sold, 0n);

  await openActions();
  assert.equal(await page.getAttribute("#sale-status", "data-open"), "true");
  assert.match(await page.textContent("#sale-status"), /^Open until .*1,000\.000000 STK left/);
  // Another wallet's line is refused before anything is signed.
  const signedBefore = signed.length;
  const other = allowlist.members.find((m) => m.member_id !== memberId);
  await page.fill("#buy-proof", JSON.stringify(other));
  await page.fill("#buy-amount", "3");
  assert.equal(await page.textContent("#buy-explain"), `this proof is for ${other.wallet}, not the connected wallet ${member.publicKey.toBase58()}`);
  const notSent = await act("#buy-button");
  assert.equal(notSent.outcome, "error");
  assert.match(notSent.text, /^Not sent: this proof is for /);
  assert.equal(signed.length, signedBefore, "nothing was signed");

  // The member's own line, pasted as the community sent it.
  await page.fill("#buy-proof", JSON.stringify(line));
  await page.fill("#buy-amount", "3");
  assert.equal(
    await page.textContent("#buy-explain"),
    `Buys 3.000000 STK (your cap: ${stk(line.cap)}) for 1,500,000 base units of ${paymentMint.toBase58().slice(0, 4)}…${paymentMint.toBase58().slice(-4)}, ` +
      "paid from your account of that mint to the treasury's. The STK goes into a new grant in your name (the sale pays the transfer fee: the grant receives all of it), vesting over 365 days (no cliff, unlocking every 30 days).",
  );
  await shot("7-buy-explained");
  const grantsBefore = (await grantsOf(member.publicKey)).length;
  const saleVault = pda(vesting, enc.encode("sale_vault"));
  const saleVaultBefore = await tokenAmount(saleVault);
  const bought = await act("#buy-button");
  assert.equal(bought.outcome, "ok", bought.text);
  assert.match(bought.text, /^Done: buy 3\.000000 STK in the initial sale\./);
  await shot("7-buy-done");

  assert.equal(await tokenAmount(source.address, TOKEN_PROGRAM_ID), 48_500_000n, "paid 3 STK × 0.5");
  assert.equal(await tokenAmount(destination.address, TOKEN_PROGRAM_ID), 1_500_000n, "the treasury received the payment");
  // SaleMember is not in the IDL (the program creates it by hand): discriminator, sale, wallet,
  // purchased u64, purchases u32, bump.
  const record = await connection.getAccountInfo(pda(vesting, enc.encode("sale_member"), sale.toBytes(), member.publicKey.toBytes()), "confirmed");
  assert.ok(record, "the sale records the buyer");
  assert.deepEqual(record.data.subarray(0, 8), createHash("sha256").update("account:SaleMember").digest().subarray(0, 8));
  assert.ok(new PublicKey(record.data.subarray(8, 40)).equals(sale) && new PublicKey(record.data.subarray(40, 72)).equals(member.publicKey));
  assert.equal(record.data.readBigUInt64LE(72), 3_000_000n, "the member's purchase, counted against the cap");
  assert.equal(record.data.readUInt32LE(80), 1, "one purchase");
  // The sale vault pays the transfer fee: it sends the purchase grossed up, counted as sold,
  // and the grant receives at least what was bought.
  const sold = (await account("stk_vesting", "Sale", sale)).sold;
  const fee = await transferFee();
  assert.ok(sold - fees.feeOn(fee, sold) >= 3_000_000n && sold - 2n - fees.feeOn(fee, sold - 2n) < 3_000_000n, `sold ${sold}: 3 STK grossed up for the fee (one unit over at most)`);
  assert.equal(saleVaultBefore - (await tokenAmount(saleVault)), sold, "what left the sale vault");
  const grants = (await grantsOf(member.publicKey)).filter((x) => x.grant.authority.equals(sale));
  assert.equal((await grantsOf(member.publicKey)).length, grantsBefore + 1);
  assert.equal(grants.length, 1, "one sale grant for the buyer");
  const g = grants[0].grant;
  assert.equal(await tokenAmount(g.vault), g.total, "the grant's vault holds the purchase");
  assert.equal(g.total, sold - fees.feeOn(fee, sold), "what arrived: at least the 3 STK bought");
  assert.equal(g.claimed, 0n);
  assert.equal(g.schedule.end - g.schedule.start, 365n * DAY, "vesting as configured in [sale]");
  await page.waitForSelector(`tr.grant[data-grant="${grants[0].address.toBase58()}"]`);
  assert.match(await page.textContent(`tr.grant[data-grant="${grants[0].address.toBase58()}"]`), /\(initial sale\)/);
});

step("cancel a dormancy notice: the notice the treasury admin flagged is cancelled on-chain", async () => {
  const treasury = config.programs.stk_treasury;
  const tokenAccount = ata(member.publicKey);
  const notice = pda(treasury, enc.encode("dormancy_notice"), tokenAccount.toBytes());
  distributor("dormancy", "--rpc-url", rpcUrl, "--keypair", adminFile, "flag", "--token-account", tokenAccount.toBase58());
  const flagged = await account("stk_treasury", "DormancyNotice", notice);
  assert.equal(flagged.status.variant, "Pending");
  assert.equal(flagged.owner.toBase58(), member.publicKey.toBase58());
  const balance = (await stkAccount(member.publicKey)).amount;
  assert.equal(flagged.flagged_balance, balance);

  await openActions();
  assert.equal(await page.getAttribute("#dormancy-status", "data-status"), "Pending");
  assert.match(
    await page.textContent("#dormancy-status"),
    new RegExp(`was flagged as dormant \\(reason 1\\)\\. Unless you cancel, its ${escape(stk(balance))} may be returned to the community from `),
  );
  await shot("8-dormancy-notice");
  const cancelled = await act("#cancel-dormancy-button");
  assert.equal(cancelled.outcome, "ok", cancelled.text);
  assert.match(cancelled.text, /^Done: cancel the dormancy notice \(you are active\)\./);
  const after = await account("stk_treasury", "DormancyNotice", notice);
  assert.equal(after.status.variant, "Cancelled");
  assert.ok(after.resolved_at > 0n, "resolved on-chain");
  assert.equal((await stkAccount(member.publicKey)).amount, balance, "nothing left the account");
  assert.equal(await page.getAttribute("#dormancy-status", "data-status"), "Cancelled");
  assert.match(await page.textContent("#dormancy-status"), /You cancelled the dormancy notice/);
  // The operators' public list says so too.
  assert.match(distributor("dormancy", "--rpc-url", rpcUrl, "notices"), new RegExp(`${tokenAccount.toBase58()} owner ${member.publicKey.toBase58()} .* cancelled by the owner`));
});
