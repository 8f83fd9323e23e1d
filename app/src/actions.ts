// Stake, unstake and claim staking rewards; claim a vested grant; buy in the initial sale with
// an allowlist proof; cancel a dormancy notice. Every transaction is built from the committed
// IDLs (idl.ts), explained in words before signing, signed by the member's wallet through the
// Wallet Standard, sent to the configured RPC node and reported in words (the program's error
// name when refused).
//
// The page reads the cluster's time from the Clock sysvar (what the programs see; a node may
// keep no block times) and the STK transfer fee from the mint's TransferFeeConfig extension, so
// what it announces (what arrives, the weight, what is vested) is what the programs compute.
import { Keypair, PublicKey, SYSVAR_CLOCK_PUBKEY, Transaction, type TransactionInstruction } from "@solana/web3.js";
import { h, replace, short, stk } from "./dom";
import { decodeAccount, explainError, IDLS, instruction } from "./idl";
import type { AppState } from "./main";
import { explorer, render, say } from "./main";
import { ATA_PROGRAM, associatedTokenAccount, unhex } from "./verify";
import { canSignTransactions, signTransaction } from "./wallets";
import { claimableRewards, clockOf, feeOn, le64, transferFeeOf, vested, type Grant, type Pool, type Position, type TransferFee } from "./chain";

const enc = new TextEncoder();
const SYSTEM = new PublicKey("11111111111111111111111111111111");

function pda(program: string, ...seeds: Uint8Array[]): PublicKey {
  return PublicKey.findProgramAddressSync(seeds, new PublicKey(program))[0];
}

interface Sale {
  mint: PublicKey;
  payment_mint: PublicKey;
  payment_destination: PublicKey;
  price: { num: bigint; den: bigint };
  start: bigint;
  end: bigint;
  total: bigint;
  sold: bigint;
  vesting: { cliff_seconds: bigint; duration_seconds: bigint; period_seconds: bigint };
  closed: boolean;
}
interface Notice {
  token_account: PublicKey;
  owner: PublicKey;
  reason_code: number;
  notice_ends_at: bigint;
  status: { variant: string };
  flagged_balance: bigint;
}


/** What the page read from the chain for the connected wallet. */
interface Holdings {
  owner: PublicKey;
  ata: PublicKey;
  balance: bigint;
  fee: TransferFee | null;
  pool: PublicKey;
  poolState: Pool | null;
  position: PublicKey;
  positionState: Position | null;
  grants: { address: PublicKey; grant: Grant }[];
  sale: Sale | null;
  notice: PublicKey;
  noticeState: Notice | null;
  now: bigint;
}

interface Outcome {
  ok: boolean;
  text: string;
  signature: string | null;
  seq: number;
}
const outcomes = new WeakMap<AppState, Outcome>();

function parseStk(text: string): bigint {
  const m = /^\s*(\d+)(?:\.(\d{0,6}))?\s*$/.exec(text);
  if (!m) throw new Error(`"${text}" is not an STK amount (up to 6 decimals)`);
  const units = BigInt(m[1]) * 1_000_000n + BigInt((m[2] ?? "").padEnd(6, "0"));
  if (units === 0n) throw new Error("the amount must be above zero");
  return units;
}

function when(ts: bigint): string {
  return new Date(Number(ts) * 1000).toLocaleString();
}

function days(seconds: bigint): string {
  const d = Number(seconds) / 86_400;
  return d === 0 ? "no lock" : `${d.toLocaleString("en-US", { maximumFractionDigits: 1 })} days`;
}

function times(bps: number): string {
  return `×${(bps / 10_000).toFixed(2)}`;
}


