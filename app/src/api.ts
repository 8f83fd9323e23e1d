// The distributor's JSON API (`distributor serve`). The member token comes from the link the
// community sent (`/#member=<token>`); it is kept for this tab only and sent as a bearer token.

export interface PublicConfig {
  rpc_url: string;
  chain: string;
  domain: string;
  mint: string;
  programs: {
    stk_mint: string;
    stk_treasury: string;
    stk_vesting: string;
    stk_staking: string;
    stk_startup_fund: string;
  };
}

export interface Me {
  member_id: number;
  display_name: string;
  subscribed: boolean;
  wallet: { address: string; registered_at: string } | null;
  pending_open: number;
  months: { month: string; frozen: boolean }[];
}

export interface Week {
  week_start: string;
  rank_start: number;
  rank_end: number;
  paid_days: number;
  active_days: number;
  evaluated: boolean;
}

export interface Line {
  qualification: string;
  rank_end: number;
  days_paid: number;
  days_active: number;
  points: number;
  credit: number;
  allocation: number;
  pending_in: number;
  payable: number;
  pending_out: number;
  wallet: string | null;
  weeks: Week[];
}

export interface Proof {
  leaf: {
    month_id: number;
    batch: number;
    position: number;
    token_account: string;
    amount: number;
    hash: string;
  };
  siblings: string[];
  batch_root: string;
  plan_page: string;
  page: number;
  entry: number;
}

export interface Payout {
  epoch_state: string;
  plan_hash: string | null;
  epoch: string;
  open_signature: string | null;
  approve_signature: string | null;
  close_signature: string | null;
  wallet: string;
  token_account: string;
  amount: number;
  batch_index: number;
  batch_state: string;
  signature: string | null;
  carried: boolean;
  proof: Proof;
}

export interface MonthView {
  member_id: number;
  month: string;
  month_id: number;
  report: { sha256: string; frozen: boolean; approved: boolean; computed_at: string };
  line: Line | null;
  pending: { origin_month: string; amount: number; settled_month: string | null; reason: string | null }[];
  payout: Payout | null;
  exclusion: { wallet: string; amount: number; reason: string } | null;
}

export interface NonceReply {
  member_id: number;
  address: string;
  nonce: string;
  domain: string;
  message: string;
  issued_at: string;
  expires_at: string;
}

export interface LinkReply {
  member_id: number;
  address: string;
  registered_at: string;
  wallet_id: number | null;
  already_in_force: boolean;
}

/** A refusal of the API, with its stable code and the words to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = "stk-member-token";

/** Takes the token from `#member=…` (then removes it from the address bar) or this tab's storage. */
export function memberToken(): string | null {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
  const fromLink = hash.get("member");
  if (fromLink) {
    sessionStorage.setItem(TOKEN_KEY, fromLink);
    history.replaceState(null, "", location.pathname + location.search);
    return fromLink;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const token = memberToken();
  const headers = new Headers(init.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  const response = await fetch(path, { ...init, headers });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(response.status, "not_json", `the server answered ${response.status}: ${text.slice(0, 200)}`);
  }
  if (!response.ok) {
    const b = body as { error?: string; message?: string };
    throw new ApiError(response.status, b.error ?? "error", b.message ?? `HTTP ${response.status}`);
  }
  return body as T;
}

export const api = {
  config: () => call<PublicConfig>("/api/config"),
  me: () => call<Me>("/api/me"),
  nonce: (address: string) => call<NonceReply>(`/api/link/nonce?address=${encodeURIComponent(address)}`),
  link: (nonce: string, address: string, signature: string) =>
    call<LinkReply>("/api/link", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ nonce, address, signature }),
    }),
  month: (member: number, month: string) => call<MonthView>(`/api/members/${member}/months/${month}`),
};
