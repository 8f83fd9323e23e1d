// The page's chain arithmetic (src/chain.ts) and account decoding (src/idl.ts) against
// independent references: @solana/spl-token's Token-2022 layouts and fee rule, the vesting
// curve of stk_vesting (written out here), a StakePosition laid out by hand from the program's
// field order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { build } from "esbuild";
import { Keypair, PublicKey } from "@solana/web3.js";
import {
  ExtensionType,
  MintLayout,
  TOKEN_2022_PROGRAM_ID,
  TransferFeeConfigLayout,
  calculateFee,
  getEpochFee,
  getTransferFeeConfig,
  unpackMint,
} from "@solana/spl-token";

const dir = join(new URL(".", import.meta.url).pathname, "..", "e2e", ".build");
for (const name of ["chain", "idl"]) {
  await build({
    entryPoints: [new URL(`../src/${name}.ts`, import.meta.url).pathname],
    bundle: true,
    format: "esm",
    platform: "node",
    outfile: join(dir, `${name}.mjs`),
    external: ["@solana/web3.js", "buffer"],
    logLevel: "error",
  });
}
const chain = await import(join(dir, "chain.mjs"));
const idl = await import(join(dir, "idl.mjs"));

/** A Token-2022 mint with a metadata pointer, then a transfer-fee config (as `distributor init` makes). */
function mintWithFee(older, newer) {
  const base = Buffer.alloc(MintLayout.span);
  MintLayout.encode(
    {
      mintAuthorityOption: 0,
      mintAuthority: PublicKey.default,
      supply: 0n,
      decimals: 6,
      isInitialized: true,
      freezeAuthorityOption: 0,
      freezeAuthority: PublicKey.default,
    },
    base,
  );
  const tlv = (type, data) => {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(type, 0);
    head.writeUInt16LE(data.length, 2);
    return Buffer.concat([head, data]);
  };
  const fee = Buffer.alloc(TransferFeeConfigLayout.span);
  TransferFeeConfigLayout.encode(
    {
      transferFeeConfigAuthority: Keypair.generate().publicKey,
      withdrawWithheldAuthority: Keypair.generate().publicKey,
      withheldAmount: 7n,
      olderTransferFee: older,
      newerTransferFee: newer,
    },
    fee,
  );
  return Buffer.concat([
    base,
    Buffer.alloc(165 - base.length),
    Buffer.from([1]), // account type: mint
    tlv(ExtensionType.MetadataPointer, Buffer.alloc(64, 3)),
    tlv(ExtensionType.TransferFeeConfig, fee),
  ]);
}

test("the transfer fee is read from the mint and computed as Token-2022 does", () => {
  const older = { epoch: 0n, maximumFee: 10_000_000n, transferFeeBasisPoints: 50 };
  const newer = { epoch: 5n, maximumFee: 3_000n, transferFeeBasisPoints: 120 };
  const data = mintWithFee(older, newer);
  const reference = getTransferFeeConfig(
    unpackMint(Keypair.generate().publicKey, { data, owner: TOKEN_2022_PROGRAM_ID, lamports: 1, executable: false }, TOKEN_2022_PROGRAM_ID),
  );
  for (const epoch of [0n, 4n, 5n, 9n]) {
    const fee = chain.transferFeeOf(data, epoch);
    const expected = getEpochFee(reference, epoch);
    assert.deepEqual(fee, { bps: expected.transferFeeBasisPoints, max: expected.maximumFee }, `epoch ${epoch}`);
    for (const amount of [0n, 1n, 199n, 200n, 1_000_000n, 2_500_001n, 10_000_000_000n]) {
      assert.equal(chain.feeOn(fee, amount), calculateFee(expected, amount), `epoch ${epoch}, amount ${amount}`);
    }
  }
  assert.equal(chain.transferFeeOf(data.subarray(0, 82), 0n), null, "a mint without extensions has no fee");
  assert.equal(chain.feeOn(null, 1_000n), 0n);
});