async function load(state: AppState): Promise<Holdings> {
  const c = state.connected!;
  const conn = state.connection;
  const owner = new PublicKey(c.account.address);
  const mint = new PublicKey(state.config.mint);
  const { stk_staking, stk_vesting, stk_treasury } = state.config.programs;
  const ata = associatedTokenAccount(owner, mint);
  const pool = pda(stk_staking, enc.encode("staking_pool"), mint.toBytes());
  const position = pda(stk_staking, enc.encode("stake_position"), pool.toBytes(), owner.toBytes());
  const notice = pda(stk_treasury, enc.encode("dormancy_notice"), ata.toBytes());
  const sale = pda(stk_vesting, enc.encode("sale"));
  const [infos, grants] = await Promise.all([
    conn.getMultipleAccountsInfo([ata, pool, position, notice, sale, mint, SYSVAR_CLOCK_PUBKEY]),
    // The wallet's grants: Grant accounts whose beneficiary (after the discriminator, the id and
    // the authority) is this wallet.
    conn.getProgramAccounts(new PublicKey(stk_vesting), {
      filters: [{ memcmp: { offset: 8 + 32 + 32, bytes: owner.toBase58() } }],
    }),
  ]);
  const [ataInfo, poolInfo, positionInfo, noticeInfo, saleInfo, mintInfo, clockInfo] = infos;
  if (!clockInfo) throw new Error("the node returned no Clock sysvar");
  const { now, epoch } = clockOf(clockInfo.data);
  return {
    owner,
    ata,
    balance: ataInfo ? le64(ataInfo.data, 64) : 0n,
    fee: mintInfo ? transferFeeOf(mintInfo.data, epoch) : null,
    pool,
    poolState: poolInfo ? decodeAccount<Pool>(IDLS.stk_staking, "StakingPool", poolInfo.data) : null,
    position,
    positionState: positionInfo ? decodeAccount<Position>(IDLS.stk_staking, "StakePosition", positionInfo.data) : null,
    grants: grants
      .flatMap(({ pubkey, account }) => {
        try {
          return [{ address: pubkey, grant: decodeAccount<Grant>(IDLS.stk_vesting, "Grant", account.data) }];
        } catch {
          return [];
        }
      })
      .sort((a, b) => (a.grant.schedule.start < b.grant.schedule.start ? -1 : 1)),
    sale: saleInfo ? decodeAccount<Sale>(IDLS.stk_vesting, "Sale", saleInfo.data) : null,
    notice,
    noticeState: noticeInfo ? decodeAccount<Notice>(IDLS.stk_treasury, "DormancyNotice", noticeInfo.data) : null,
    now,
  };
}

function report(state: AppState, ok: boolean, text: string, signature: string | null): void {
  const seq = (outcomes.get(state)?.seq ?? 0) + 1;
  outcomes.set(state, { ok, text, signature, seq });
  say(text, ok ? "ok" : "error");
}

/**
 * Builds the instructions (an error there is reported, nothing is signed), has the wallet sign,
 * sends, waits for confirmation (polling), and says what happened.
 */
async function send(
  state: AppState,
  what: string,
  build: () => TransactionInstruction[] | Promise<TransactionInstruction[]>,
): Promise<void> {
  const c = state.connected!;
  const conn = state.connection;
  let signature: string | null = null;
  let instructions: TransactionInstruction[] = [];
  try {
    instructions = await build();
    const owner = new PublicKey(c.account.address);
    const { blockhash, lastValidBlockHeight } = await conn.getLatestBlockhash("confirmed");
    const tx = new Transaction({ feePayer: owner, blockhash, lastValidBlockHeight }).add(...instructions);
    say(`Approve “${what}” in ${c.wallet.name}…`);
    const unsigned = tx.serialize({ requireAllSignatures: false, verifySignatures: false });
    const signed = await signTransaction(c, state.config.chain, unsigned);
    say("Sending…");
    signature = await conn.sendRawTransaction(signed, { skipPreflight: false, preflightCommitment: "confirmed" });
    for (;;) {
      const { value } = await conn.getSignatureStatuses([signature]);
      const s = value[0];
      if (s?.err) {
        const failed = await conn
          .getTransaction(signature, { commitment: "confirmed", maxSupportedTransactionVersion: 0 })
          .catch(() => null);
        const programs = instructions.map((ix) => ix.programId);
        throw Object.assign(new Error(explainError(s.err, failed?.meta?.logMessages ?? [], programs)), { handled: true });
      }
      if (s && (s.confirmationStatus === "confirmed" || s.confirmationStatus === "finalized")) break;
      if ((await conn.getBlockHeight("confirmed")) > lastValidBlockHeight) throw new Error("the transaction expired before it landed; nothing happened");
      await new Promise((r) => setTimeout(r, 400));
    }
    report(state, true, `Done: ${what}.`, signature);
  } catch (e) {
    const err = e as { message?: string; logs?: string[]; handled?: boolean };
    const programs = instructions.map((ix) => ix.programId);
    const why = err.handled ? err.message : explainError(err.message ?? e, err.logs ?? [], programs);
    report(state, false, `Refused, nothing changed (${what}): ${why}`, signature);
  }
  render(state);
}

