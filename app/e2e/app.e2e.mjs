// The members' app end to end, in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core), against a running `distributor serve` and a localnet on which the
// distributor's own commands initialized STK and paid a month (scripts/test.sh sets it up).
// A Wallet Standard test wallet signs with a test key. Every step asserts the database or the
// chain, not only the page.
//
//   STK_APP_URL        the server (`distributor serve`)
//   STK_MEMBER_LINK    the member's link (`distributor member-link`), `…/#member=<token>`
//   STK_MEMBER_ID      that member (paid in STK_MONTH, wallet A in force)
//   STK_MONTH          the paid month
//   STK_RPC_URL        the localnet's JSON-RPC
//   STK_DATABASE_URL   the distributor's database (read with psql)
//   STK_LINK_WALLET    keypair file of the wallet the member links (wallet B)
//   STK_ARTIFACTS      folder receiving the screenshots
//   STK_ADMIN          the admin keypair file (its public key approved the plan)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { Connection, PublicKey } from "@solana/web3.js";
import { installTestWallet, keypairFrom, WALLET_NAME } from "./wallet.mjs";

function required(name) {
  const value = process.env[name];
  assert.ok(value, `${name} must be set (scripts/test.sh sets it)`);
  return value;
}

const appUrl = required("STK_APP_URL");
const memberLink = required("STK_MEMBER_LINK");
const member = Number(required("STK_MEMBER_ID"));
const month = required("STK_MONTH");
const connection = new Connection(required("STK_RPC_URL"), "confirmed");
const artifacts = required("STK_ARTIFACTS");
const linkWallet = keypairFrom(readFileSync(required("STK_LINK_WALLET"), "utf8"));
mkdirSync(artifacts, { recursive: true });

/** One value from the database. */
function sql(query) {
  return execFileSync("psql", [required("STK_DATABASE_URL"), "-tAc", query], { encoding: "utf8" }).trim();
}

const stk = (units) => {
  const v = BigInt(units);
  return `${(v / 1_000_000n).toLocaleString("en-US")}.${(v % 1_000_000n).toString().padStart(6, "0")} STK`;
};

let browser;
let context;
let page;
const signed = [];

async function shot(name) {
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

async function tab(view) {
  await page.click(`#tabs a[data-view="${view}"]`);
  await page.waitForURL(`**/${view}`);
}

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.STK_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await installTestWallet(context, linkWallet, "solana:localnet", signed);
  page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e));
});

after(async () => {
  await browser?.close();
});

test("the member's link opens the app signed in, showing the wallet in force", async () => {
  await page.goto(memberLink);
  await page.waitForSelector("body[data-ready=true]");
  assert.ok(!page.url().includes("member="), "the token leaves the address bar");
  const inForce = sql(
    `SELECT address FROM wallets WHERE member_id = ${member} ORDER BY registered_at DESC, id DESC LIMIT 1`,
  );
  assert.equal(await page.getAttribute("#wallet-in-force", "data-address"), inForce);
  assert.match(await page.textContent("#who"), new RegExp(`member ${member}`));
  // The test wallet registered through the Wallet Standard and is offered.
  await page.waitForSelector(`button.wallet[data-wallet="${WALLET_NAME}"]`);
  await shot("1-wallet");
});

test("link: the wallet signs the message, the server writes the wallets row, the page shows it in force", async () => {
  const address = linkWallet.publicKey.toBase58();
  const rowsBefore = Number(sql(`SELECT count(*) FROM wallets WHERE member_id = ${member}`));
  await page.click(`button.wallet[data-wallet="${WALLET_NAME}"]`);
  assert.equal(await page.textContent("#connected-address"), address);
  await page.click("#link-button");
  await page.waitForSelector("#link-result[data-outcome]");
  assert.equal(await page.getAttribute("#link-result", "data-outcome"), "ok", await page.textContent("#link-result"));

  // What the wallet signed is the Sign-In-With-Solana message the server stored.
  const message = signed.find((s) => s.kind === "message");
  assert.ok(message, "the wallet was asked to sign a message");
  const text = message.bytes.toString("utf8");
  assert.match(text, /wants you to sign in with your Solana account:/);
  assert.ok(text.includes(address) && text.includes(`STK member ${member}`), text);
  const nonce = /Nonce: (\w+)/.exec(text)[1];
  assert.equal(sql(`SELECT used_at IS NOT NULL FROM wallet_link_nonces WHERE nonce = '${nonce}'`), "t");

  // The database: one new row, the latest, for this member.
  assert.equal(Number(sql(`SELECT count(*) FROM wallets WHERE member_id = ${member}`)), rowsBefore + 1);
  assert.equal(
    sql(`SELECT address FROM wallets WHERE member_id = ${member} ORDER BY registered_at DESC, id DESC LIMIT 1`),
    address,
  );
  assert.equal(
    sql(`SELECT w.address FROM wallet_link_nonces n JOIN wallets w ON w.id = n.wallet_id WHERE n.nonce = '${nonce}'`),
    address,
  );
  await page.waitForSelector(`#wallet-in-force[data-address="${address}"]`);
  console.log(`# screenshot ${await shot("2-linked")}`);
});

