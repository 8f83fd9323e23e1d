// A client the community did not write reads STK over the localnet's JSON-RPC: the calls
// Phantom's and Solflare's token lists make through @solana/web3.js 1.x and
// @solana/spl-token 0.4 (mint with its Token-2022 extensions, the metadata in the mint, token
// accounts by owner), then one wallet sends STK to another and pays the transfer fee.
//
// Needs a running, initialized localnet with one month paid (scripts/test.sh sets it up):
//   STK_RPC_URL              the localnet's JSON-RPC URL
//   STK_MINT                 the STK mint (printed by `distributor init`)
//   STK_PERMANENT_DELEGATE   the permanent delegate PDA (printed by `distributor init`)
//   STK_METADATA_URI         the URI given to `distributor init`
//   STK_WALLET_A             keypair file of a paid member's wallet (holds SOL for fees)
//   STK_WALLET_A_BALANCE     what that wallet was paid (base units)
//   STK_WALLET_B             keypair file of a second wallet (may hold nothing)
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Connection, Keypair, PublicKey, Transaction, sendAndConfirmTransaction } from "@solana/web3.js";
import {
  TOKEN_2022_PROGRAM_ID,
  createAssociatedTokenAccountIdempotentInstruction,
  createTransferCheckedInstruction,
  getAccount,
  getAssociatedTokenAddressSync,
  getMetadataPointerState,
  getMint,
  getPermanentDelegate,
  getTokenMetadata,
  getTransferFeeAmount,
  getTransferFeeConfig,
} from "@solana/spl-token";

function required(name) {
  const value = process.env[name];
  assert.ok(value, `${name} must be set (scripts/test.sh sets it)`);
  return value;
}

const connection = new Connection(required("STK_RPC_URL"), "confirmed");
const mint = new PublicKey(required("STK_MINT"));
const keypair = (name) =>
  Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(required(name), "utf8"))));
// `distributor init`'s defaults: 50 basis points, at most 10 STK per transfer.
const FEE_BPS = 50;
const MAX_FEE = 10_000_000n;

test("the mint reads as a wallet reads it: SysTok, STK, URI, decimals, fee, delegate, no freeze", async () => {
  const info = await connection.getAccountInfo(mint);
  assert.ok(info, "the mint exists");
  assert.ok(info.owner.equals(TOKEN_2022_PROGRAM_ID), "owned by Token-2022");

  const state = await getMint(connection, mint, "confirmed", TOKEN_2022_PROGRAM_ID);
  assert.equal(state.decimals, 6);
  assert.equal(state.freezeAuthority, null, "no freeze authority");
  assert.ok(state.mintAuthority, "minted by its PDA authority");
  assert.ok(state.supply > 0n, "genesis and a quarter are minted");

  const metadata = await getTokenMetadata(connection, mint, "confirmed", TOKEN_2022_PROGRAM_ID);
  assert.equal(metadata.name, "SysTok");
  assert.equal(metadata.symbol, "STK");
  assert.equal(metadata.uri, required("STK_METADATA_URI"));
  assert.ok(metadata.mint.equals(mint));

  const pointer = getMetadataPointerState(state);
  assert.ok(pointer.metadataAddress.equals(mint), "metadata lives in the mint itself");

  const fee = getTransferFeeConfig(state);
  assert.equal(fee.newerTransferFee.transferFeeBasisPoints, FEE_BPS);
  assert.equal(fee.newerTransferFee.maximumFee, MAX_FEE);

  const delegate = getPermanentDelegate(state);
  assert.ok(delegate.delegate.equals(new PublicKey(required("STK_PERMANENT_DELEGATE"))));
});

test("a member's balance by owner, as wallets list tokens", async () => {
  const owner = keypair("STK_WALLET_A").publicKey;
  const expected = BigInt(required("STK_WALLET_A_BALANCE"));
  const parsed = await connection.getParsedTokenAccountsByOwner(owner, { mint });
  assert.equal(parsed.value.length, 1, "one STK account: the associated one");
  const [{ pubkey, account }] = parsed.value;
  assert.ok(pubkey.equals(getAssociatedTokenAddressSync(mint, owner, false, TOKEN_2022_PROGRAM_ID)));
  const info = account.data.parsed.info;
  assert.equal(account.data.program, "spl-token-2022");
  assert.equal(info.mint, mint.toBase58());
  assert.equal(info.owner, owner.toBase58());
  assert.equal(BigInt(info.tokenAmount.amount), expected);
  assert.equal(info.tokenAmount.decimals, 6);
  assert.equal(info.state, "initialized");

  const byProgram = await connection.getTokenAccountsByOwner(owner, { programId: TOKEN_2022_PROGRAM_ID });
  assert.ok(byProgram.value.some((a) => a.pubkey.equals(pubkey)));
});

test("a wallet sends STK to another and the fee is withheld at the recipient", async () => {
  const sender = keypair("STK_WALLET_A");
  const recipient = keypair("STK_WALLET_B").publicKey;
  const from = getAssociatedTokenAddressSync(mint, sender.publicKey, false, TOKEN_2022_PROGRAM_ID);
  const to = getAssociatedTokenAddressSync(mint, recipient, false, TOKEN_2022_PROGRAM_ID);
  const before = (await getAccount(connection, from, "confirmed", TOKEN_2022_PROGRAM_ID)).amount;
  const amount = before / 3n;
  assert.ok(amount > 0n, "the sender was paid");
  // Token-2022 rounds the fee up and caps it.
  let fee = (amount * BigInt(FEE_BPS) + 9_999n) / 10_000n;
  if (fee > MAX_FEE) fee = MAX_FEE;

  const tx = new Transaction().add(
    createAssociatedTokenAccountIdempotentInstruction(
      sender.publicKey, to, recipient, mint, TOKEN_2022_PROGRAM_ID,
    ),
    createTransferCheckedInstruction(
      from, mint, to, sender.publicKey, amount, 6, [], TOKEN_2022_PROGRAM_ID,
    ),
  );
  await sendAndConfirmTransaction(connection, tx, [sender], { commitment: "confirmed" });

  const after = await getAccount(connection, from, "confirmed", TOKEN_2022_PROGRAM_ID);
  assert.equal(after.amount, before - amount);
  const received = await getAccount(connection, to, "confirmed", TOKEN_2022_PROGRAM_ID);
  assert.equal(received.amount, amount - fee);
  assert.equal(getTransferFeeAmount(received).withheldAmount, fee);
  assert.ok(received.owner.equals(recipient));
});
