// Wallet discovery through the Wallet Standard: Phantom, Solflare, Backpack (and the test
// wallet of the end-to-end tests) register themselves; the page lists those that can connect
// and sign messages, and uses their standard features only.
import { getWallets } from "@wallet-standard/app";
import type { Wallet, WalletAccount } from "@wallet-standard/base";
import {
  StandardConnect,
  type StandardConnectFeature,
  StandardDisconnect,
  type StandardDisconnectFeature,
} from "@wallet-standard/features";
import {
  SolanaSignMessage,
  type SolanaSignMessageFeature,
  SolanaSignTransaction,
  type SolanaSignTransactionFeature,
} from "@solana/wallet-standard-features";

export interface Connected {
  wallet: Wallet;
  account: WalletAccount;
}

/** Wallets that can connect and sign a message (what linking needs). */
export function usableWallets(): readonly Wallet[] {
  return getWallets()
    .get()
    .filter((w) => StandardConnect in w.features && SolanaSignMessage in w.features);
}

/** Calls `onChange` whenever a wallet registers or leaves. */
export function onWalletsChanged(onChange: () => void): void {
  const wallets = getWallets();
  wallets.on("register", onChange);
  wallets.on("unregister", onChange);
}

export async function connect(wallet: Wallet): Promise<Connected> {
  const feature = wallet.features[StandardConnect] as StandardConnectFeature[typeof StandardConnect];
  const { accounts } = await feature.connect();
  const account = accounts[0] ?? wallet.accounts[0];
  if (!account) throw new Error(`${wallet.name} gave no account`);
  return { wallet, account };
}

export async function disconnect(c: Connected): Promise<void> {
  const feature = c.wallet.features[StandardDisconnect] as
    | StandardDisconnectFeature[typeof StandardDisconnect]
    | undefined;
  await feature?.disconnect();
}

export async function signMessage(c: Connected, message: Uint8Array): Promise<Uint8Array> {
  const feature = c.wallet.features[SolanaSignMessage] as SolanaSignMessageFeature[typeof SolanaSignMessage];
  const [out] = await feature.signMessage({ account: c.account, message });
  if (!out) throw new Error("the wallet returned no signature");
  return out.signature;
}

export function canSignTransactions(c: Connected): boolean {
  return SolanaSignTransaction in c.wallet.features;
}

/** Has the wallet sign a serialized transaction for `chain`; returns the signed bytes. */
export async function signTransaction(c: Connected, chain: string, tx: Uint8Array): Promise<Uint8Array> {
  const feature = c.wallet.features[SolanaSignTransaction] as
    | SolanaSignTransactionFeature[typeof SolanaSignTransaction]
    | undefined;
  if (!feature) throw new Error(`${c.wallet.name} cannot sign transactions`);
  const [out] = await feature.signTransaction({
    account: c.account,
    transaction: tx,
    chain: chain as `${string}:${string}`,
  });
  if (!out) throw new Error("the wallet returned no transaction");
  return out.signedTransaction;
}
