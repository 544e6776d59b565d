#!/usr/bin/env python3
"""The resident's scan on the page (web/record.html) measured in headless Chromium, beside
the machine's X25519 limit (`openssl speed ecdhx25519`).

For each folder made by `akashi-bench subject-log --entries N --out DIR` (DIR/log/ tiles,
DIR/trust.json, DIR/resident.key, DIR/expected.txt): a site — a copy of web/ with that
trust.json and log/ — served on loopback by Python's threading http.server; the page opened
with ?workers=W; the resident's key pasted; the scan timed by the page itself
(performance.now() around scanLog: checkpoint, every bundle, every subject line, the root).
The certificates found must be exactly expected.txt. Reports entries/s, seconds, bytes
downloaded, subject lines/s, and the ratio to openssl's X25519 on one core and on all cores.

    python3 web/test/browser/bench_record.py DIR... [--workers 0,2] [--repeat 2] [--json OUT]

A benchmark: it reports; it asserts only that the right certificates were found.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "Tests/browser"))

from browserkit import make_driver, set_value, wait  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402


def openssl_x25519(multi: int | None, seconds: int = 3) -> float:
    args = ["openssl", "speed", "-seconds", str(seconds)] + (["-multi", str(multi)] if multi else []) + ["ecdhx25519"]
    out = subprocess.run(args, capture_output=True, text=True).stdout
    rates = [float(m.group(1)) for m in re.finditer(r"X25519\)?\s+[0-9.]+s\s+([0-9.]+)", out)]
    if not rates:
        rates = [float(line.split()[-1]) for line in out.splitlines() if "X25519" in line]
    return rates[-1]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--workers", default="0,2", help="pool sizes to try (0: X25519 on the page's thread)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    one = openssl_x25519(None)
    alls = openssl_x25519(cores) if cores > 1 else one
    print(f"openssl speed ecdhx25519: {one:.0f} op/s on one core, {alls:.0f} op/s with -multi {cores}", flush=True)
    rows = []
    driver = make_driver("bench_record", (1280, 900))
    try:
        for d in map(Path, args.dirs):
            tmp = Path(tempfile.mkdtemp(prefix="akashi-bench-record."))
            site = tmp / "site"
            shutil.copytree(REPO / "web", site, ignore=shutil.ignore_patterns("test", "README.md"))
            shutil.copy(d / "trust.json", site / "trust.json")
            os.symlink(d.resolve() / "log", site / "log")
            server, base = serve(site)
            expected = set((d / "expected.txt").read_text().split())
            key = (d / "resident.key").read_text().strip()
            try:
                for workers in [int(w) for w in args.workers.split(",")]:
                    for attempt in range(args.repeat):
                        driver.get(f"{base}/record.html?workers={workers}&from={base}/log/")
                        wait(driver, 20).until(lambda dr: "(" in dr.find_element(By.ID, "trust-authorities").text)
                        set_value(driver, driver.find_element(By.ID, "secret-text"), key)
                        wait(driver, 10).until(lambda dr: dr.find_element(By.ID, "secret-status").get_attribute("data-state") == "ok")
                        driver.find_element(By.ID, "scan-start").click()
                        wait(driver, args.timeout).until(lambda dr: dr.execute_script("return document.body.dataset.scan") in ("done", "failed"))
                        r = driver.execute_script("""const r = window.akashiRecord.lastResult; return r && {seconds: r.seconds, entries: r.entriesScanned,
                            lines: r.subjectLinesTested, bytes: r.bytesDownloaded, requests: r.requests, found: r.certificates.map((c) => c.serial)};""")
                        if not r:
                            print(f"{d}: the scan failed: {driver.execute_script('return JSON.stringify(window.akashiRecord.lastError)')}", flush=True)
                            return 1
                        ok = set(r["found"]) == expected
                        row = {"dir": str(d), "workers": workers, "attempt": attempt, **{k: r[k] for k in ("seconds", "entries", "lines", "bytes", "requests")},
                               "entriesPerSecond": r["entries"] / r["seconds"], "linesPerSecond": r["lines"] / r["seconds"],
                               "ratioOneCore": r["lines"] / r["seconds"] / one, "ratioAllCores": r["lines"] / r["seconds"] / alls,
                               "found": len(r["found"]), "expected": len(expected), "exact": ok}
                        rows.append(row)
                        print(f"{r['entries']:>8} entries  workers {workers}  {r['seconds']:8.2f} s  {row['entriesPerSecond']:8.0f} entries/s  "
                              f"{r['bytes'] / 1e6:8.1f} MB  {row['linesPerSecond']:7.0f} X25519/s = {row['ratioOneCore']:.0%} of one core, "
                              f"{row['ratioAllCores']:.0%} of {cores}  found {len(r['found'])}/{len(expected)}{'' if ok else '  MISMATCH'}", flush=True)
                        if not ok:
                            return 1
            finally:
                server.shutdown()
                shutil.rmtree(tmp, ignore_errors=True)
    finally:
        driver.quit()
    if args.json:
        Path(args.json).write_text(json.dumps({"openssl": {"oneCore": one, "allCores": alls, "cores": cores}, "runs": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
