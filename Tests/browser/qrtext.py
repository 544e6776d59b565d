"""Read the text of the QR codes in a PNG, with nothing but the standard library
and the system libzbar (libzbar0; the project already links it through
libzbar-dev). Used by the browser test to compare the QR printed in the
browser with the text the JSON API returns, byte for byte.

    python3 Tests/browser/qrtext.py IMAGE.png      # prints one line per QR found

Falls back to `zbarimg --raw` when libzbar cannot be loaded.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import shutil
import struct
import subprocess
import sys
import zlib


def _png_to_gray(data: bytes) -> tuple[int, int, bytes]:
    """Decodes a non-interlaced 8-bit PNG (gray, gray+alpha, RGB, RGBA — what
    Chromium's screenshots are) to 8-bit luminance, alpha composited on white."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat = 8, []
    width = height = depth = color = interlace = None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if depth != 8 or interlace != 0 or color not in (0, 2, 4, 6):
        raise ValueError(f"unsupported PNG (bit depth {depth}, color type {color}, interlace {interlace})")
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    stride = width * channels
    raw = zlib.decompress(b"".join(idat))
    previous = bytearray(stride)
    gray = bytearray(width * height)
    for y in range(height):
        start = y * (stride + 1)
        ftype = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        if ftype == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif ftype == 2:
            for i in range(stride):
                line[i] = (line[i] + previous[i]) & 0xFF
        elif ftype == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if (pa <= pb and pa <= pc) else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        elif ftype != 0:
            raise ValueError(f"bad PNG filter type {ftype}")
        previous = line
        row = y * width
        for x in range(width):
            o = x * channels
            if channels >= 3:
                v = (299 * line[o] + 587 * line[o + 1] + 114 * line[o + 2]) // 1000
            else:
                v = line[o]
            if channels in (2, 4):
                alpha = line[o + channels - 1]
                v = (v * alpha + 255 * (255 - alpha)) // 255
            gray[row + x] = v
    return width, height, bytes(gray)


def _with_libzbar(path: str) -> list[str] | None:
    name = ctypes.util.find_library("zbar") or "libzbar.so.0"
    try:
        zbar = ctypes.CDLL(name)
    except OSError:
        try:
            zbar = ctypes.CDLL("libzbar.so.0")
        except OSError:
            return None
    with open(path, "rb") as f:
        width, height, gray = _png_to_gray(f.read())
    vp = ctypes.c_void_p
    zbar.zbar_image_scanner_create.restype = vp
    zbar.zbar_image_scanner_set_config.argtypes = [vp, ctypes.c_int, ctypes.c_int, ctypes.c_int]
    zbar.zbar_image_create.restype = vp
    zbar.zbar_image_set_format.argtypes = [vp, ctypes.c_ulong]
    zbar.zbar_image_set_size.argtypes = [vp, ctypes.c_uint, ctypes.c_uint]
    zbar.zbar_image_set_data.argtypes = [vp, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_void_p]
    zbar.zbar_scan_image.argtypes = [vp, vp]
    zbar.zbar_image_first_symbol.argtypes = [vp]
    zbar.zbar_image_first_symbol.restype = vp
    zbar.zbar_symbol_next.argtypes = [vp]
    zbar.zbar_symbol_next.restype = vp
    zbar.zbar_symbol_get_data.argtypes = [vp]
    zbar.zbar_symbol_get_data.restype = ctypes.c_void_p
    zbar.zbar_symbol_get_data_length.argtypes = [vp]
    zbar.zbar_symbol_get_data_length.restype = ctypes.c_uint
    zbar.zbar_image_destroy.argtypes = [vp]
    zbar.zbar_image_scanner_destroy.argtypes = [vp]

    scanner = zbar.zbar_image_scanner_create()
    # ZBAR_NONE (0), ZBAR_CFG_ENABLE (0) = 1: every symbology (the payload text is ASCII).
    zbar.zbar_image_scanner_set_config(scanner, 0, 0, 1)
    buffer = ctypes.create_string_buffer(gray, len(gray))
    image = zbar.zbar_image_create()
    fourcc = ord("Y") | ord("8") << 8 | ord("0") << 16 | ord("0") << 24
    zbar.zbar_image_set_format(image, fourcc)
    zbar.zbar_image_set_size(image, width, height)
    zbar.zbar_image_set_data(image, ctypes.cast(buffer, ctypes.c_void_p), len(gray), None)
    texts: list[str] = []
    if zbar.zbar_scan_image(scanner, image) > 0:
        symbol = zbar.zbar_image_first_symbol(image)
        while symbol:
            n = zbar.zbar_symbol_get_data_length(symbol)
            texts.append(ctypes.string_at(zbar.zbar_symbol_get_data(symbol), n).decode("utf-8"))
            symbol = zbar.zbar_symbol_next(symbol)
    zbar.zbar_image_destroy(image)
    zbar.zbar_image_scanner_destroy(scanner)
    del buffer
    return texts


def read_qr_texts(path: str) -> list[str]:
    """Every QR text in the image (usually one)."""
    texts = _with_libzbar(path)
    if texts is not None:
        return texts
    if shutil.which("zbarimg"):
        run = subprocess.run(["zbarimg", "--quiet", "--raw", path], capture_output=True, text=True)
        return [line for line in run.stdout.splitlines() if line]
    raise RuntimeError("neither libzbar (libzbar0) nor zbarimg (zbar-tools) is available to read the QR")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: qrtext.py IMAGE.png")
    found = read_qr_texts(sys.argv[1])
    for text in found:
        print(text)
    sys.exit(0 if found else 1)