function explainBox(id: string): HTMLElement {
  return h("p", { class: "explain", id });
}

function stakeCard(state: AppState, x: Holdings): Node {
  const pool = x.poolState;
  if (!pool) return h("section", { class: "card" }, h("h2", {}, "Stake"), h("p", {}, "The staking pool is not initialized on this cluster."));
  const p = x.positionState;
  const options = pool.lock_options.slice(0, pool.lock_option_count);
  const amount = h("input", { id: "stake-amount", inputmode: "decimal", placeholder: "STK, e.g. 10.5" });
  const lock = h(
    "select",
    { id: "stake-lock" },
    ...options.map((o, i) => h("option", { value: String(i) }, `${days(o.duration_seconds)} — weight ${times(o.multiplier_bps)}`)),
  );
  const explain = explainBox("stake-explain");
  const describe = (): { units: bigint; option: number } | null => {
    try {
      const units = parseStk(amount.value);
      if (units > x.balance) throw new Error(`you hold ${stk(x.balance)}: not enough to stake ${stk(units)}`);
      const option = Number(lock.value);
      const o = options[option];
      const locked = p !== null && p.lock_end_ts > x.now;
      if (locked && o.multiplier_bps < p.multiplier_bps) {
        throw new Error(`your position is locked with ${times(p.multiplier_bps)} until ${when(p.lock_end_ts)}: choose a lock at least as long`);
      }
      const fee = feeOn(x.fee, units);
      const arrives = units - fee;
      const until = x.now + o.duration_seconds;
      const end = p && p.lock_end_ts > until ? p.lock_end_ts : until;
      const newAmount = (p?.amount ?? 0n) + arrives;
      const weight = (newAmount * BigInt(o.multiplier_bps)) / 10_000n;
      replace(
        explain,
        `Moves ${stk(units)} from your STK account ${short(x.ata.toBase58())} into the pool's stake vault` +
          (p ? "" : " (first opening your position, rent paid by you)") +
          `; ${stk(fee)} of transfer fee is withheld, so ${stk(arrives)} arrives. ` +
          `Your whole position (${stk(newAmount)}) is ${o.duration_seconds === 0n && !locked ? "not locked" : `locked until ${when(end)}`}` +
          ` and weighs ${stk(weight)} (${times(o.multiplier_bps)}) in the rewards.`,
      );
      explain.dataset.arrives = arrives.toString();
      explain.dataset.weight = weight.toString();
      return { units, option };
    } catch (e) {
      replace(explain, (e as Error).message);
      delete explain.dataset.arrives;
      return null;
    }
  };
  amount.addEventListener("input", describe);
  lock.addEventListener("change", describe);
  const unstakeAmount = h("input", { id: "unstake-amount", inputmode: "decimal", placeholder: "STK" });
  const rate = pool.rewards.reward_rate;
  const perDay = p && pool.rewards.total_weight > 0n ? (rate * 86_400n * p.weight) / pool.rewards.total_weight : 0n;
  const reputation = p ? p.weight_seconds + p.weight * (x.now > p.last_touch_ts ? x.now - p.last_touch_ts : 0n) : 0n;
  const claimable = p ? claimableRewards(pool, p, x.now) : 0n;
  return h(
    "section",
    { class: "card", id: "stake-card" },
    h("h2", {}, "Stake"),
    h(
      "table",
      { class: "facts" },
      h("tr", {}, h("th", {}, "in your wallet"), h("td", { id: "wallet-balance", "data-units": x.balance.toString() }, stk(x.balance))),
      h("tr", {}, h("th", {}, "staked"), h("td", { id: "staked-amount", "data-units": (p?.amount ?? 0n).toString() }, stk(p?.amount ?? 0n))),
      p ? h("tr", {}, h("th", {}, "locked until"), h("td", { id: "stake-lock-end" }, p.lock_end_ts > x.now ? when(p.lock_end_ts) : "not locked")) : null,
      h(
        "tr",
        {},
        h("th", {}, "reward weight"),
        h("td", { id: "stake-weight", "data-units": (p?.weight ?? 0n).toString() }, p ? `${stk(p.weight)} (${times(p.multiplier_bps)})` : "—"),
      ),
      h(
        "tr",
        {},
        h("th", {}, "reputation"),
        h(
          "td",
          { id: "stake-reputation" },
          p ? `${(Number(reputation / 1_000_000n) / 86_400).toLocaleString("en-US", { maximumFractionDigits: 4 })} STK·days (weight × time staked)` : "—",
        ),
      ),
      h(
        "tr",
        {},
        h("th", {}, "rewards"),
        h(
          "td",
          { id: "stake-rewards", "data-claimable": claimable.toString(), "data-per-day": perDay.toString() },
          p
            ? `${stk(claimable)} to claim now; ≈ ${stk(perDay)} a day at the pool's rate (${rate.toLocaleString("en-US")} base units a second shared by weight, ${stk(pool.rewards.unreleased)} left to stream)`
            : "—",
        ),
      ),
    ),
    h("div", { class: "form" }, h("label", {}, "amount"), amount, h("label", {}, "lock"), lock),
    explain,
    h(
      "button",
      {
        id: "stake-button",
        class: "primary",
        onclick: () => {
          const d = describe();
          if (!d) {
            report(state, false, `Not sent: ${explain.textContent}`, null);
            render(state);
            return;
          }
          void send(state, `stake ${stk(d.units)}`, () => {
            const ixs: TransactionInstruction[] = [];
            const accounts = { owner: x.owner, pool: x.pool, position: x.position, mint: pool.mint };
            if (!p) ixs.push(instruction(IDLS.stk_staking, "open_position", { ...accounts, system_program: SYSTEM }));
            ixs.push(
              instruction(
                IDLS.stk_staking,
                "stake",
                { ...accounts, owner_token: x.ata, stake_vault: pool.stake_vault },
                { amount: d.units, lock_option: d.option },
              ),
            );
            return ixs;
          });
        },
      },
      "Stake",
    ),
    p
      ? h(
          "div",
          {},
          h("div", { class: "form" }, h("label", {}, "unstake amount"), unstakeAmount),
          h(
            "p",
            { class: "hint", id: "unstake-explain" },
            p.lock_end_ts > x.now
              ? `Locked until ${when(p.lock_end_ts)}: the program refuses unstaking before.`
              : "Sends STK from the stake vault back to your STK account (the transfer fee is withheld).",
          ),
          h(
            "button",
            {
              id: "unstake-button",
              onclick: () => {
                void send(state, `unstake ${unstakeAmount.value.trim()} STK`, () => [
                  instruction(
                    IDLS.stk_staking,
                    "unstake",
                    { owner: x.owner, pool: x.pool, position: x.position, mint: pool.mint, destination: x.ata, stake_vault: pool.stake_vault },
                    { amount: parseStk(unstakeAmount.value) },
                  ),
                ]);
              },
            },
            "Unstake",
          ),
          " ",
          h(
            "button",
            {
              id: "claim-rewards-button",
              title: `Sends your rewards (${stk(claimable)} now, a little more by the time it lands) from the reward vault to your STK account; the transfer fee is withheld.`,
              onclick: () => {
                void send(state, "claim staking rewards", () => [
                  instruction(IDLS.stk_staking, "claim_rewards", {
                    owner: x.owner,
                    pool: x.pool,
                    position: x.position,
                    mint: pool.mint,
                    destination: x.ata,
                    reward_vault: pool.reward_vault,
                  }),
                ]);
              },
            },
            "Claim rewards",
          ),
        )
      : null,
  );
}

