#!/usr/bin/env python3
"""Draws the STK logo: assets/logo.svg and assets/logo-512.png from one geometry.

A navy disc with three gold bars stacked like steps (a community climbing ranks). The PNG is
rendered here with the standard library only (4x4 supersampling for smooth edges), so the
two files always show the same picture. Run from the repository root; commit both outputs.
"""
import os
import struct
import zlib

SIZE = 512
DISC = (256, 256, 240)  # cx, cy, r
NAVY = (0x12, 0x35, 0x5B)
GOLD = (0xF5, 0xB7, 0x00)
# x0, y0, x1, y1, corner radius
BARS = [(196, 150, 316, 198, 16), (160, 232, 352, 280, 16), (124, 314, 388, 362, 16)]


def svg():
    cx, cy, r = DISC
    bars = "\n".join(
        f'  <rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="{rr}" fill="#{GOLD[0]:02X}{GOLD[1]:02X}{GOLD[2]:02X}"/>'
        for x0, y0, x1, y1, rr in BARS)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" '
            f'viewBox="0 0 {SIZE} {SIZE}">\n'
            f'  <title>SysTok (STK)</title>\n'
            f'  <circle cx="{cx}" cy="{cy}" r="{r}" fill="#{NAVY[0]:02X}{NAVY[1]:02X}{NAVY[2]:02X}"/>\n'
            f'{bars}\n</svg>\n')


def in_bar(x, y, bar):
    x0, y0, x1, y1, rr = bar
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return False
    # Distance to the nearest corner centre decides inside the rounded corners.
    qx = min(max(x, x0 + rr), x1 - rr)
    qy = min(max(y, y0 + rr), y1 - rr)
    return (x - qx) ** 2 + (y - qy) ** 2 <= rr * rr


def pixel(px, py):
    """RGBA of pixel (px, py), averaged over 4x4 samples."""
    cx, cy, r = DISC
    acc = [0, 0, 0, 0]
    for sy in range(4):
        for sx in range(4):
            x, y = px + (sx + 0.5) / 4, py + (sy + 0.5) / 4
            if any(in_bar(x, y, b) for b in BARS):
                colour = GOLD
            elif (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
                colour = NAVY
            else:
                continue
            acc[0] += colour[0]
            acc[1] += colour[1]
            acc[2] += colour[2]
            acc[3] += 255
    covered = acc[3] // 255
    if covered == 0:
        return (0, 0, 0, 0)
    # Straight (not premultiplied) alpha: colour averaged over covered samples only.
    return (acc[0] // covered, acc[1] // covered, acc[2] // covered, acc[3] // 16)


def png():
    rows = bytearray()
    for py in range(SIZE):
        rows.append(0)  # filter: none
        for px in range(SIZE):
            rows.extend(pixel(px, py))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


def main():
    os.makedirs("assets", exist_ok=True)
    with open("assets/logo.svg", "w", encoding="utf-8") as f:
        f.write(svg())
    with open("assets/logo-512.png", "wb") as f:
        f.write(png())
    print("wrote assets/logo.svg and assets/logo-512.png")


if __name__ == "__main__":
    main()
