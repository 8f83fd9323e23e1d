// The chain arithmetic the page announces before the wallet signs, exactly as the programs
// compute it: the cluster's clock (the Clock sysvar), Token-2022's transfer fee (the mint's
// TransferFeeConfig extension), what a grant has vested (`stk_vesting::curve`) and the staking
// rewards a position could claim now (`stk_staking::rewards`). No DOM: the tests import it.

import type { PublicKey } from "@solana/web3.js";

/** `stk_staking::rewards::ACC_SCALE`. */
const ACC_SCALE = 1_000_000_000_000_000_000n;

export interface LockOption {
  duration_seconds: bigint;
  multiplier_bps: number;
}

export interface Pool {
  mint: PublicKey;
  stake_vault: PublicKey;
  reward_vault: PublicKey;
  rewards: {
    reward_rate: bigint;
    last_update_ts: bigint;
    total_weight: bigint;
    acc_reward_per_weight: bigint;
    acc_remainder: bigint;
    unreleased: bigint;
  };
  total_staked: bigint;
  lock_option_count: number;
  lock_options: LockOption[];
}

export interface Position {
  amount: bigint;
  lock_option: number;
  multiplier_bps: number;
  lock_end_ts: bigint;
  weight: bigint;
  weight_seconds: bigint;
  last_touch_ts: bigint;
  rewards: { acc_checkpoint: bigint; fraction: bigint; pending: bigint };
  total_claimed: bigint;
}

export interface Grant {
  grant_id: PublicKey;
  authority: PublicKey;
  beneficiary: PublicKey;
  mint: PublicKey;
  vault: PublicKey;
  schedule: { start: bigint; cliff: bigint; end: bigint; period: bigint };
  total: bigint;
  claimed: bigint;
  revoked_at: bigint | null;
}

/** A Token-2022 transfer fee in force. */
export interface TransferFee {
  bps: number;
  max: bigint;
}

/** A little-endian 64-bit integer at `at`. */
export function le64(data: Uint8Array, at: number, signed = false): bigint {
  const view = new DataView(data.buffer, data.byteOffset + at, 8);
  return signed ? view.getBigInt64(0, true) : view.getBigUint64(0, true);
}

/** The Clock sysvar's `unix_timestamp` and `epoch`. */
export function clockOf(data: Uint8Array): { now: bigint; epoch: bigint } {
  return { now: le64(data, 32, true), epoch: le64(data, 16) };
}

/**
 * The transfer fee in force at `epoch` from a Token-2022 mint's TransferFeeConfig extension
 * (type 1: two authorities, the withheld amount, then the older and the newer fee, each epoch
 * u64, maximum u64, basis points u16); `null` without the extension.
 */
export function transferFeeOf(mint: Uint8Array, epoch: bigint): TransferFee | null {
  const BASE = 165; // account-type byte after the mint, padded to a token account's length
  if (mint.length <= BASE) return null;
  const view = new DataView(mint.buffer, mint.byteOffset, mint.length);
  for (let at = BASE + 1; at + 4 <= mint.length; ) {
    const type = view.getUint16(at, true);
    const len = view.getUint16(at + 2, true);
    if (type === 1 && len >= 108) {
      const fee = (o: number) => ({
        epoch: view.getBigUint64(at + 4 + o, true),
        max: view.getBigUint64(at + 4 + o + 8, true),
        bps: view.getUint16(at + 4 + o + 16, true),
      });
      const older = fee(72);
      const newer = fee(90);
      const f = epoch >= newer.epoch ? newer : older;
      return { bps: f.bps, max: f.max };
    }
    if (type === 0) break;
    at += 4 + len;
  }
  return null;
}

/** Token-2022's fee on a transfer of `amount`: ⌈amount·bps/10 000⌉, at most the maximum. */
export function feeOn(fee: TransferFee | null, amount: bigint): bigint {
  if (!fee || fee.bps === 0 || amount === 0n) return 0n;
  const raw = (amount * BigInt(fee.bps) + 9_999n) / 10_000n;
  return raw > fee.max ? fee.max : raw;
}

/** What a grant has vested at `now` (`stk_vesting::curve`: whole periods after the cliff). */
export function vested(g: Grant, now: bigint): bigint {
  const s = g.schedule;
  const until = g.revoked_at !== null && g.revoked_at < now ? g.revoked_at : now;
  if (until < s.cliff) return 0n;
  if (until >= s.end) return g.total;
  const elapsed = until - s.start;
  if (elapsed <= 0n || s.period <= 0n) return 0n;
  return (g.total * ((elapsed / s.period) * s.period)) / (s.end - s.start);
}

/**
 * The rewards a position could claim at `now`: the pool's stream released up to `now`
 * (`RewardStream::accrue`) and the position settled against it (`RewardCheckpoint::settle`).
 */
export function claimableRewards(pool: Pool, p: Position, now: bigint): bigint {
  const r = pool.rewards;
  let acc = r.acc_reward_per_weight;
  if (now > r.last_update_ts && r.total_weight > 0n && r.reward_rate > 0n && r.unreleased > 0n) {
    let due = r.reward_rate * (now - r.last_update_ts);
    if (due > r.unreleased) due = r.unreleased;
    acc += (due * ACC_SCALE + r.acc_remainder) / r.total_weight;
  }
  const delta = acc - p.rewards.acc_checkpoint;
  const earned = p.weight * (delta / ACC_SCALE) + (p.weight * (delta % ACC_SCALE) + p.rewards.fraction) / ACC_SCALE;
  return p.rewards.pending + earned;
}
