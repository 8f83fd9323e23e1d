#!/usr/bin/env python3
"""Assembles Anchor IDLs from the output of the programs' `__anchor_private_print_idl` tests.

`cargo test --features idl-build --lib -- __anchor_private_print_idl --show-output` prints each
program's IDL in pieces between `--- IDL begin <kind> ---` / `--- IDL end <kind> ---` markers
(address, program, one per event, errors, constants). This joins them into Anchor's IDL JSON
(spec 0.1.0) exactly as `anchor idl build` does (anchor-lang-idl 0.1.4, `build.rs`): event types
merged with the program's, module paths shortened where unambiguous, lists sorted by name.
Several programs may share one run: each test binary's closing `test result: ok` line ends one
IDL. Only the standard library is used (no Anchor CLI here).

Usage: idl.py OUT_DIR < cargo-test-output    (writes OUT_DIR/<program name>.json)
"""
import json
import os
import re
import sys

ORDER = ["address", "metadata", "docs", "instructions", "accounts", "events", "errors", "types",
         "constants"]
PATH = re.compile(r'"(\w+::)+(\w+)"')


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def convert_module_paths(idl):
    """Replaces "a::b::Name" by "Name" wherever no other path ends in the same name."""
    text = compact(idl)
    acc = text
    for match in PATH.finditer(text):
        path, name = match.group(0), match.group(2)
        replaced = acc.replace(path, f'"{name}"')
        if not re.search(r'"(\w+::)+' + re.escape(name) + '"', replaced):
            acc = replaced
    return json.loads(acc)


def finish(program, address, events, errors, constants, event_types):
    idl = dict(program)
    idl["address"] = address
    idl["events"] = events
    idl["errors"] = errors or []
    idl["constants"] = constants
    types = dict(event_types)
    for ty in program.get("types", []):
        types[ty["name"]] = ty
    idl["types"] = [types[name] for name in sorted(types)]
    idl = convert_module_paths(idl)
    for key in ("accounts", "constants", "events", "instructions", "types"):
        if key in idl:
            idl[key] = sorted(idl[key], key=lambda item: item["name"])
    # Anchor skips empty optional lists when it serializes; keep its field order.
    return {k: idl[k] for k in ORDER if k in idl and (idl[k] or k in ("address", "metadata",
                                                                           "instructions"))}


def assemble(lines):
    idls = []
    state, buf = None, []
    address, events, errors, constants, event_types, program = "", [], None, [], {}, None
    for line in lines:
        line = line.rstrip("\n")
        if state is None:
            begin = re.fullmatch(r"--- IDL begin (\w+) ---", line)
            if begin:
                state, buf = begin.group(1), []
            elif line.startswith("test result: ok") and not line.startswith(
                    "test result: ok. 0 passed; 0 failed; 0"):
                if program is not None:
                    idls.append(finish(program, address, events, errors, constants, event_types))
                address, events, errors, constants, event_types, program = "", [], None, [], {}, None
            continue
        if state == "address":
            address = re.sub(r"[^0-9A-Za-z]", "", line)
            state = None
            continue
        if line != f"--- IDL end {state} ---":
            buf.append(line)
            continue
        piece = json.loads("\n".join(buf))
        if state == "program":
            program = piece
        elif state == "event":
            events.append(piece["event"])
            for ty in piece["types"]:
                event_types[ty["name"]] = ty
        elif state == "errors":
            if errors is not None:
                sys.exit("multiple error definitions in one program")
            errors = piece
        elif state == "const":
            constants.append(piece)
        state = None
    if state is not None:
        sys.exit(f"unterminated IDL piece {state!r}")
    return idls


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    idls = assemble(sys.stdin)
    if not idls:
        sys.exit("no IDL in the input (did the idl-build tests run?)")
    os.makedirs(out, exist_ok=True)
    for idl in idls:
        name = idl["metadata"]["name"]
        if not idl["address"]:
            sys.exit(f"{name}: no address printed")
        with open(os.path.join(out, f"{name}.json"), "w", encoding="utf-8") as f:
            f.write(json.dumps(idl, indent=2, ensure_ascii=False) + "\n")
        print(f"{name}: {len(idl['instructions'])} instructions, "
              f"{len(idl.get('accounts', []))} accounts, {len(idl.get('events', []))} events, "
              f"{len(idl.get('errors', []))} errors", file=sys.stderr)


if __name__ == "__main__":
    main()