test("my month: rank, days, points, allocation and the payout transaction, as in Postgres and on-chain", async () => {
  await tab("month");
  await page.selectOption("#month-select", month);
  await page.waitForSelector("#month-payable");
  const payable = sql(`SELECT payable FROM allocations WHERE month = '${month}' AND member_id = ${member}`);
  assert.equal(await page.textContent("#month-payable"), stk(payable));
  assert.equal(await page.textContent("#payout-amount"), stk(payable));
  const allocation = sql(`SELECT allocation FROM allocations WHERE month = '${month}' AND member_id = ${member}`);
  assert.equal(await page.textContent("#month-allocation"), stk(allocation));
  const weeks = Number(sql(`SELECT count(*) FROM weekly_ranks WHERE month = '${month}' AND member_id = ${member}`));
  assert.equal(await page.locator("table.weeks tr").count(), weeks + 1, "one row per week and the header");
  const lastRank = sql(
    `SELECT rank_end FROM weekly_ranks WHERE month = '${month}' AND member_id = ${member} ORDER BY week_start DESC LIMIT 1`,
  );
  assert.ok((await page.textContent("table.weeks tr:last-child td:nth-child(2)")).endsWith(lastRank));

  // The payout transaction shown is the batch's, and it landed without error on the chain.
  const signature = sql(
    `SELECT b.signature FROM payout_recipients r JOIN payout_batches b USING (month, batch_index)
     WHERE r.month = '${month}' AND r.member_id = ${member}`,
  );
  assert.equal(await page.textContent("#payout-signature"), signature);
  // The localnet keeps no transaction history: the batch's confirmed state and the epoch's
  // paid bit (checked by the verify test) are the on-chain evidence.
  const batchState = sql(
    `SELECT b.state FROM payout_recipients r JOIN payout_batches b USING (month, batch_index)
     WHERE r.month = '${month}' AND r.member_id = ${member}`,
  );
  assert.equal(batchState, "confirmed");
  console.log(`# screenshot ${await shot("3-month")}`);
});

test("verify: the browser recomputes the line and the batch root and finds it in the treasury's plan page", async () => {
  await tab("verify");
  await page.click("#verify-button");
  await page.waitForSelector("#verify-result[data-verified]");
  assert.equal(await page.getAttribute("#verify-result", "data-verified"), "true", await page.textContent("#verify-result"));
  // Independently of the page: the root in the PlanPage account is the stored batch root.
  const [batch, root] = sql(
    `SELECT r.batch_index || ' ' || b.root FROM payout_recipients r JOIN payout_batches b USING (month, batch_index)
     WHERE r.month = '${month}' AND r.member_id = ${member}`,
  ).split(" ");
  const text = await page.textContent("#verify-result");
  assert.ok(text.includes(root), "the page shows the on-chain root");
  assert.match(text, /the admin approved this plan on-chain/);
  assert.match(text, /The treasury marked your batch paid/);
  const admin = JSON.parse(readFileSync(required("STK_ADMIN"), "utf8"));
  assert.ok(text.includes(`approved by ${new PublicKey(Uint8Array.from(admin.slice(32))).toBase58()}`), "approved by the admin key");
  const monthId = Number(sql(`SELECT month_id FROM payout_epochs WHERE month = '${month}'`));
  const treasury = (await (await fetch(`${appUrl}/api/config`)).json()).programs.stk_treasury;
  const planPage = PublicKey.findProgramAddressSync(
    [Buffer.from("plan_page"), u32(monthId), u16(Math.floor(Number(batch) / 250))],
    new PublicKey(treasury),
  )[0];
  const info = await connection.getAccountInfo(planPage);
  const entry = Number(batch) % 250;
  assert.equal(Buffer.from(info.data.subarray(16 + 32 * entry, 48 + 32 * entry)).toString("hex"), root);
  console.log(`# screenshot ${await shot("4-verify")}`);
});

test("verify refuses a line the server altered (one base unit more)", async () => {
  const tampered = await context.newPage();
  await tampered.route("**/api/members/*/months/*", async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    body.payout.amount += 1;
    body.payout.proof.leaf.amount += 1;
    await route.fulfill({ response, json: body });
  });
  await tampered.goto(memberLink);
  await tampered.waitForSelector("body[data-ready=true]");
  await tampered.click('#tabs a[data-view="verify"]');
  await tampered.selectOption("#month-select", month);
  await tampered.click("#verify-button");
  await tampered.waitForSelector("#verify-result[data-verified]");
  assert.equal(await tampered.getAttribute("#verify-result", "data-verified"), "false");
  assert.match(await tampered.textContent("#verify-result"), /Does NOT match/);
  await tampered.close();
});

function u32(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function u16(n) {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
