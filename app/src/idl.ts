// Instructions and accounts from the committed Anchor IDLs (idl/*.json, generated from the
// programs by scripts/idl.sh): discriminators, account order and flags, Borsh encoding of the
// arguments and decoding of accounts all come from those files, so the page builds exactly what
// the programs expect and breaks loudly (a missing account, an unknown type) if they change.
import { PublicKey, TransactionInstruction } from "@solana/web3.js";
import { Buffer } from "buffer";
import staking from "../../idl/stk_staking.json";
import treasury from "../../idl/stk_treasury.json";
import vesting from "../../idl/stk_vesting.json";

type IdlType =
  | string
  | { array: [IdlType, number] }
  | { vec: IdlType }
  | { option: IdlType }
  | { defined: { name: string } };

interface IdlField {
  name: string;
  type: IdlType;
}

interface IdlAccountItem {
  name: string;
  writable?: boolean;
  signer?: boolean;
  address?: string;
  accounts?: IdlAccountItem[];
}

interface IdlTypeDef {
  name: string;
  type: { kind: "struct"; fields?: IdlField[] } | { kind: "enum"; variants: { name: string; fields?: IdlField[] }[] };
}

export interface Idl {
  address: string;
  metadata: { name: string };
  instructions: { name: string; discriminator: number[]; accounts: IdlAccountItem[]; args: IdlField[] }[];
  accounts?: { name: string; discriminator: number[] }[];
  types?: IdlTypeDef[];
  errors?: { code: number; name: string; msg?: string }[];
}

export const IDLS = {
  stk_staking: staking as unknown as Idl,
  stk_vesting: vesting as unknown as Idl,
  stk_treasury: treasury as unknown as Idl,
};

export type Value = bigint | number | boolean | PublicKey | Uint8Array | Value[] | { [k: string]: Value } | null;

function typeDef(idl: Idl, name: string): IdlTypeDef {
  const t = idl.types?.find((d) => d.name === name);
  if (!t) throw new Error(`${idl.metadata.name}: no type ${name} in the IDL`);
  return t;
}

const INTS: Record<string, number> = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, u64: 8, i64: 8, u128: 16, i128: 16 };

class Writer {
  bytes: number[] = [];
  int(v: bigint | number, size: number, signed: boolean): void {
    let x = BigInt(v);
    const bits = BigInt(size * 8);
    const min = signed ? -(1n << (bits - 1n)) : 0n;
    const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
    if (x < min || x > max) throw new Error(`${v} does not fit in ${signed ? "i" : "u"}${size * 8}`);
    if (x < 0n) x += 1n << bits;
    for (let i = 0; i < size; i++) {
      this.bytes.push(Number(x & 0xffn));
      x >>= 8n;
    }
  }
}

function encode(idl: Idl, type: IdlType, value: Value, w: Writer): void {
  if (typeof type === "string") {
    if (type in INTS) return w.int(value as bigint, INTS[type], type.startsWith("i"));
    if (type === "bool") return w.int(value ? 1 : 0, 1, false);
    if (type === "pubkey") return void w.bytes.push(...(value as PublicKey).toBytes());
    throw new Error(`unsupported IDL type ${type}`);
  }
  if ("array" in type) {
    const [inner, len] = type.array;
    const items = Array.from(value as ArrayLike<Value>);
    if (items.length !== len) throw new Error(`expected ${len} items, got ${items.length}`);
    for (const item of items) encode(idl, inner, item, w);
    return;
  }
  if ("vec" in type) {
    const items = Array.from(value as ArrayLike<Value>);
    w.int(items.length, 4, false);
    for (const item of items) encode(idl, type.vec, item, w);
    return;
  }
  if ("option" in type) {
    if (value === null || value === undefined) return w.int(0, 1, false);
    w.int(1, 1, false);
    return encode(idl, type.option, value, w);
  }
  const def = typeDef(idl, type.defined.name);
  if (def.type.kind !== "struct") throw new Error(`enum arguments are not supported (${def.name})`);
  const obj = value as { [k: string]: Value };
  for (const f of def.type.fields ?? []) encode(idl, f.type, obj[f.name], w);
}

