#!/usr/bin/env python3
"""Browser test of the holder's flow 「一部の項目を隠して提示する」 (selective-disclosure.md §4)
on the web verifier served by `akashi serve` at /verify/, in headless Chromium at phone
width (375 × 812 CSS px, device scale factor 3).

1. issues a 住民票の写し with every field (本籍 and 筆頭者 included) through the JSON API;
   `akashi-verify --json` says it is valid and withholds nothing;
2. opens its link: valid, every field shown; opens the hide flow: checkboxes exactly for
   the withholdable fields, 本籍 and 筆頭者 ticked together (and said so), the fields that
   cannot be withheld named;
3. with the network cut (CDP), hides everything but name and address (and the fields that
   cannot be withheld), makes the QR: no request leaves the page; the new QR verifies on the
   page (valid, the withheld fields named) → present-qr-375.png (the QR as the phone shows it);
4. the A4 print copy: one A4 page whose printed text is exactly what a verifier shows for the
   reduced QR (kind, issuer, dates, serial, log, the fields in kind order with
   「本人の意思で非開示」, the statement) → present-print.pdf, present-print.png;
5. opens the reduced copy's link: valid, the withheld fields by label with
   「本人の意思で非開示」 in kind order, distinct from values → present-verdict-375.png;
   English: "Withheld by the holder";
6. reads the QR back from present-qr-375.png with zbarimg and with akashi-verify's own
   decoder and verifies it with `akashi-verify --json --trust --status`: verdict valid,
   withheld = birthDate, householder, relationship, domicile, domicileHead; the text is the
   page's, byte for byte.

    python3 web/test/browser/test_present.py --base http://127.0.0.1:PORT --out DIR \\
        --verify .build/debug/akashi-verify [--screenshots docs/screenshots]

The API token is $AKASHI_TEST_TOKEN (role clerk). Writes into DIR: the PNGs, the PDF,
trust.json, status.cose, reduced.txt, result.json; with --screenshots also copies
present-qr-375.png and present-verdict-375.png there. Exit 0 when every check passes, 1
otherwise. Normally run by scripts/browser-test.sh, which starts the server. Uses
Tests/browser/browserkit.py (Chromium, steps, screenshots).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "Tests/browser"))

from browserkit import Run, check, console_problems, make_driver, png_size, wait  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402

PHONE = (375, 812)
SCALE = 3
WITHHOLDABLE = ["birthDate", "householder", "relationship", "domicile", "domicileHead"]
SIGNED = ["name", "kana", "sex", "address", "residentSince"]
FIELDS = {
    "name": "飯塚 花子",
    "kana": "いいづか はなこ",
    "birthDate": "1990-04-01",
    "sex": "female",
    "address": "福岡県飯塚市新立岩5番5号",
    "residentSince": "2018-10-01",
    "householder": "飯塚 太郎",
    "relationship": "妻",
    "domicile": "福岡県飯塚市立岩1番地",
    "domicileHead": "飯塚 太郎",
}
LABELS = {
    "name": "氏名", "kana": "ふりがな", "birthDate": "生年月日", "sex": "性別", "address": "住所", "residentSince": "住民となった年月日",
    "householder": "世帯主", "relationship": "続柄", "domicile": "本籍", "domicileHead": "筆頭者",
}
WITHHELD_JA = "本人の意思で非開示"
WITHHELD_EN = "Withheld by the holder"


def http(base: str, path: str, token: str | None = None, body: dict | None = None) -> tuple[int, bytes]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(base + path, data=data, headers=headers, method="POST" if body is not None else "GET")
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.status, response.read()


def verify_json(verify: str, trust: Path, status: Path, args: list[str], stdin: str | None = None) -> dict:
    """akashi-verify --json: the one JSON line of the one input."""
    cmd = [verify, "--json", "--trust", str(trust), "--status", str(status), *args]
    done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    check(len(lines) == 1, f"akashi-verify printed {len(lines)} lines (exit {done.returncode}): {done.stdout[:300]} {done.stderr[:300]}")
    out = json.loads(lines[0])
    out["_exit"] = done.returncode
    return out


def zbar(path: Path) -> str:
    zbarimg = shutil.which("zbarimg")
    check(zbarimg is not None, "zbarimg is missing (apt-get install -y zbar-tools)")
    done = subprocess.run([zbarimg, "--raw", "--quiet", "-Sdisable", "-Sqrcode.enable", str(path)], capture_output=True, timeout=60)
    check(done.returncode == 0, f"zbarimg read no QR code from {path.name} (exit {done.returncode}): {done.stderr.decode(errors='replace')[:200]}")
    texts = [t for t in done.stdout.decode("utf-8").split("\n") if t]
    check(len(texts) == 1, f"zbarimg read {len(texts)} codes from {path.name}")
    return texts[0]


def phone(driver) -> None:
    driver.set_window_size(PHONE[0] + 40, PHONE[1] + 160)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": SCALE, "mobile": True})


def screenshot(driver, path: Path, top_css: str | None = None, bottom_css: str | None = None) -> tuple[int, int]:
    """The viewport, or the region from the top of `top_css` to the bottom of `bottom_css`
    (scrolled through; CDP clip in CSS px, rendered at the device scale factor)."""
    if top_css:
        box = driver.execute_script(
            """const a = document.querySelector(arguments[0]).getBoundingClientRect();
               const b = document.querySelector(arguments[1]).getBoundingClientRect();
               return {y: a.top + scrollY, h: b.bottom - a.top, w: document.documentElement.clientWidth};""", top_css, bottom_css)
        clip = {"x": 0, "y": max(0, box["y"] - 8), "width": box["w"], "height": box["h"] + 16, "scale": 1}
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True})
    else:
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    data = base64.b64decode(shot["data"])
    path.write_bytes(data)
    return png_size(data)


def rows(driver) -> list[dict]:
    return driver.execute_script(
        """return [...document.querySelectorAll('#cert-fields .item')].map((item) => ({
             id: item.dataset.field, withheld: item.dataset.withheld === 'true',
             label: item.querySelector('dt').innerText, value: item.querySelector('dd').innerText,
             background: getComputedStyle(item.querySelector('dd')).backgroundImage,
             border: getComputedStyle(item.querySelector('dd')).borderTopStyle}));""")


def wait_verdict(driver, seconds: float = 20) -> str:
    wait(driver, seconds).until(lambda d: d.find_element(By.ID, "verdict").get_attribute("data-verdict") in ("valid", "invalid", "unconfirmed", "error")
                                and d.execute_script("return !!(window.akashiVerifier && window.akashiVerifier.lastReport) || document.getElementById('verdict').dataset.verdict === 'error'"))
    return driver.find_element(By.ID, "verdict").get_attribute("data-verdict")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--token", default=os.environ.get("AKASHI_TEST_TOKEN"))
    parser.add_argument("--verify", required=True, help="the akashi-verify binary")
    parser.add_argument("--screenshots", default=None, help="copy the two final screenshots here (docs/screenshots)")
    args = parser.parse_args()
    if not args.token:
        parser.error("give --token or set AKASHI_TEST_TOKEN")
    base = args.base.rstrip("/")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in list(out.glob("present-*")) + [out / "reduced.txt", out / "result.json"]:
        stale.unlink(missing_ok=True)
    run = Run(out)
    result: dict = {"base": base}
    trust = out / "trust.json"
    status = out / "status.cose"
    driver = None
    failed = False
    try:
        with run.step("issue a 住民票の写し with every field (JSON API); akashi-verify: valid, nothing withheld"):
            code, body = http(base, "/api/v1/certificates", args.token,
                              {"kind": "residence", "fields": FIELDS, "include": ["domicile", "domicileHead"]})
            check(code == 201, f"POST /api/v1/certificates answered {code}")
            issued = json.loads(body)
            full = issued["qr"]
            check(full.startswith(base + "/verify/#AK2."), f"the QR text does not link to this verifier: {full[:80]}")
            result["full"] = {"serial": issued.get("serial"), "chars": len(full)}
            trust.write_bytes(http(base, "/verify/trust.json")[1])
            status.write_bytes(http(base, "/status/latest.cose")[1])
            line = verify_json(args.verify, trust, status, ["-"], full + "\n")
            check(line["verdict"] == "valid", f"akashi-verify: the full certificate is {line['verdict']}: {line.get('reasons')}")
            check(line.get("withheld") == [], f"akashi-verify: the full certificate withholds {line.get('withheld')}")
            check(sorted(line["fields"]) == sorted(FIELDS), f"akashi-verify: fields {sorted(line['fields'])}")

        driver = make_driver("test_present", PHONE, ("--hide-scrollbars",))
        phone(driver)

        with run.step("open the link at 375 px: valid, every field shown"):
            driver.get(full)
            verdict = wait_verdict(driver)
            check(verdict == "valid", f"the full certificate is {verdict} on the page: {driver.find_element(By.ID, 'verdict').text[:300]}")
            got = rows(driver)
            check([r["id"] for r in got] == list(FIELDS), f"rows {[r['id'] for r in got]}")
            check(not any(r["withheld"] for r in got), "a field shows as withheld on the full certificate")
            check(driver.find_element(By.ID, "cert-withheld-note").get_attribute("hidden") is not None, "the withheld note shows on the full certificate")
            check(driver.find_element(By.ID, "present-open").is_displayed(), "no 「一部の項目を隠して提示する」 button on a valid certificate")
            check(driver.find_element(By.ID, "present-open").text.strip() == "一部の項目を隠して提示する", f"button text {driver.find_element(By.ID, 'present-open').text!r}")
            check(driver.find_element(By.CSS_SELECTOR, '[data-check="disclosure"]').get_attribute("data-status") == "passed", "the disclosure check did not pass")

        with run.step("an invalid certificate (the proof's last digit changed) offers no hide flow"):
            last = full[-1]
            tampered = full[:-1] + ("1" if last != "1" else "2")
            driver.get(tampered)
            verdict = wait_verdict(driver)
            check(verdict == "invalid", f"the tampered link is {verdict}")
            check(not driver.find_element(By.ID, "present-entry").is_displayed(), "the hide flow is offered for an invalid certificate")
            driver.get(full)
            check(wait_verdict(driver) == "valid", "the full certificate again")

        with run.step("the hide flow: checkboxes for the withholdable fields; a group ticks together and says so"):
            driver.find_element(By.ID, "present-open").click()
            wait(driver).until(EC.visibility_of_element_located((By.ID, "present")))
            boxes = driver.find_elements(By.CSS_SELECTOR, "#present-options input[type=checkbox]")
            check([b.get_attribute("value") for b in boxes] == WITHHOLDABLE, f"checkboxes {[b.get_attribute('value') for b in boxes]}")
            check(all(driver.execute_script("return !!document.querySelector('label[for=\"' + arguments[0] + '\"]')", b.get_attribute("id")) for b in boxes), "a checkbox without its label")
            check(not any(b.is_selected() for b in boxes), "a checkbox is ticked before the holder chose")
            fixed = driver.find_element(By.ID, "present-fixed").text
            for fid in SIGNED:
                check(LABELS[fid] in fixed, f"the fields that cannot be hidden do not name {LABELS[fid]}: {fixed!r}")
            note = driver.find_element(By.CSS_SELECTOR, '[data-unit="domicile domicileHead"] .group-note').text
            check("本籍" in note and "筆頭者" in note and "一緒に" in note, f"the group note is {note!r}")
            box = {b.get_attribute("value"): b for b in boxes}
            box["domicile"].click()
            check(box["domicileHead"].is_selected(), "ticking 本籍 did not tick 筆頭者")
            box["domicileHead"].click()
            check(not box["domicile"].is_selected() and not box["domicileHead"].is_selected(), "unticking 筆頭者 did not untick 本籍")
            driver.find_element(By.ID, "present-make").click()
            error = driver.find_element(By.ID, "present-error")
            check(error.is_displayed() and "1つ以上" in error.text, f"making with nothing chosen: {error.text!r}")
            for fid in ("birthDate", "householder", "relationship", "domicile"):
                box[fid].click()
            check(all(b.is_selected() for b in boxes), "not every withholdable field is ticked")
            screenshot(driver, out / "present-choices-375.png", "#present-title", "#present-make")

        with run.step("make the QR offline: no request leaves the page; it verifies on the page → present-qr-375.png"):
            before = driver.execute_script("return performance.getEntriesByType('resource').map((e) => e.name)")
            driver.execute_cdp_cmd("Network.enable", {})
            driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
            started = time.monotonic()
            driver.find_element(By.ID, "present-make").click()
            wait(driver, 20).until(lambda d: d.find_element(By.ID, "present-verdict").get_attribute("data-verdict"))
            result["makeSeconds"] = round(time.monotonic() - started, 3)
            after = driver.execute_script("return performance.getEntriesByType('resource').map((e) => e.name)")
            check(after == before, f"the hide flow made requests: {after[len(before):]}")
            driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
            pv = driver.find_element(By.ID, "present-verdict")
            check(pv.get_attribute("data-verdict") == "valid", f"the reduced QR verifies as {pv.get_attribute('data-verdict')}: {pv.text!r}")
            check(pv.get_attribute("data-withheld") == " ".join(WITHHOLDABLE), f"withheld on the page: {pv.get_attribute('data-withheld')!r}")
            for fid in WITHHOLDABLE:
                check(LABELS[fid] in pv.text, f"the page's verdict of the reduced QR does not name {LABELS[fid]}: {pv.text!r}")
            holder = driver.find_element(By.ID, "present-qr")
            reduced = holder.get_attribute("data-text")
            (out / "reduced.txt").write_text(reduced + "\n", encoding="utf-8")
            check(reduced.startswith(base + "/verify/#AK2."), f"the reduced text has another URL part: {reduced[:80]}")
            check(len(reduced) < len(full), f"the reduced text ({len(reduced)}) is not shorter than the full one ({len(full)})")
            for fid in ("birthDate", "householder", "relationship", "domicile"):
                check(FIELDS[fid] not in reduced, f"{fid} is in the reduced text")
            version = int(holder.get_attribute("data-version"))
            width = driver.execute_script("return document.querySelector('#present-qr svg').getBoundingClientRect().width")
            modules = 4 * version + 17 + 8
            result["reduced"] = {"chars": len(reduced), "version": version, "cssWidth": width, "cssPxPerModule": round(width / modules, 2)}
            check(width >= 340, f"the QR is {width:.0f} CSS px wide at 375 px: not large")
            check(driver.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth"), "horizontal scrolling at 375 px")
            time.sleep(0.8)  # the page's smooth scroll to the result ends
            driver.execute_script("const t = document.getElementById('present-result-title').getBoundingClientRect().top;"
                                  "window.scrollTo({top: t + scrollY - 12, behavior: 'instant'})")
            time.sleep(0.3)
            title_top = driver.execute_script("return document.getElementById('present-result-title').getBoundingClientRect().top")
            check(0 <= title_top <= 40, f"the result heading is not at the top of the screen ({title_top})")
            size = screenshot(driver, out / "present-qr-375.png")
            check(size == (PHONE[0] * SCALE, PHONE[1] * SCALE), f"screenshot {size}")
            qr_box = driver.execute_script("const r = document.querySelector('#present-qr svg').getBoundingClientRect(); return [r.top, r.bottom]")
            check(qr_box[0] >= 0 and qr_box[1] <= PHONE[1], f"the whole QR is not on the phone screen: {qr_box}")

        with run.step("the A4 copy: one page, its text exactly what a verifier shows of the reduced QR → present-print.pdf"):
            driver.execute_script("document.body.classList.add('print-present')")
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
            printed = driver.execute_script("return document.body.innerText").strip()
            pdf = base64.b64decode(driver.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})["data"])
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
            driver.execute_script("document.body.classList.remove('print-present')")
            (out / "present-print.pdf").write_bytes(pdf)
            pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
            check(pages == 1, f"the print copy has {pages} pages")
            boxes = [tuple(round(float(v)) for v in m.groups()) for m in re.finditer(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", pdf)]
            check(boxes and all(abs(b[2] - b[0] - 595) <= 1 and abs(b[3] - b[1] - 842) <= 1 for b in boxes), f"not A4: {boxes}")
            if shutil.which("pdftoppm"):
                subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", str(out / "present-print.pdf"), str(out / "present-print")], check=True, timeout=60)
            result["printed"] = printed

        with run.step("open the reduced copy: valid, withheld fields by label with 「本人の意思で非開示」 in kind order → present-verdict-375.png"):
            link = driver.find_element(By.ID, "present-link")
            check(link.get_attribute("href").endswith(reduced[reduced.index("#"):]), "the verify link is not the reduced text")
            driver.execute_script("window.akashiVerifier.lastReport = null")
            link.click()
            wait(driver, 20).until(lambda d: d.execute_script("return !!window.akashiVerifier.lastReport && location.hash.length > 10"))
            verdict = wait_verdict(driver)
            check(verdict == "valid", f"the reduced copy is {verdict}: {driver.find_element(By.ID, 'verdict').text[:300]}")
            check(driver.execute_script("return location.href") == reduced, "the page does not show the reduced text's link")
            got = rows(driver)
            check([r["id"] for r in got] == list(FIELDS), f"rows in order {[r['id'] for r in got]}, expected the kind order")
            for r in got:
                check(r["label"] == LABELS[r["id"]], f"label {r['label']!r} for {r['id']}")
                if r["id"] in WITHHOLDABLE:
                    check(r["withheld"] and r["value"] == WITHHELD_JA, f"{r['id']} is not shown as withheld: {r}")
                    check(r["border"] == "dashed" and "gradient" in r["background"], f"{r['id']}: the withheld row is not styled apart: {r}")
                else:
                    check(not r["withheld"] and r["value"] != WITHHELD_JA and r["border"] != "dashed", f"{r['id']} is marked withheld: {r}")
            check("氏名" in got[0]["label"] and got[0]["value"] == FIELDS["name"], "氏名 is not shown")
            check(next(r for r in got if r["id"] == "address")["value"] == FIELDS["address"], "住所 is not shown")
            note = driver.find_element(By.ID, "cert-withheld-note")
            check(note.is_displayed() and "5 項目" in note.text, f"the withheld note is {note.text!r}")
            check(not driver.find_element(By.ID, "present-entry").is_displayed(), "the hide flow is offered although nothing is left to hide")
            disclosure = driver.find_element(By.CSS_SELECTOR, '[data-check="disclosure"]')
            check(disclosure.get_attribute("data-status") == "passed" and "5 項目" in disclosure.text, f"the disclosure check: {disclosure.text!r}")
            report = driver.execute_script("const r = window.akashiVerifier.lastReport; return {withheld: r.withheld, fields: Object.keys(r.fields)}")
            check(report["withheld"] == WITHHOLDABLE, f"report.withheld {report['withheld']}")
            check(sorted(report["fields"]) == sorted(SIGNED), f"report.fields {report['fields']}")
            # The print copy said exactly this: title, meta, the fields, the statement.
            shown = "\n".join(driver.execute_script(
                """const t = (s) => document.querySelector(s).innerText.trim();
                   return [t('#cert-title'), t('#cert-meta'), t('#cert-fields'), t('#cert-statement')];"""))
            norm = lambda s: re.sub(r"\n+", "\n", s).strip()  # noqa: E731
            check(norm(printed) == norm(shown), f"the printed text differs from the verified copy:\nprinted: {printed!r}\nshown:   {shown!r}")
            driver.execute_script("window.scrollTo(0, 0)")
            time.sleep(0.3)
            screenshot(driver, out / "present-verdict-375.png", "#verdict", "#certificate")

        with run.step("English: 'Withheld by the holder', 'Show with some fields hidden'"):
            driver.find_element(By.ID, "lang").click()
            wait(driver).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
            got = rows(driver)
            check([r["value"] for r in got if r["withheld"]] == [WITHHELD_EN] * 5, f"English withheld rows: {[r['value'] for r in got if r['withheld']]}")
            check(next(r for r in got if r["id"] == "domicileHead")["label"] == "Head of family register", "English labels")
            english = driver.find_element(By.ID, "present-open").get_attribute("textContent").strip()
            check(english == "Show with some fields hidden", f"English button {english!r}")
            screenshot(driver, out / "present-verdict-375-en.png", "#verdict", "#certificate")
            driver.find_element(By.ID, "lang").click()
            problems = console_problems(driver)
            check(not problems, f"console problems: {problems}")

        with run.step("the QR read back from present-qr-375.png (zbarimg, akashi-verify's decoder) and verified by akashi-verify"):
            decoded = zbar(out / "present-qr-375.png")
            check(decoded == reduced, f"zbarimg read another text ({len(decoded)} chars) than the page made ({len(reduced)})")
            line = verify_json(args.verify, trust, status, ["-"], decoded + "\n")
            check(line["verdict"] == "valid" and line["_exit"] == 0, f"akashi-verify: {line['verdict']} (exit {line['_exit']}): {line.get('reasons')}")
            check(line.get("withheld") == WITHHOLDABLE, f"akashi-verify withheld {line.get('withheld')}")
            check(sorted(line["fields"]) == sorted(SIGNED), f"akashi-verify fields {sorted(line['fields'])}")
            check(line["serial"] == issued.get("serial", line["serial"]), "another serial")
            image = verify_json(args.verify, trust, status, [str(out / "present-qr-375.png")])
            check(image["verdict"] == "valid" and image.get("withheld") == WITHHOLDABLE, f"akashi-verify on the PNG: {image['verdict']} {image.get('withheld')}")
            result["akashiVerify"] = {"verdict": line["verdict"], "withheld": line["withheld"], "fields": sorted(line["fields"])}

        if args.screenshots:
            target = Path(args.screenshots)
            target.mkdir(parents=True, exist_ok=True)
            for name in ("present-qr-375.png", "present-verdict-375.png"):
                shutil.copyfile(out / name, target / name)
            run.note(f"copied present-qr-375.png, present-verdict-375.png to {target}")
    except Exception as error:  # noqa: BLE001 - every failure is reported with a screenshot
        failed = True
        print(f"test_present: FAILED: {error}", file=sys.stderr, flush=True)
        if driver is not None:
            try:
                driver.save_screenshot(str(out / "present-failure.png"))
                (out / "present-failure.html").write_text(driver.page_source, encoding="utf-8")
            except Exception:  # noqa: BLE001
                pass
    finally:
        if driver is not None:
            driver.quit()
    result["steps"] = run.steps if hasattr(run, "steps") else None
    (out / "result.json").write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"test_present: {'FAIL' if failed else 'PASS'} ({out})", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
