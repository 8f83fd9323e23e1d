// The STK members' app: link a wallet, see and verify a month, and (actions.ts) stake, claim,
// buy and cancel a dormancy notice — with the member's own wallet, found through the Wallet
// Standard.
import "./style.css";
import { Connection, PublicKey } from "@solana/web3.js";
import bs58 from "bs58";
import { api, ApiError, memberToken, type Me, type MonthView, type PublicConfig } from "./api";
import { h, replace, short, stk } from "./dom";
import { verifyLine } from "./verify";
import { connect, onWalletsChanged, signMessage, usableWallets, type Connected } from "./wallets";
import { renderActions } from "./actions";

export interface AppState {
  config: PublicConfig;
  connection: Connection;
  me: Me;
  connected: Connected | null;
  month: string | null;
  months: Map<string, MonthView>;
  /** The last link attempt's outcome, shown until the next one. */
  linked: { ok: boolean; text: string } | null;
}

const viewEl = document.getElementById("view")!;
const statusEl = document.getElementById("status")!;
const whoEl = document.getElementById("who")!;

export function say(text: string, kind: "info" | "ok" | "error" = "info"): void {
  statusEl.textContent = text;
  statusEl.dataset.kind = kind;
}

function explain(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

export function explorer(state: AppState, signature: string): string {
  const base = `https://explorer.solana.com/tx/${signature}`;
  const chain = state.config.chain;
  if (chain === "solana:mainnet") return base;
  if (chain === "solana:devnet" || chain === "solana:testnet") return `${base}?cluster=${chain.slice(7)}`;
  return `${base}?cluster=custom&customUrl=${encodeURIComponent(state.config.rpc_url)}`;
}

function txLink(state: AppState, signature: string | null, label: string, id?: string): Node | null {
  if (!signature) return null;
  return h(
    "li",
    {},
    `${label}: `,
    h("a", { href: explorer(state, signature), target: "_blank", rel: "noopener", ...(id ? { id } : {}) }, signature),
  );
}

async function refreshMe(state: AppState): Promise<void> {
  state.me = await api.me();
  replace(whoEl, `member ${state.me.member_id}`, state.me.display_name ? ` · ${state.me.display_name}` : "");
}

// ---- Wallet: link --------------------------------------------------------------------------

function walletInForce(state: AppState): Node {
  const w = state.me.wallet;
  return h(
    "section",
    { class: "card" },
    h("h2", {}, "Wallet in force for the next payout"),
    w
      ? h(
          "p",
          {},
          h("code", { id: "wallet-in-force", "data-address": w.address }, w.address),
          h("br"),
          h("small", {}, `linked ${new Date(w.registered_at).toLocaleString()}`),
        )
      : h(
          "p",
          { id: "wallet-in-force", "data-address": "" },
          "No wallet yet: your STK is kept as pending until you link one.",
        ),
    state.me.pending_open > 0 ? h("p", {}, `Pending for you: ${stk(state.me.pending_open)}`) : null,
    h(
      "p",
      { class: "hint" },
      "The report of a month pays the wallet linked last before the month ends; pending amounts go to the first month with a wallet.",
    ),
  );
}

async function linkConnected(state: AppState): Promise<void> {
  const c = state.connected;
  if (!c) return;
  const address = c.account.address;
  try {
    say("Preparing the message to sign…");
    const challenge = await api.nonce(address);
    say(`Sign the message in ${c.wallet.name}…`);
    const signature = await signMessage(c, new TextEncoder().encode(challenge.message));
    const linked = await api.link(challenge.nonce, address, bs58.encode(signature));
    await refreshMe(state);
    const text = linked.already_in_force
      ? `${short(address)} already was your wallet in force: nothing changed.`
      : `Linked: ${short(address)} receives your STK from the next payout on.`;
    state.linked = { ok: true, text };
    say(text, "ok");
  } catch (e) {
    state.linked = { ok: false, text: `Not linked: ${explain(e)}` };
    say(state.linked.text, "error");
  }
  render(state);
}

function renderLink(state: AppState): Node {
  const outcome = state.linked;
  const result = outcome
    ? h("div", { id: "link-result", "data-outcome": outcome.ok ? "ok" : "error" }, h("p", { class: outcome.ok ? "ok" : "error" }, outcome.text))
    : h("div", { id: "link-result" });
  const wallets = usableWallets();
  const list = h(
    "div",
    { class: "wallets" },
    ...wallets.map((w) =>
      h(
        "button",
        {
          class: "wallet",
          "data-wallet": w.name,
          onclick: async () => {
            try {
              state.connected = await connect(w);
              say(`Connected to ${w.name}: ${state.connected.account.address}`, "ok");
              render(state);
            } catch (e) {
              say(`${w.name} did not connect: ${explain(e)}`, "error");
            }
          },
        },
        h("img", { src: w.icon, alt: "", width: "24", height: "24" }),
        w.name,
      ),
    ),
  );
  const c = state.connected;
  return h(
    "div",
    {},
    walletInForce(state),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Link a wallet"),
      wallets.length
        ? h("p", {}, "Choose your wallet. You will sign a message (no transaction, no fee) that proves the wallet is yours.")
        : h("p", {}, "No wallet found in this browser: install Phantom, Solflare or Backpack, then reload."),
      list,
      c
        ? h(
            "div",
            { class: "connected" },
            h("p", {}, `Connected: ${c.wallet.name} `, h("code", { id: "connected-address" }, c.account.address)),
            h(
              "button",
              { id: "link-button", class: "primary", onclick: () => linkConnected(state) },
              `Link this wallet to member ${state.me.member_id}`,
            ),
          )
        : null,
      result,
    ),
  );
}

