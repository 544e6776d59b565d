#!/usr/bin/env python3
"""Browser test of the resident's page 「わたしの証明書の記録」 (web/record.html,
docs/spec/subject-transparency.md §5) in headless Chromium at phone width (375 × 812 CSS px).

1. builds a real log with the Swift CLI (web/test/support/make-subject-log.sh): an authority
   whose checkpoints a witness must cosign, two residents from `akashi subject keygen`,
   certificates issued with `akashi issue --subject-key` (a residence for A, a partnership of
   A and B, a graduation for B, an energy-origin certificate for nobody, a residence for A
   revoked, one reissued), OTHERS (default 300) residence certificates of other residents
   first, so the log spans two entry bundles, the last partial; `akashi log tiles` and
   `akashi trust export`; and what `akashi subject scan --json` finds for each resident;
2. serves a static site — a copy of web/ with trust.json and the tiles in log/ — with
   `python3 -m http.server`, plus a static copy of the log under a mirror-style path
   (mirror-copy/<hex sha256(origin)>/) and a tampered copy; starts a real mirror
   (`akashi mirror serve --from <site>/log/ --trust trust.json`) on another port;
3. on the page at 375 px: the link from the verifier page; A's key pasted → its public key
   (AKP1.…) is the one keygen printed; the scan lists exactly A's certificates with the Swift
   scan's index, serial, role and state (valid / revoked with reason / superseded with the
   successor), the proof line names the checkpoint's size, root and the witness; progress
   shows entries/s and bytes; only GETs of trust.json, log/checkpoint and
   log/tile/entries/… leave the page; no sideways scrolling → record-375.png;
4. B's key from its file (the file input): exactly B's (the partnership as 宣誓者2);
5. the same result from the mirror-style static copy and from the real mirror (another
   origin: CORS, the page's CSP);
6. the tampered copy: 「台帳を確かめられませんでした」, nothing listed → record-mismatch-375.png;
7. a public key text pasted instead of the secret is explained; English;
8. offline (CDP offline and the static server stopped): the page and its trust file load from
   the service worker; a scan says the log cannot be read.

    python3 web/test/browser/test_record.py --out DIR [--akashi .build/debug/akashi]
        [--screenshots docs/screenshots] [--others 300]

Writes into DIR: the log it built, the screenshots (record-375.png, record-mismatch-375.png,
record-key-375.png), result.json. With --screenshots also copies record-375.png there. Exit 0 when every check passes, 1
otherwise. Run by scripts/browser-test.sh. Uses Tests/browser/browserkit.py.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "Tests/browser"))

from browserkit import Run, check, console_problems, horizontal_overflow, make_driver, png_size, set_value, wait  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

PHONE = (375, 812)
SCALE = 2
STATE_JA = {"valid": "有効", "revoked": "失効", "superseded": "置換"}


def phone(driver) -> None:
    driver.set_window_size(PHONE[0] + 40, PHONE[1] + 160)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": SCALE, "mobile": True})


def screenshot(driver, path: Path, top_css: str, bottom_css: str) -> tuple[int, int]:
    """The region from the top of `top_css` to the bottom of `bottom_css` (CDP clip, CSS px)."""
    box = driver.execute_script(
        """const a = document.querySelector(arguments[0]).getBoundingClientRect();
           const b = document.querySelector(arguments[1]).getBoundingClientRect();
           return {y: a.top + scrollY, h: b.bottom - a.top, w: document.documentElement.clientWidth};""", top_css, bottom_css)
    clip = {"x": 0, "y": max(0, box["y"] - 8), "width": box["w"], "height": box["h"] + 16, "scale": 1}
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True})
    data = base64.b64decode(shot["data"])
    path.write_bytes(data)
    return png_size(data)


def start_server(args: list[str], pattern: str, log: Path, cwd: Path | None = None, seconds: float = 60) -> tuple[subprocess.Popen, str]:
    """Starts a server whose log line matching `pattern` (one group: the base URL) says where it listens."""
    handle = open(log, "w")
    process = subprocess.Popen(args, stdout=handle, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        match = re.search(pattern, log.read_text(errors="replace"))
        if match:
            return process, match.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"{args[0]} did not start: {log.read_text(errors='replace')[-400:]}")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


def scan_on_page(driver, source: str, secret: str | None = None, seconds: float = 120) -> dict:
    """Sets the source (and the secret), starts the scan and waits for its end: the page's result.
    The console is drained first, so what it says afterwards is this scan's."""
    console_problems(driver)
    if secret is not None:
        set_value(driver, driver.find_element(By.ID, "secret-text"), secret)
        wait(driver, 10).until(lambda d: d.find_element(By.ID, "secret-status").get_attribute("data-state") in ("ok", "bad"))
    field = driver.find_element(By.ID, "source-url")
    set_value(driver, field, source)
    driver.execute_script("document.getElementById('source-url').dataset.edited = '1'")
    driver.find_element(By.ID, "scan-start").click()
    wait(driver, seconds).until(lambda d: d.execute_script("return document.body.dataset.scan") in ("done", "failed"))
    return driver.execute_script(
        """const r = document.getElementById('result');
           return {state: r.dataset.state, code: r.dataset.code || null, count: r.dataset.count || null,
             title: document.getElementById('result-title').innerText, summary: document.getElementById('result-summary').innerText,
             records: [...document.querySelectorAll('#result-list li.record')].map((li) => ({
               index: Number(li.dataset.index), serial: li.dataset.serial, state: li.dataset.state, kind: li.dataset.kind, role: Number(li.dataset.role),
               text: li.innerText})),
             proof: (() => { const p = document.querySelector('.proof-line'); return p ? {size: Number(p.dataset.size), root: p.dataset.root, witnesses: Number(p.dataset.witnesses), text: p.innerText} : null; })(),
             source: (document.querySelector('.proof-source') || {}).innerText || null,
             progress: {...document.getElementById('progress-text').dataset, text: document.getElementById('progress-text').innerText},
             last: window.akashiRecord.lastResult && {prefix: window.akashiRecord.lastResult.prefix, mirrored: window.akashiRecord.lastResult.mirrored,
               certificates: window.akashiRecord.lastResult.certificates, entriesScanned: window.akashiRecord.lastResult.entriesScanned,
               subjectLinesTested: window.akashiRecord.lastResult.subjectLinesTested, bytesDownloaded: window.akashiRecord.lastResult.bytesDownloaded},
             error: window.akashiRecord.lastError};""")