function grantsCard(state: AppState, x: Holdings): Node {
  const vestingAuthority = pda(state.config.programs.stk_vesting, enc.encode("vesting_authority"));
  const sale = pda(state.config.programs.stk_vesting, enc.encode("sale"));
  return h(
    "section",
    { class: "card", id: "grants-card" },
    h("h2", {}, "Vested grants"),
    x.grants.length === 0
      ? h("p", {}, "No grant names this wallet as beneficiary.")
      : h(
          "table",
          {},
          h(
            "tr",
            {},
            h("th", {}, "grant"),
            h("th", {}, "vesting"),
            h("th", {}, "total"),
            h("th", {}, "vested now"),
            h("th", {}, "claimed"),
            h("th", {}, ""),
          ),
          ...x.grants.map(({ address, grant }) => {
            const v = vested(grant, x.now);
            const claimable = v > grant.claimed ? v - grant.claimed : 0n;
            const fee = feeOn(x.fee, claimable);
            const what = `claim ${stk(claimable)} from grant ${short(address.toBase58())}`;
            return h(
              "tr",
              { class: "grant", "data-grant": address.toBase58(), "data-claimable": claimable.toString() },
              h("td", {}, h("code", {}, short(address.toBase58())), grant.authority.equals(sale) ? " (initial sale)" : ""),
              h("td", {}, `${new Date(Number(grant.schedule.start) * 1000).toLocaleDateString()} – ${new Date(Number(grant.schedule.end) * 1000).toLocaleDateString()}`),
              h("td", {}, stk(grant.total)),
              h("td", { class: "grant-vested" }, stk(v)),
              h("td", { class: "grant-claimed" }, stk(grant.claimed)),
              h(
                "td",
                {},
                h(
                  "button",
                  {
                    class: "claim-grant",
                    ...(claimable === 0n ? { disabled: true } : {}),
                    onclick: () => {
                      void send(state, what, () => [
                        instruction(IDLS.stk_vesting, "claim", {
                          payer: x.owner,
                          beneficiary: x.owner,
                          grant: address,
                          vault: grant.vault,
                          mint: grant.mint,
                          vesting_authority: vestingAuthority,
                          destination: x.ata,
                        }),
                      ]);
                    },
                  },
                  `Claim ${stk(claimable)}`,
                ),
                h(
                  "p",
                  { class: "hint grant-explain" },
                  claimable === 0n
                    ? "Nothing vested is unclaimed yet."
                    : `Sends ${stk(claimable)} (vested, not yet claimed) from the grant's vault to your STK account (created if missing, rent paid by you); ${stk(fee)} of transfer fee is withheld, ${stk(claimable - fee)} arrives.`,
                ),
              ),
            );
          }),
        ),
  );
}