// ---- My month ------------------------------------------------------------------------------

async function monthView(state: AppState): Promise<MonthView | null> {
  const month = state.month;
  if (!month) return null;
  const cached = state.months.get(month);
  if (cached) return cached;
  const view = await api.month(state.me.member_id, month);
  state.months.set(month, view);
  return view;
}

function monthPicker(state: AppState): Node {
  return h(
    "label",
    { class: "picker" },
    "Month ",
    h(
      "select",
      {
        id: "month-select",
        onchange: (e: Event) => {
          state.month = (e.target as HTMLSelectElement).value;
          render(state);
        },
      },
      ...state.me.months.map((m) =>
        h("option", { value: m.month, ...(m.month === state.month ? { selected: true } : {}) }, `${m.month}${m.frozen ? "" : " (provisional)"}`),
      ),
    ),
  );
}

function row(label: string, value: Node | string, id?: string): Node {
  return h("tr", {}, h("th", {}, label), h("td", id ? { id } : {}, value));
}

function renderMonthBody(state: AppState, v: MonthView): Node {
  const l = v.line;
  const p = v.payout;
  return h(
    "div",
    {},
    h(
      "p",
      { class: "hint" },
      `Report ${v.report.sha256.slice(0, 16)}… — `,
      v.report.frozen ? "frozen" : "provisional (may still be recomputed)",
      v.report.approved ? ", approved by the operator" : ", not approved yet",
    ),
    l
      ? h(
          "section",
          { class: "card" },
          h("h2", {}, `Your ${v.month}`),
          h(
            "table",
            { class: "facts" },
            row("qualification", l.qualification),
            row("rank at the month's end", String(l.rank_end), "month-rank"),
            row("days paid / active", `${l.days_paid} / ${l.days_active}`, "month-days"),
            row("points", l.points.toLocaleString("en-US"), "month-points"),
            row("credit", (l.credit / 10000).toLocaleString("en-US"), "month-credit"),
            row("allocation", stk(l.allocation), "month-allocation"),
            row("pending carried in", stk(l.pending_in)),
            row("payable", stk(l.payable), "month-payable"),
            row("pending carried out", stk(l.pending_out), "month-pending-out"),
          ),
          h("h3", {}, "Rank per week"),
          h(
            "table",
            { class: "weeks" },
            h("tr", {}, h("th", {}, "week of"), h("th", {}, "rank"), h("th", {}, "paid days"), h("th", {}, "active days")),
            ...l.weeks.map((w) =>
              h(
                "tr",
                {},
                h("td", {}, w.week_start),
                h("td", {}, w.rank_start === w.rank_end ? String(w.rank_end) : `${w.rank_start} → ${w.rank_end}`),
                h("td", {}, String(w.paid_days)),
                h("td", {}, String(w.active_days)),
              ),
            ),
          ),
        )
      : h("section", { class: "card" }, h("p", {}, `The ${v.month} report does not list you: no paying day and nothing pending.`)),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Payout"),
      p
        ? h(
            "div",
            {},
            h(
              "table",
              { class: "facts" },
              row("amount", stk(p.amount), "payout-amount"),
              row("to wallet", h("code", {}, p.wallet)),
              row("token account", h("code", {}, p.token_account)),
              row("batch", `${p.batch_index} (${p.batch_state})`, "payout-batch"),
              row("epoch", p.epoch_state, "payout-epoch-state"),
            ),
            p.carried ? h("p", { class: "error" }, "Not paid by the epoch: carried as pending again.") : null,
            h(
              "ul",
              { class: "txs" },
              txLink(state, p.signature, "payout transaction", "payout-signature"),
              txLink(state, p.open_signature, "epoch opened"),
              txLink(state, p.approve_signature, "plan approved by the admin"),
              txLink(state, p.close_signature, "epoch closed"),
            ),
          )
        : v.exclusion
          ? h("p", { class: "error" }, `Left out of the payout (${stk(v.exclusion.amount)} kept pending): ${v.exclusion.reason}`)
          : h("p", {}, v.report.frozen ? "Nothing paid to you this month." : "Not planned yet: the month is paid after the operator and the admin approve it."),
      v.pending.length
        ? h(
            "ul",
            {},
            ...v.pending.map((x) =>
              h(
                "li",
                {},
                `${stk(x.amount)} from ${x.origin_month}: `,
                x.settled_month ? `settled in ${x.settled_month}` : "still pending",
                x.reason ? ` (${x.reason})` : "",
              ),
            ),
          )
        : null,
    ),
  );
}