def expect_swift(got: dict, swift: dict, label: str) -> None:
    check(got["state"] == "done", f"{label}: the scan {got['state']} ({got['code']}): {got['summary']}")
    want = [{k: c[k] for k in ("index", "serial", "state", "kind", "role")} for c in swift["certificates"]]
    mine = [{k: r[k] for k in ("index", "serial", "state", "kind", "role")} for r in got["records"]]
    check(mine == want, f"{label}: the page lists {mine}, akashi subject scan found {want}")
    check(got["last"]["certificates"] == swift["certificates"], f"{label}: the page's result {got['last']['certificates']} differs from Swift's {swift['certificates']}")
    check(got["last"]["entriesScanned"] == swift["entriesScanned"] and got["last"]["subjectLinesTested"] == swift["subjectLinesTested"],
          f"{label}: {got['last']['entriesScanned']} entries / {got['last']['subjectLinesTested']} lines, Swift {swift['entriesScanned']} / {swift['subjectLinesTested']}")
    proof = got["proof"]
    check(proof and proof["size"] == swift["checkpoint"]["size"] and proof["root"] == swift["checkpoint"]["rootHash"], f"{label}: proof {proof}")
    check(proof["witnesses"] == len(swift["checkpoint"]["cosigners"]) == 1, f"{label}: {proof['witnesses']} witnesses in the proof line")
    for r, c in zip(got["records"], swift["certificates"]):
        if c["state"] == "revoked":
            check("転出等による記載事項の変更" in r["text"] or "the resident moved" in r["text"], f"{label}: the revoked one does not say why: {r['text']!r}")
        if c["state"] == "superseded":
            check(str(c["successorIndex"]) in r["text"], f"{label}: the superseded one does not name its successor #{c['successorIndex']}: {r['text']!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--akashi", default=str(REPO / ".build/debug/akashi"))
    parser.add_argument("--screenshots", default=None, help="copy record-375.png here (docs/screenshots)")
    parser.add_argument("--others", type=int, default=300, help="certificates of other residents issued first")
    args = parser.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    for old in list(out.glob("record-*.png")) + [out / "result.json"]:
        old.unlink(missing_ok=True)
    run = Run(out)
    result: dict = {"steps": [], "ok": False}
    tmp = Path(tempfile.mkdtemp(prefix="akashi-record."))
    driver = None
    site_server = mirror_server = None
    print("record page test: web/record.html in headless Chromium at 375 px", flush=True)
    try:
        log = tmp / "subject-log"
        with run.step(f"a real log by the Swift CLI: witness, 2 residents, {args.others} others first (make-subject-log.sh)"):
            env = {**os.environ, "OTHERS": str(args.others), "AKASHI_BIN": str(Path(args.akashi).parent)}
            done = subprocess.run([str(REPO / "web/test/support/make-subject-log.sh"), str(log)], env=env, capture_output=True, text=True, timeout=600)
            check(done.returncode == 0, f"make-subject-log.sh: {done.stderr[-600:]}")
            swift = {who: json.loads((log / f"scan-{who}.json").read_text()) for who in ("a", "b")}
            issued = json.loads((log / "issued.json").read_text())
            check(sorted(c["serial"] for c in swift["a"]["certificates"]) == sorted(issued["a"]), f"Swift's scan for A: {swift['a']['certificates']} vs issued {issued['a']}")
            size = swift["a"]["checkpoint"]["size"]
            check(size == args.others + 10, f"log size {size}")
            run.note(f"{size} entries, root {swift['a']['checkpoint']['rootHash'][:16]}…, A: {len(issued['a'])} certificates, B: {len(issued['b'])}")
            shutil.copytree(log, out / "log", dirs_exist_ok=True)

        root = tmp / "root"
        origin = json.loads((log / "trust.json").read_text())["authorities"][0]["log"]["origin"]
        origin_hash = hashlib.sha256(origin.encode()).hexdigest()
        with run.step("sites: web/ + trust.json + log/; a mirror-style static copy; a tampered copy; python3 -m http.server"):
            site = root / "site"
            shutil.copytree(REPO / "web", site, ignore=shutil.ignore_patterns("test", "README.md"))
            shutil.copy(log / "trust.json", site / "trust.json")
            shutil.copytree(log / "log", site / "log")
            shutil.copytree(log / "log", root / "mirror-copy" / origin_hash)
            # One subject line of the last bundle changed so that the entry still parses: the root differs.
            tampered = root / "tampered" / "log"
            shutil.copytree(log / "log", tampered)
            bundle = sorted((tampered / "tile" / "entries").rglob("*"), key=lambda p: str(p))
            last = [p for p in bundle if p.is_file()][-1]
            data = bytearray(last.read_bytes())
            at = data.rfind(b"subject ") + 8
            data[at] = ord("B") if data[at] == ord("A") else ord("A")
            last.write_bytes(bytes(data))
            site_server, base = start_server([sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"],
                                             r"Serving HTTP on 127\.0\.0\.1 port (\d+)", tmp / "http.log", cwd=root)
            base = f"http://127.0.0.1:{base}"
            run.note(f"static server {base}/ (site/, mirror-copy/{origin_hash[:12]}…/, tampered/)")

        with run.step("a real mirror: akashi mirror serve --from <site>/log/ --trust trust.json (another origin)"):
            mirror_dir = tmp / "mirror"
            made = subprocess.run([args.akashi, "mirror", "init", "--data", str(mirror_dir), "--name", "mirror.example/m"], capture_output=True, text=True)
            check(made.returncode == 0, f"akashi mirror init: {made.stderr[-400:]}")
            mirror_server, mirror_base = start_server(
                [args.akashi, "mirror", "serve", "--data", str(mirror_dir), "--from", f"{base}/site/log/", "--trust", str(log / "trust.json"), "--port", "0", "--interval", "1"],
                r"listening on (http://127\.0\.0\.1:\d+)/", tmp / "mirror.log")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                status, body = get(f"{mirror_base}/{origin_hash}/checkpoint")
                if status == 200 and body.decode().split("\n")[1] == str(size):
                    break
                time.sleep(0.3)
            else:
                raise RuntimeError(f"the mirror did not sync: {(tmp / 'mirror.log').read_text()[-400:]}")
            run.note(f"mirror {mirror_base}/{origin_hash[:12]}…/ serves size {size}")

        driver = make_driver("test_record", PHONE, ("--hide-scrollbars",))
        phone(driver)
        page = f"{base}/site/record.html"

        with run.step("the verifier page links to 「わたしの証明書の記録」"):
            driver.get(f"{base}/site/index.html")
            link = wait(driver, 10).until(lambda d: d.find_element(By.ID, "record-link"))
            check(link.text.strip() == "わたしの証明書の記録", f"link text {link.text!r}")
            link.click()
            wait(driver, 10).until(lambda d: d.current_url.endswith("/site/record.html"))
            check(driver.find_element(By.CSS_SELECTOR, "h1").text.strip() == "わたしの証明書の記録", "the record page's title")

        with run.step("A's key pasted: its public key is the one `akashi subject keygen` printed; the default source is the site's log/"):
            wait(driver, 10).until(lambda d: d.find_element(By.ID, "source-url").get_attribute("value") == f"{base}/site/log/")
            wait(driver, 10).until(lambda d: "飯塚市" in d.find_element(By.ID, "trust-authorities").text)
            set_value(driver, driver.find_element(By.ID, "secret-text"), (log / "a.key").read_text().strip())
            wait(driver, 10).until(lambda d: d.find_element(By.ID, "secret-status").get_attribute("data-state") == "ok")
            check(driver.find_element(By.ID, "secret-text").get_attribute("type") == "password", "the key is shown in clear by default")
            public = driver.execute_script("return document.getElementById('public-key-text').textContent")
            check(public == (log / "a.pub").read_text().strip(), f"public key {public[:20]}… differs from keygen's")
            console_problems(driver)  # drain: loading is checked below with the scan
            screenshot(driver, out / "record-key-375.png", "header", "#trust-card")

        with run.step("scan from the site's log at 375 px: exactly A's certificates, states, proof line, progress; only GETs of the log"):
            driver.execute_script("performance.clearResourceTimings(); performance.setResourceTimingBufferSize(10000)")
            got = scan_on_page(driver, f"{base}/site/log/")
            expect_swift(got, swift["a"], "site")
            check(got["title"] == f"あなたの証明書が {len(issued['a'])} 件見つかりました", f"title {got['title']!r}")
            check([STATE_JA[r["state"]] in r["text"] for r in got["records"]] == [True] * len(got["records"]), "a state badge is missing")
            check(f"{size} 件の記録" in got["summary"] and "件/秒" in got["summary"] and "ダウンロード" in got["summary"], f"summary {got['summary']!r}")
            check(int(got["progress"]["entries"]) == size and int(got["progress"]["bytes"]) == got["last"]["bytesDownloaded"] > 0, f"progress {got['progress']}")
            check(got["last"]["bytesDownloaded"] == swift["a"]["bytesDownloaded"], f"bytes {got['last']['bytesDownloaded']} vs Swift's {swift['a']['bytesDownloaded']}")
            check("kaga.example/witness" in got["proof"]["text"] and swift["a"]["checkpoint"]["rootHash"][:16] in got["proof"]["text"], f"proof {got['proof']['text']!r}")
            requests = driver.execute_script("return performance.getEntriesByType('resource').filter((e) => e.initiatorType === 'fetch').map((e) => e.name)")
            allowed = re.compile(re.escape(f"{base}/site/log/") + r"(checkpoint|tile/entries/\d{3}(\.p/\d+)?)$")
            strays = [u for u in requests if not allowed.match(u)]
            check(not strays, f"requests besides the log's checkpoint and bundles: {strays}")
            check(sorted(set(requests)) == sorted({f"{base}/site/log/checkpoint", f"{base}/site/log/tile/entries/000", f"{base}/site/log/tile/entries/001.p/{size - 256}"}),
                  f"requests {requests}")
            scroll, inner, culprits = horizontal_overflow(driver)
            check(scroll <= inner, f"sideways scrolling at 375 px: {scroll} > {inner} ({culprits})")
            problems = console_problems(driver)
            check(not problems, f"console: {problems}")
            driver.execute_script("document.getElementById('result').scrollIntoView({block: 'start'})")
            time.sleep(0.4)
            shot = screenshot(driver, out / "record-375.png", "#result", "#result")
            run.note(f"record-375.png {shot[0]}×{shot[1]}; {got['summary']}; workers {got['progress'].get('workers')}")
            result["site"] = {"summary": got["summary"], "records": got["records"], "proof": got["proof"]}

        with run.step("B's key from its file (file input): exactly B's, the partnership as 宣誓者2"):
            driver.get(page)
            wait(driver, 10).until(lambda d: "飯塚市" in d.find_element(By.ID, "trust-authorities").text)
            driver.find_element(By.ID, "secret-file").send_keys(str(log / "b.key"))
            wait(driver, 10).until(lambda d: d.find_element(By.ID, "secret-status").get_attribute("data-state") == "ok")
            got = scan_on_page(driver, f"{base}/site/log/")
            expect_swift(got, swift["b"], "B")
            partnership = [r for r in got["records"] if r["kind"] == "partnership"]
            check(len(partnership) == 1 and partnership[0]["role"] == 1 and "宣誓者2" in partnership[0]["text"], f"B's partnership {partnership}")

        with run.step("A again from the mirror-style static copy (<root>/mirror-copy/, the origin hash found by the page)"):
            got = scan_on_page(driver, f"{base}/mirror-copy/", (log / "a.key").read_text().strip())
            expect_swift(got, swift["a"], "mirror-copy")
            check(got["last"]["mirrored"] and got["last"]["prefix"] == f"{base}/mirror-copy/{origin_hash}/", f"prefix {got['last']['prefix']}")
            check("（ミラー）" in got["source"], f"source line {got['source']!r}")
            problems = [p for p in console_problems(driver) if f"{base}/mirror-copy/checkpoint" not in p]  # the plain URL first: 404
            check(not problems, f"console: {problems}")

        with run.step("A from the real mirror (akashi mirror, another origin: CORS and the page's CSP)"):
            got = scan_on_page(driver, f"{mirror_base}/")
            expect_swift(got, swift["a"], "mirror")
            check(got["last"]["prefix"] == f"{mirror_base}/{origin_hash}/", f"prefix {got['last']['prefix']}")
            # The page tries <url>/checkpoint before <url>/<origin hash>/checkpoint: the mirror's
            # root answers 404 without CORS headers, which the console reports.
            problems = [p for p in console_problems(driver) if f"{mirror_base}/checkpoint" not in p]
            check(not problems, f"console: {problems}")

        with run.step("a tampered copy: the root does not match, nothing is listed"):
            got = scan_on_page(driver, f"{base}/tampered/log/")
            check(got["state"] == "failed" and got["code"] == "rootMismatch", f"tampered: {got['state']} {got['code']} {got['summary']!r}")
            check(got["records"] == [] and got["last"] is None, f"tampered: something listed {got['records']}")
            check(got["title"] == "台帳を確かめられませんでした" and "一致しません" in got["summary"], f"tampered: {got['title']!r} {got['summary']!r}")
            driver.execute_script("document.getElementById('result').scrollIntoView({block: 'start'})")
            time.sleep(0.3)
            screenshot(driver, out / "record-mismatch-375.png", "#scan-card", "#result")

        with run.step("a public key text instead of the secret is explained; a scan without a key is refused"):
            driver.get(page)
            wait(driver, 10).until(lambda d: "飯塚市" in d.find_element(By.ID, "trust-authorities").text)
            set_value(driver, driver.find_element(By.ID, "secret-text"), (log / "a.pub").read_text().strip())
            wait(driver, 10).until(lambda d: d.find_element(By.ID, "secret-status").get_attribute("data-state") == "bad")
            check("公開鍵" in driver.find_element(By.ID, "secret-status").text, driver.find_element(By.ID, "secret-status").text)
            driver.find_element(By.ID, "scan-start").click()
            problem = driver.find_element(By.ID, "scan-problem")
            check(problem.is_displayed() and "公開鍵" in problem.text, f"scan-problem {problem.text!r}")
            check(driver.find_element(By.ID, "result").get_attribute("hidden") is not None, "a result is shown without a key")

        with run.step("English: My certificate record, the same certificates"):
            driver.get(page + "?lang=en")
            wait(driver, 10).until(lambda d: "飯塚市" in d.find_element(By.ID, "trust-authorities").text)
            check(driver.find_element(By.CSS_SELECTOR, "h1").text.strip() == "My certificate record", driver.find_element(By.CSS_SELECTOR, "h1").text)
            got = scan_on_page(driver, f"{base}/site/log/", (log / "a.key").read_text().strip())
            expect_swift(got, swift["a"], "English")
            check(got["title"] == f"{len(issued['a'])} certificates of yours found", got["title"])
            check("Checked the whole log" in got["proof"]["text"] and "1 witness" in got["proof"]["text"], got["proof"]["text"])
            driver.find_element(By.ID, "lang").click()
            check(driver.find_element(By.ID, "result-title").text.strip() == f"あなたの証明書が {len(issued['a'])} 件見つかりました", "switching back to Japanese")

        with run.step("offline: the page and its trust file from the service worker; the scan says the log cannot be read"):
            driver.get(page)
            wait(driver, 20).until(lambda d: d.execute_script("return !!(navigator.serviceWorker && navigator.serviceWorker.controller)"))
            stop(site_server)  # really gone, not just emulated
            driver.execute_cdp_cmd("Network.enable", {})
            driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
            driver.get(page)
            wait(driver, 10).until(lambda d: "飯塚市" in d.find_element(By.ID, "trust-authorities").text)
            got = scan_on_page(driver, f"{base}/site/log/", (log / "a.key").read_text().strip())
            check(got["state"] == "failed" and got["code"] == "source", f"offline scan: {got['state']} {got['code']} {got['summary']!r}")
            check(got["records"] == [], "offline: something listed")
            driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})

        if args.screenshots:
            target = Path(args.screenshots)
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(out / "record-375.png", target / "record-375.png")
            run.note(f"copied record-375.png to {target}")
        result["ok"] = True
    except Exception as error:  # noqa: BLE001 - every failure is reported with a screenshot
        print(f"record page test: FAIL: {error}", flush=True)
        if driver is not None:
            try:
                driver.save_screenshot(str(out / "record-failure.png"))
                (out / "record-failure.html").write_text(driver.page_source)
            except Exception:  # noqa: BLE001
                pass
    finally:
        result["steps"] = [{"name": n, "seconds": round(s, 2), "status": st} for n, s, st in run.steps]
        (out / "result.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
        if driver is not None:
            driver.quit()
        stop(mirror_server)
        stop(site_server)
        shutil.rmtree(tmp, ignore_errors=True)
    passed = sum(1 for s in run.steps if s[2] == "ok")
    print(f"record page test: {'PASS' if result['ok'] else 'FAIL'} — {passed}/{len(run.steps)} steps; artifacts in {out}", flush=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