interface AllowlistProof {
  wallet: string;
  cap: string | number;
  proof: string[];
}

function buyCard(state: AppState, x: Holdings): Node {
  const sale = x.sale;
  if (!sale) return h("section", { class: "card", id: "buy-card" }, h("h2", {}, "Initial sale"), h("p", {}, "No sale is open on this cluster."));
  const open = !sale.closed && x.now >= sale.start && x.now < sale.end;
  const proofBox = h("textarea", { id: "buy-proof", rows: "4", cols: "60", placeholder: '{"wallet": "…", "cap": …, "proof": ["hex…"]}' });
  const amount = h("input", { id: "buy-amount", inputmode: "decimal", placeholder: "STK" });
  const explain = explainBox("buy-explain");
  const parse = (): { units: bigint; proof: AllowlistProof; cost: bigint } | null => {
    try {
      let proof: AllowlistProof;
      try {
        proof = JSON.parse(proofBox.value) as AllowlistProof;
      } catch {
        throw new Error("paste your line of the allowlist: JSON with your wallet, cap and proof");
      }
      if (typeof proof?.wallet !== "string" || !Array.isArray(proof.proof) || proof.cap === undefined) {
        throw new Error("the allowlist line needs wallet, cap and proof");
      }
      if (proof.wallet !== x.owner.toBase58()) throw new Error(`this proof is for ${proof.wallet}, not the connected wallet ${x.owner.toBase58()}`);
      const units = parseStk(amount.value);
      const cap = BigInt(proof.cap);
      if (units > cap) throw new Error(`your cap is ${stk(cap)}: you cannot buy ${stk(units)}`);
      // The program rounds the price up (`ceil(amount · num / den)`).
      const cost = (units * sale.price.num + sale.price.den - 1n) / sale.price.den;
      replace(
        explain,
        `Buys ${stk(units)} (your cap: ${stk(cap)}) for ${cost.toLocaleString("en-US")} base units of ${short(sale.payment_mint.toBase58())}, ` +
          `paid from your account of that mint to the treasury's. The STK goes into a new grant in your name (the sale pays the transfer fee: the grant receives all of it), vesting over ` +
          `${days(sale.vesting.duration_seconds)} (${sale.vesting.cliff_seconds === 0n ? "no cliff" : `nothing before ${days(sale.vesting.cliff_seconds)}`}, unlocking every ${days(sale.vesting.period_seconds)}).`,
      );
      return { units, proof, cost };
    } catch (e) {
      replace(explain, (e as Error).message);
      return null;
    }
  };
  proofBox.addEventListener("input", parse);
  amount.addEventListener("input", parse);
  return h(
    "section",
    { class: "card", id: "buy-card" },
    h("h2", {}, "Initial sale"),
    h(
      "p",
      { id: "sale-status", "data-open": String(open) },
      open ? `Open until ${when(sale.end)}. ` : `Not open now (${when(sale.start)} – ${when(sale.end)}${sale.closed ? ", closed" : ""}). `,
      `${stk(sale.total - sale.sold)} left. Paste the allowlist proof the community sent you.`,
    ),
    proofBox,
    h("div", { class: "form" }, h("label", {}, "amount"), amount),
    explain,
    h(
      "button",
      {
        id: "buy-button",
        class: "primary",
        onclick: () => {
          const d = parse();
          if (!d) {
            report(state, false, `Not sent: ${explain.textContent}`, null);
            render(state);
            return;
          }
          void send(state, `buy ${stk(d.units)} in the initial sale`, async () => {
            const vesting = state.config.programs.stk_vesting;
            const paymentInfo = await state.connection.getAccountInfo(sale.payment_mint);
            if (!paymentInfo) throw new Error(`the sale's payment mint ${sale.payment_mint.toBase58()} does not exist`);
            const paymentProgram = paymentInfo.owner;
            const paymentSource = PublicKey.findProgramAddressSync(
              [x.owner.toBytes(), paymentProgram.toBytes(), sale.payment_mint.toBytes()],
              ATA_PROGRAM,
            )[0];
            const source = await state.connection.getAccountInfo(paymentSource);
            const held = source ? le64(source.data, 64) : 0n;
            if (held < d.cost) {
              throw new Error(`your account of ${short(sale.payment_mint.toBase58())} holds ${held.toLocaleString("en-US")} base units; the purchase costs ${d.cost.toLocaleString("en-US")}`);
            }
            const saleKey = pda(vesting, enc.encode("sale"));
            const grantId = Keypair.generate().publicKey;
            const grant = pda(vesting, enc.encode("grant"), grantId.toBytes());
            return [
              instruction(
                IDLS.stk_vesting,
                "purchase",
                {
                  buyer: x.owner,
                  sale: saleKey,
                  member: pda(vesting, enc.encode("sale_member"), saleKey.toBytes(), x.owner.toBytes()),
                  payment_mint: sale.payment_mint,
                  payment_source: paymentSource,
                  payment_destination: sale.payment_destination,
                  payment_token_program: paymentProgram,
                  mint: sale.mint,
                  sale_vault: pda(vesting, enc.encode("sale_vault")),
                  grant,
                  grant_vault: pda(vesting, enc.encode("grant_vault"), grant.toBytes()),
                  vesting_authority: pda(vesting, enc.encode("vesting_authority")),
                },
                { args: { amount: d.units, cap: BigInt(d.proof.cap), proof: d.proof.proof.map(unhex), grant_id: grantId } },
              ),
            ];
          });
        },
      },
      "Buy",
    ),
  );
}