test("vesting: nothing before the cliff, whole periods after it, everything at the end, frozen at a revocation", () => {
  const DAY = 86_400n;
  const g = { total: 3_000_000n, claimed: 0n, revoked_at: null, schedule: { start: 1_000n, cliff: 1_000n + DAY, end: 1_000n + 3n * DAY, period: DAY } };
  assert.equal(chain.vested(g, 999n), 0n);
  assert.equal(chain.vested(g, 1_000n + DAY - 1n), 0n, "before the cliff");
  assert.equal(chain.vested(g, 1_000n + DAY), 1_000_000n);
  assert.equal(chain.vested(g, 1_000n + 2n * DAY - 1n), 1_000_000n, "whole periods only");
  assert.equal(chain.vested(g, 1_000n + 2n * DAY), 2_000_000n);
  assert.equal(chain.vested(g, 1_000n + 3n * DAY), 3_000_000n);
  assert.equal(chain.vested({ ...g, revoked_at: 1_000n + DAY + 5n }, 1_000n + 3n * DAY), 1_000_000n, "revoked");
});

test("the rewards claimable now: the stream released since the pool's last update, settled for the position", () => {
  const SCALE = 10n ** 18n;
  const pool = { rewards: { reward_rate: 1_000n, last_update_ts: 100n, total_weight: 3_000n, acc_reward_per_weight: 5n * SCALE, acc_remainder: 0n, unreleased: 1_000_000n } };
  const position = { weight: 1_000n, rewards: { acc_checkpoint: 5n * SCALE, fraction: 0n, pending: 42n } };
  // 10 s at 1,000 a second shared by weight 1,000 of 3,000: a third of 10,000.
  assert.equal(chain.claimableRewards(pool, position, 110n), 42n + 3_333n);
  assert.equal(chain.claimableRewards(pool, position, 100n), 42n, "no time, nothing new");
  // The stream stops at what was funded.
  const short = { rewards: { ...pool.rewards, unreleased: 3_000n } };
  assert.equal(chain.claimableRewards(short, position, 1_000n), 42n + 1_000n);
});

test("accounts decode from the IDL: up to 32-bit integers as numbers, wider ones as bigints", () => {
  const position = idl.IDLS.stk_staking.accounts.find((a) => a.name === "StakePosition");
  const le = (v, n) => {
    const b = Buffer.alloc(n);
    let x = BigInt(v);
    for (let i = 0; i < n; i++) {
      b[i] = Number(x & 0xffn);
      x >>= 8n;
    }
    return b;
  };
  const pool = Keypair.generate().publicKey;
  const owner = Keypair.generate().publicKey;
  const data = Buffer.concat([
    Buffer.from(position.discriminator),
    pool.toBuffer(),
    owner.toBuffer(),
    le(995_000, 8), // amount
    le(1, 1), // lock_option
    le(12_500, 4), // multiplier_bps
    le(1_800_000_000, 8), // lock_end_ts
    le(1_243_750, 8), // weight
    le(2n ** 100n, 16), // weight_seconds
    le(1_792_224_000, 8), // last_touch_ts
    le(7, 16), // rewards.acc_checkpoint
    le(8, 16), // rewards.fraction
    le(9, 8), // rewards.pending
    le(10, 8), // total_claimed
    le(1_792_224_000, 8), // opened_ts
    le(254, 1), // bump
  ]);
  const p = idl.decodeAccount(idl.IDLS.stk_staking, "StakePosition", data);
  assert.ok(p.pool.equals(pool) && p.owner.equals(owner));
  assert.equal(p.amount, 995_000n);
  assert.equal(p.lock_option, 1);
  assert.equal(p.multiplier_bps, 12_500);
  assert.equal(p.lock_end_ts, 1_800_000_000n);
  assert.equal(p.weight_seconds, 2n ** 100n);
  assert.deepEqual(p.rewards, { acc_checkpoint: 7n, fraction: 8n, pending: 9n });
  assert.equal(p.bump, 254);
  assert.throws(() => idl.decodeAccount(idl.IDLS.stk_staking, "StakingPool", data), /not a StakingPool account/);
});
