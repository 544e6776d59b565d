#!/usr/bin/env python3
"""Checks that the QR the browser printed carries exactly the text the JSON API
returns for the same certificate (GET /api/v1/certificates/<serial>, Bearer token),
and that the API's text verifies offline to the same certificate.

    python3 Tests/browser/api_qr_check.py --base URL --token SECRET --serial SERIAL \\
        --png print-qr.png --verify .build/debug/akashi-verify --trust trust.json

The token is read from $AKASHI_TEST_TOKEN when --token is not given.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qrtext import read_qr_texts  # noqa: E402


def verify_json(verify: str, trust: str, status: str | None, source: list[str], stdin: str | None = None) -> dict:
    run = subprocess.run([verify, "--trust", trust, *(["--status", status] if status else []), "--json", *source],
                         input=stdin, capture_output=True, text=True)
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    if run.returncode != 0 or len(lines) != 1:
        sys.exit(f"api-qr: akashi-verify {' '.join(source)} exited {run.returncode}: {run.stdout.strip()} {run.stderr.strip()}")
    return json.loads(lines[0])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", required=True)
    p.add_argument("--token", default=os.environ.get("AKASHI_TEST_TOKEN"))
    p.add_argument("--serial", required=True)
    p.add_argument("--png", required=True)
    p.add_argument("--verify", required=True, help="path of akashi-verify")
    p.add_argument("--trust", required=True)
    p.add_argument("--status", help="the service's signed status list (then the certificate must be valid, not only genuine)")
    args = p.parse_args()
    if not args.token:
        p.error("give --token or set AKASHI_TEST_TOKEN")

    request = urllib.request.Request(
        args.base.rstrip("/") + f"/api/v1/certificates/{args.serial}",
        headers={"Authorization": f"Bearer {args.token}", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        api = json.loads(response.read())
    if api.get("serial") != args.serial or not api.get("qr"):
        sys.exit(f"api-qr: the API answered {api!r} for {args.serial}")

    texts = read_qr_texts(args.png)
    if len(texts) != 1:
        sys.exit(f"api-qr: found {len(texts)} QR codes in {args.png}, expected 1")
    printed = texts[0]
    if printed != api["qr"]:
        sys.exit(f"api-qr: the printed QR text differs from the API's\n  printed: {printed}\n  api:     {api['qr']}")

    from_image = verify_json(args.verify, args.trust, args.status, [args.png])
    from_api = verify_json(args.verify, args.trust, args.status, ["-"], stdin=api["qr"] + "\n")
    for key in ("verdict", "valid", "serial", "kind", "envelope", "fields"):
        if from_image.get(key) != from_api.get(key):
            sys.exit(f"api-qr: akashi-verify disagrees on {key}: image {from_image.get(key)!r} vs API {from_api.get(key)!r}")
    if not from_image.get("valid"):
        sys.exit(f"api-qr: the certificate does not verify: {from_image.get('reasons')}")
    if api.get("fields") != from_image.get("fields"):
        sys.exit(f"api-qr: API fields {api.get('fields')!r} differ from the signed fields {from_image.get('fields')!r}")
    print(f"api-qr: the printed QR ({len(printed)} characters) is the API's text for {args.serial}; both verify to the same signed certificate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