function renderMonth(state: AppState): Node {
  const body = h("div", { id: "month-body" }, h("p", {}, "Loading…"));
  monthView(state)
    .then((v) => replace(body, v ? renderMonthBody(state, v) : h("p", {}, "No report yet.")))
    .catch((e) => replace(body, h("p", { class: "error" }, explain(e))));
  return h("div", {}, monthPicker(state), body);
}

// ---- Verify --------------------------------------------------------------------------------

async function runVerify(state: AppState, out: HTMLElement): Promise<void> {
  replace(out, h("p", {}, "Reading the treasury's plan from the chain…"));
  try {
    const v = await monthView(state);
    if (!v?.payout) {
      replace(out, h("p", {}, "There is no payout line to verify for this month."));
      out.dataset.verified = "none";
      return;
    }
    const result = await verifyLine(
      state.connection,
      new PublicKey(state.config.programs.stk_treasury),
      new PublicKey(state.config.mint),
      v.payout.wallet,
      v.payout.proof,
    );
    out.dataset.verified = String(result.ok);
    replace(
      out,
      h(
        "p",
        { class: result.ok ? "ok verdict" : "error verdict" },
        result.ok
          ? `Verified: your ${stk(v.payout.amount)} line is in the plan the admin approved on-chain.`
          : "Does NOT match the plan on-chain: tell the community.",
        result.skipped
          ? " The treasury skipped this line when paying (it stays pending)."
          : result.paid
            ? " The treasury marked your batch paid."
            : " Your batch is not paid yet.",
      ),
      h(
        "ol",
        { class: "checks" },
        ...result.checks.map((c) =>
          h("li", { class: c.ok ? "ok" : "error" }, h("strong", {}, `${c.ok ? "✓" : "✗"} ${c.what}`), h("br"), h("code", {}, c.detail)),
        ),
      ),
    );
    say(result.ok ? "Verified against the chain." : "Verification failed.", result.ok ? "ok" : "error");
  } catch (e) {
    out.dataset.verified = "error";
    replace(out, h("p", { class: "error" }, `Could not verify: ${explain(e)}`));
  }
}

function renderVerify(state: AppState): Node {
  const out = h("div", { id: "verify-result" });
  return h(
    "div",
    {},
    monthPicker(state),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Verify your payout against the chain"),
      h(
        "p",
        {},
        "Your browser recomputes your line's hash from its fields, climbs the Merkle proof to the batch root, reads the root the treasury holds on-chain (the plan the admin approved) and compares. Nothing here trusts this server.",
      ),
      h("button", { id: "verify-button", class: "primary", onclick: () => runVerify(state, out) }, "Verify against the chain"),
      out,
    ),
  );
}

// ---- Shell ---------------------------------------------------------------------------------

type ViewName = "link" | "month" | "verify" | "actions";

function currentView(): ViewName {
  const name = location.pathname.replace(/^\//, "");
  return (["link", "month", "verify", "actions"] as const).find((v) => v === name) ?? "link";
}

export function render(state: AppState): void {
  const view = currentView();
  for (const a of document.querySelectorAll<HTMLAnchorElement>("#tabs a")) {
    a.classList.toggle("active", a.dataset.view === view);
  }
  const node =
    view === "month"
      ? renderMonth(state)
      : view === "verify"
        ? renderVerify(state)
        : view === "actions"
          ? renderActions(state)
          : renderLink(state);
  replace(viewEl, node);
}

async function start(): Promise<void> {
  if (!memberToken()) {
    replace(
      viewEl,
      h(
        "section",
        { class: "card" },
        h("h2", {}, "Open the app from your community link"),
        h("p", {}, "Ask Aisystant for your STK link: it opens this page signed in as your community account."),
      ),
    );
    return;
  }
  try {
    const config = await api.config();
    const state: AppState = {
      config,
      connection: new Connection(config.rpc_url, { commitment: "confirmed" }),
      me: await api.me(),
      connected: null,
      month: null,
      months: new Map(),
      linked: null,
    };
    state.month = state.me.months[0]?.month ?? null;
    await refreshMe(state);
    for (const a of document.querySelectorAll<HTMLAnchorElement>("#tabs a")) {
      a.addEventListener("click", (e) => {
        e.preventDefault();
        history.pushState(null, "", a.getAttribute("href"));
        render(state);
      });
    }
    window.addEventListener("popstate", () => render(state));
    onWalletsChanged(() => render(state));
    render(state);
    document.body.dataset.ready = "true";
  } catch (e) {
    replace(viewEl, h("section", { class: "card" }, h("p", { class: "error" }, explain(e))));
    say(explain(e), "error");
  }
}

void start();