function dormancyCard(state: AppState, x: Holdings): Node {
  const n = x.noticeState;
  const pending = n?.status.variant === "Pending";
  return h(
    "section",
    { class: "card", id: "dormancy-card" },
    h("h2", {}, "Dormancy notice"),
    !n
      ? h("p", { id: "dormancy-status", "data-status": "none" }, "No dormancy notice on your STK account.")
      : h(
          "div",
          {},
          h(
            "p",
            { id: "dormancy-status", "data-status": n.status.variant },
            pending
              ? `Your STK account ${short(x.ata.toBase58())} was flagged as dormant (reason ${n.reason_code}). Unless you cancel, its ${stk(n.flagged_balance)} may be returned to the community from ${when(n.notice_ends_at)}.`
              : n.status.variant === "Cancelled"
                ? "You cancelled the dormancy notice on your STK account: nothing will be returned."
                : `Notice ${n.status.variant.toLowerCase()}.`,
          ),
          pending
            ? h(
                "div",
                {},
                h(
                  "p",
                  { class: "hint", id: "dormancy-explain" },
                  "Cancelling needs only your signature (and the network fee): it shows you are active, and the notice is marked cancelled.",
                ),
                h(
                  "button",
                  {
                    id: "cancel-dormancy-button",
                    class: "primary",
                    onclick: () => {
                      void send(state, "cancel the dormancy notice (you are active)", () => [
                        instruction(IDLS.stk_treasury, "cancel_dormancy", {
                          owner: x.owner,
                          owner_token_account: x.ata,
                          notice: x.notice,
                        }),
                      ]);
                    },
                  },
                  "Cancel the notice: I am here",
                ),
              )
            : null,
        ),
  );
}