class Reader {
  at = 0;
  constructor(readonly data: Uint8Array) {}
  int(size: number, signed: boolean): bigint {
    if (this.at + size > this.data.length) throw new Error("account data too short for its IDL layout");
    let x = 0n;
    for (let i = size - 1; i >= 0; i--) x = (x << 8n) | BigInt(this.data[this.at + i]);
    this.at += size;
    const bits = BigInt(size * 8);
    return signed && x >= 1n << (bits - 1n) ? x - (1n << bits) : x;
  }
  take(n: number): Uint8Array {
    if (this.at + n > this.data.length) throw new Error("account data too short for its IDL layout");
    const out = this.data.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

function decode(idl: Idl, type: IdlType, r: Reader): Value {
  if (typeof type === "string") {
    if (type in INTS) {
      // Integers of up to 32 bits are numbers (exact in a double), wider ones bigints.
      const v = r.int(INTS[type], type.startsWith("i"));
      return INTS[type] <= 4 ? Number(v) : v;
    }
    if (type === "bool") return r.int(1, false) !== 0n;
    if (type === "pubkey") return new PublicKey(r.take(32));
    throw new Error(`unsupported IDL type ${type}`);
  }
  if ("array" in type) {
    const [inner, len] = type.array;
    if (inner === "u8") return Uint8Array.from(r.take(len));
    return Array.from({ length: len }, () => decode(idl, inner, r));
  }
  if ("vec" in type) {
    const n = Number(r.int(4, false));
    return Array.from({ length: n }, () => decode(idl, type.vec, r));
  }
  if ("option" in type) return r.int(1, false) === 0n ? null : decode(idl, type.option, r);
  const def = typeDef(idl, type.defined.name);
  if (def.type.kind === "enum") {
    const i = Number(r.int(1, false));
    const variant = def.type.variants[i];
    if (!variant) throw new Error(`${def.name}: no variant ${i}`);
    if (variant.fields?.length) throw new Error(`${def.name}: enum variants with fields are not supported`);
    return { variant: variant.name } as unknown as Value;
  }
  const out: { [k: string]: Value } = {};
  for (const f of def.type.fields ?? []) out[f.name] = decode(idl, f.type, r);
  return out;
}

/**
 * Decodes an account of type `name` (checks its discriminator): u8..u32 and i8..i32 as numbers,
 * u64/i64/u128/i128 as bigints, `[u8; N]` as a Uint8Array, a field-less enum as `{ variant }`.
 */
export function decodeAccount<T>(idl: Idl, name: string, data: Uint8Array): T {
  const acc = idl.accounts?.find((a) => a.name === name);
  if (!acc) throw new Error(`${idl.metadata.name}: no account ${name} in the IDL`);
  if (!acc.discriminator.every((b, i) => data[i] === b)) throw new Error(`not a ${name} account`);
  return decode(idl, { defined: { name } }, new Reader(data.subarray(8))) as T;
}

/** The instruction's flattened account list (nested account groups in order). */
function flatten(items: IdlAccountItem[], prefix = ""): (IdlAccountItem & { path: string })[] {
  return items.flatMap((a) => (a.accounts ? flatten(a.accounts, `${prefix}${a.name}.`) : [{ ...a, path: `${prefix}${a.name}` }]));
}

/**
 * Builds `name` of `idl` with `accounts` (by IDL name, or `group.name` for a nested group; fixed
 * addresses of the IDL are filled in) and `args` (by IDL name).
 */
export function instruction(
  idl: Idl,
  name: string,
  accounts: Record<string, PublicKey>,
  args: Record<string, Value> = {},
): TransactionInstruction {
  const ix = idl.instructions.find((i) => i.name === name);
  if (!ix) throw new Error(`${idl.metadata.name}: no instruction ${name} in the IDL`);
  const keys = flatten(ix.accounts).map((a) => {
    const pubkey = accounts[a.path] ?? accounts[a.name] ?? (a.address ? new PublicKey(a.address) : undefined);
    if (!pubkey) throw new Error(`${name}: account ${a.path} is missing`);
    return { pubkey, isSigner: !!a.signer, isWritable: !!a.writable };
  });
  const w = new Writer();
  w.bytes.push(...ix.discriminator);
  for (const arg of ix.args) {
    if (!(arg.name in args)) throw new Error(`${name}: argument ${arg.name} is missing`);
    encode(idl, arg.type, args[arg.name], w);
  }
  return new TransactionInstruction({ programId: new PublicKey(idl.address), keys, data: Buffer.from(w.bytes) });
}

/**
 * The program error of a refused transaction in words — `Name: message` from the IDL of the
 * program that failed (the custom error code, decimal in a confirmed error, hex in a preflight
 * refusal), else Anchor's own log line, else the raw error.
 */
export function explainError(err: unknown, logs: string[] = [], programs: PublicKey[] = []): string {
  const text = typeof err === "string" ? err : err instanceof Error ? err.message : (JSON.stringify(err) ?? String(err));
  const all = [text, ...logs].join("\n");
  const dec = /"Custom":(\d+)/.exec(all);
  const hexCode = /custom program error: 0x([0-9a-fA-F]+)/.exec(all);
  const code = dec ? Number(dec[1]) : hexCode ? parseInt(hexCode[1], 16) : null;
  if (code !== null) {
    const candidates = Object.values(IDLS).filter(
      (idl) => programs.some((p) => p.toBase58() === idl.address) || all.includes(idl.address),
    );
    for (const idl of [...candidates, ...Object.values(IDLS)]) {
      const e = idl.errors?.find((x) => x.code === code);
      if (e) return `${e.name}: ${e.msg ?? ""}`.trim();
    }
  }
  const anchor = /Error Code: (\w+)\. Error Number: \d+\. Error Message: ([^"\n]+)/.exec(all);
  if (anchor) return `${anchor[1]}: ${anchor[2]}`;
  return text;
}