export function renderActions(state: AppState): Node {
  const c = state.connected;
  if (!c) {
    return h("section", { class: "card", id: "actions-need-wallet" }, h("h2", {}, "Stake · claim · buy"), h("p", {}, "Connect your wallet on the Wallet tab first."));
  }
  if (!canSignTransactions(c)) {
    return h("section", { class: "card" }, h("p", {}, `${c.wallet.name} cannot sign transactions.`));
  }
  const body = h("div", { id: "actions-body" }, h("p", {}, "Reading your accounts from the chain…"));
  const outcome = outcomes.get(state);
  load(state)
    .then((x) => {
      replace(body, stakeCard(state, x), grantsCard(state, x), buyCard(state, x), dormancyCard(state, x));
      body.dataset.loaded = String(outcome?.seq ?? 0);
    })
    .catch((e) => {
      replace(body, h("p", { class: "error", id: "actions-error" }, `Could not read the chain: ${(e as Error).message}`));
      body.dataset.loaded = "error";
    });
  return h(
    "div",
    {},
    h("p", { class: "hint" }, `Wallet ${c.account.address} on ${state.config.chain}. Every action shows what it does; your wallet asks you to approve it.`),
    outcome
      ? h(
          "div",
          {
            id: "action-result",
            class: "card",
            "data-outcome": outcome.ok ? "ok" : "error",
            "data-signature": outcome.signature ?? "",
            "data-seq": String(outcome.seq),
          },
          h("p", { class: outcome.ok ? "ok" : "error" }, outcome.text),
          outcome.signature ? h("a", { href: explorer(state, outcome.signature), target: "_blank", rel: "noopener" }, outcome.signature) : null,
        )
      : null,
    body,
  );
}
