#!/usr/bin/env python3
"""End-to-end browser test of the clerk UI of `akashi serve`, in headless Chromium.

A clerk logs in with the keyboard, checks the dashboard, opens 発行 → 住民票の写し,
submits the form with 氏名 empty and an out-of-range date (per-field Japanese
errors next to the fields, aria-invalid), fills it from
certs/examples/residence.json, previews, issues, and lands on the print page.
The print page is saved as PNG and as PDF (Chrome's Page.printToPDF; exactly one
A4 page), the QR is saved as a PNG large enough to decode, /trust.json is saved
for akashi-verify, the certificate is found by searching 飯塚, the form is checked
at phone width (390 px: no horizontal scrolling), and the English switch is checked.

    python3 Tests/browser/test_clerk_flow.py --base http://127.0.0.1:PORT --out DIR \\
        --login clerk --password SECRET

Writes into DIR: login.png, dashboard.png, form-error.png, preview.png, print.png,
print.pdf, print-qr.png, search.png, form-phone.png, search-phone.png,
dashboard-en.png, trust.json, serial.txt, result.json. Exit 0 when every check
passes, 1 otherwise. Normally run by scripts/browser-test.sh, which starts the
server. Environment: CHROMIUM (browser binary), CHROMEDRIVER (driver binary),
HEADED=1 to watch the browser.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import sys
import time
import urllib.request
from pathlib import Path

# Shared with test_web_verifier.py (steps, Chromium, screenshots, overflow, console).
from browserkit import (
    JAPANESE_FONT,
    REPO,
    Run,
    check,
    console_problems,
    element_png,
    full_page_png,
    h1,
    horizontal_overflow,
    make_driver,
    rendering_fonts,
    report_exception,
    save_failure,
    set_value,
    set_viewport,
    text_of,
    type_into,
    wait,
    wait_path,
)
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

DESKTOP = (1280, 900)
PHONE = (390, 844)


# MARK: PDF


def pdf_page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def pdf_media_boxes(data: bytes) -> list[tuple[float, float]]:
    boxes = []
    for m in re.finditer(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", data):
        x0, y0, x1, y1 = (float(v) for v in m.groups())
        boxes.append((round(x1 - x0, 1), round(y1 - y0, 1)))
    return boxes


# MARK: the test


def fill_form(driver: webdriver.Chrome, example: dict, overrides: dict[str, str]) -> None:
    """Fills f.<id> inputs from the example (overrides win); ticks `include` for
    fields left out by default when the example has a value for them."""
    values = {**{k: v for k, v in example.items() if isinstance(v, str)}, **overrides}
    for field_id, value in values.items():
        found = driver.find_elements(By.NAME, f"f.{field_id}")
        check(found, f"the form has no input named f.{field_id}")
        el = found[0]
        tag, kind = el.tag_name.lower(), (el.get_attribute("type") or "").lower()
        if tag == "select":
            if value:
                Select(el).select_by_value(value)
            else:
                Select(el).select_by_index(0)
        elif kind == "date":
            set_value(driver, el, value)
            check(el.get_attribute("value") == value, f"date input f.{field_id} did not take {value!r} (got {el.get_attribute('value')!r})")
        else:
            type_into(el, value)
        include = driver.find_elements(By.CSS_SELECTOR, f'input[name="include"][value="{field_id}"]')
        if include and value and not include[0].is_selected():
            include[0].click()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="server base URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--out", required=True, help="directory for screenshots, PDF, trust.json")
    parser.add_argument("--login", required=True)
    parser.add_argument("--password", default=os.environ.get("AKASHI_TEST_PASSWORD"), help="(or $AKASHI_TEST_PASSWORD)")
    parser.add_argument("--name", default=None, help="the clerk's display name, checked on the dashboard")
    parser.add_argument("--example", default=str(REPO / "certs/examples/residence.json"))
    args = parser.parse_args()
    if not args.password:
        parser.error("give --password (or set AKASHI_TEST_PASSWORD)")
    base = args.base.rstrip("/")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    example = json.loads(Path(args.example).read_text(encoding="utf-8"))
    run = Run(out)
    result: dict = {"base": base, "screenshots": []}

    print(f"browser test: {base} → {out}", flush=True)
    t0 = time.monotonic()
    driver = make_driver("test_clerk_flow", DESKTOP)
    run.note(f"Chromium {driver.capabilities.get('browserVersion')} started in {time.monotonic() - t0:.2f} s")
    failed = False
    try:
        set_viewport(driver, DESKTOP)

        with run.step("login page (redirect, labels, autofocus) → login.png"):
            driver.get(base + "/")
            wait_path(driver, r"/login\?next=%2F")
            check(h1(driver) == "ログイン", f"h1 is {h1(driver)!r}, expected ログイン")
            check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja", "html lang is not ja")
            for field in ("login", "password"):
                check(driver.find_elements(By.CSS_SELECTOR, f'label[for="{field}"]'), f"no <label for={field}>")
            check(driver.execute_script("return document.activeElement && document.activeElement.id") == "login",
                  "the login name field does not have focus on load (autofocus)")
            check(not driver.find_elements(By.CSS_SELECTOR, 'form[action="/logout"]'), "a log-out button shows before login")
            full_page_png(driver, out / "login.png")

        with run.step("wrong password: error shown, field marked invalid"):
            field = driver.find_element(By.ID, "login")
            type_into(field, args.login)
            field.send_keys(Keys.TAB)
            driver.switch_to.active_element.send_keys("definitely-not-the-password" + Keys.ENTER)
            wait(driver).until(EC.visibility_of_element_located((By.ID, "login-error")))
            check("ログイン名またはパスワードが違います" in text_of(driver, "#login-error"), "no Japanese wrong-password message")
            check(driver.find_element(By.ID, "login").get_attribute("aria-invalid") == "true", "login field not aria-invalid after a failed login")
            check(driver.find_element(By.ID, "login").get_attribute("value") == args.login, "the login name was not kept after a failed login")

        with run.step("log in with the keyboard (type, Tab, type, Enter) → dashboard.png"):
            field = driver.find_element(By.ID, "password")
            field.clear()
            field.send_keys(args.password + Keys.ENTER)
            wait_path(driver, r"/")
            check(h1(driver) == "ホーム", f"h1 is {h1(driver)!r} after login, expected ホーム")
            who = text_of(driver, "header .who")
            check("窓口職員" in who, f"the header does not show the clerk role: {who!r}")
            if args.name:
                check(args.name in who, f"the header does not show {args.name!r}: {who!r}")
            nav = [a.text.strip() for a in driver.find_elements(By.CSS_SELECTOR, "header nav a")]
            check(nav[:3] == ["ホーム", "発行", "検索・再印刷"], f"clerk navigation is {nav}")
            check("職員管理" not in nav and "APIトークン" not in nav and "監査記録" not in nav, f"a clerk sees admin links: {nav}")
            current = driver.find_element(By.CSS_SELECTOR, 'header nav a[aria-current="page"]').text.strip()
            check(current == "ホーム", f"aria-current is on {current!r}")
            check(text_of(driver, ".stat") == "0", f"issued-today count is {text_of(driver, '.stat')!r} on a fresh authority")
            check("該当する証明書はありません" in driver.page_source, "a fresh authority's dashboard lists certificates")
            check(driver.find_element(By.XPATH, "//button[normalize-space()='ログアウト']").is_displayed(), "no visible ログアウト button")
            full_page_png(driver, out / "dashboard.png")

        with run.step("発行 → 住民票の写し: the generated form"):
            driver.find_element(By.LINK_TEXT, "発行").click()
            wait_path(driver, r"/issue")
            check(h1(driver) == "証明書の発行", f"h1 is {h1(driver)!r}")
            cards = driver.find_elements(By.CSS_SELECTOR, "a.kind")
            check(len(cards) >= 4, f"{len(cards)} kinds offered, expected the 4 in certs/")
            residence = [c for c in cards if "住民票の写し" in c.text]
            check(residence, "no 住民票の写し card")
            residence[0].click()
            wait_path(driver, r"/issue/residence")
            check(h1(driver).startswith("住民票の写し"), f"h1 is {h1(driver)!r}")
            unlabeled = driver.execute_script(
                """return [...document.querySelectorAll('main input:not([type=hidden]):not([type=checkbox]), main select, main textarea')]
                     .filter(el => !el.id || !document.querySelector('label[for="' + el.id + '"]')).map(el => el.name);"""
            )
            check(not unlabeled, f"inputs without a <label for>: {unlabeled}")
            check(driver.find_element(By.NAME, "f.birthDate").get_attribute("type") == "date", "birthDate is not a date input")

        with run.step("submit with 氏名 empty and an impossible date → per-field errors → form-error.png"):
            # type=date only lets a browser submit well-formed dates, so the wrong date is
            # one the server rejects: 1800 is before the Meiji era start the kinds accept.
            fill_form(driver, example, {"name": "", "birthDate": "1800-01-01"})
            driver.find_element(By.CSS_SELECTOR, 'button[name="action"][value="preview"]').click()
            wait(driver).until(EC.visibility_of_element_located((By.ID, "problems")))
            check(wait_path(driver, r"/issue/residence"), "left the form")
            summary = text_of(driver, "#problems")
            check("入力内容を確認してください（2件）" in summary, f"error summary is {summary!r}")
            name_error = driver.find_element(By.ID, "err-name")
            check(name_error.is_displayed() and "氏名を入力してください" in name_error.text, f"氏名 error is {name_error.text!r}")
            date_error = driver.find_element(By.ID, "err-birthDate")
            # The error says what is allowed (the range), next to the field, without repeating its label.
            check(date_error.is_displayed() and "1868年" in date_error.text and not date_error.text.startswith("生年月日"),
                  f"生年月日 error is {date_error.text!r}")
            for field_id, error_id in (("name", "err-name"), ("birthDate", "err-birthDate")):
                el = driver.find_element(By.ID, f"f-{field_id}")
                check(el.get_attribute("aria-invalid") == "true", f"f-{field_id} is not aria-invalid")
                check(error_id in (el.get_attribute("aria-describedby") or "").split(), f"f-{field_id} is not described by {error_id}")
                # the message is next to its field: inside the same .field block
                same = driver.execute_script("return document.getElementById(arguments[0]).closest('.field') === document.getElementById(arguments[1]).closest('.field')", f"f-{field_id}", error_id)
                check(same, f"{error_id} is not in the same field block as f-{field_id}")
            for field_id in ("kana", "address", "householder"):
                check(driver.find_element(By.ID, f"f-{field_id}").get_attribute("aria-invalid") is None, f"valid field f-{field_id} is marked invalid")
            check(driver.find_element(By.ID, "f-kana").get_attribute("value") == example["kana"], "typed values were lost after the error")
            link_targets = [a.get_attribute("href").split("#")[-1] for a in driver.find_elements(By.CSS_SELECTOR, "#problems a")]
            check(sorted(link_targets) == ["f-birthDate", "f-name"], f"summary links point to {link_targets}")
            full_page_png(driver, out / "form-error.png")

        with run.step("fill correctly from certs/examples/residence.json → preview → preview.png"):
            fill_form(driver, example, {})
            driver.find_element(By.CSS_SELECTOR, 'button[name="action"][value="preview"]').click()
            wait(driver).until(lambda d: "確認" in h1(d))
            preview = text_of(driver, "dl.preview")
            for value in (example["name"], example["kana"], example["address"], example["householder"]):
                check(value in preview, f"the preview does not show {value!r}")
            if "domicile" in example:
                check(example["domicile"] in preview, "the preview omits 本籍 although it was included")
            check(driver.find_element(By.CSS_SELECTOR, ".notice").is_displayed(), "no 'cannot be undone' notice on the preview")
            full_page_png(driver, out / "preview.png")

        with run.step("issue → print page → print.png"):
            console_problems(driver)  # drop what came before (the expected 401 and 422 answers)
            issue = driver.find_element(By.CSS_SELECTOR, 'button[name="action"][value="issue"]')
            check(issue.text.strip() == "発行する", f"issue button says {issue.text!r}")
            issue.click()
            m = wait_path(driver, r"/certificates/([^/?]+)/print\?issued=1", 20)
            serial = m.group(1)
            result["serial"] = serial
            (out / "serial.txt").write_text(serial + "\n", encoding="utf-8")
            run.note(f"issued serial {serial}")
            check(h1(driver) == "住民票の写し", f"print page h1 is {h1(driver)!r}")
            table = text_of(driver, "table")
            for value in (example["name"], example["address"]):
                check(value in table, f"the certificate does not show {value!r}")
            foot = text_of(driver, ".foot dl")
            check(serial in foot, "the serial is not printed on the certificate")
            check("飯塚市" in foot, "the issuer 飯塚市 is not printed")
            check(driver.find_elements(By.CSS_SELECTOR, ".qr svg"), "no QR (.qr svg) on the print page")
            check(driver.find_element(By.CSS_SELECTOR, ".toolbar button").is_displayed(), "no 印刷する button")
            fonts = rendering_fonts(driver, "h1")
            check(any(JAPANESE_FONT.search(f) for f in fonts),
                  f"the title is drawn with {fonts}: no Japanese font, Japanese shows as boxes (apt-get install -y fonts-noto-cjk)")
            run.note(f"Japanese text drawn with {', '.join(sorted(set(fonts)))}")
            w, h = full_page_png(driver, out / "print.png")
            run.note(f"print.png {w}×{h}")

        with run.step("print to PDF (Page.printToPDF): one A4 page per sheet (the certificate, and the new subject secret's own sheet) → print.pdf"):
            sheets = len(driver.find_elements(By.CSS_SELECTOR, "section.sheet"))
            # No subject key was given at the counter: the first print carries the resident's fresh secret on a sheet of its own.
            check("わたしの証明書の記録の鍵" in driver.page_source, "the first print has no sheet with the resident's new subject secret")
            pdf = driver.execute_cdp_cmd(
                "Page.printToPDF",
                {"printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": False},
            )
            data = base64.b64decode(pdf["data"])
            (out / "print.pdf").write_bytes(data)
            pages = pdf_page_count(data)
            if shutil.which("pdfinfo"):
                import subprocess

                info = subprocess.run(["pdfinfo", str(out / "print.pdf")], capture_output=True, text=True).stdout
                m = re.search(r"^Pages:\s+(\d+)", info, re.M)
                check(m and int(m.group(1)) == pages, f"pdfinfo says {m and m.group(1)} pages, the PDF's page objects say {pages}")
            check(pages == sheets == 2, f"the print is {pages} pages for {sheets} sheets, expected 2 (the certificate on one page, the secret on another)")
            boxes = pdf_media_boxes(data)
            check(boxes and all(abs(b[0] - 595.3) < 2 and abs(b[1] - 841.9) < 2 for b in boxes), f"page size is not A4 (595×842 pt): {boxes}")
            run.note(f"print.pdf: {pages} page, {boxes[0][0]}×{boxes[0][1]} pt, {len(data)} bytes")

        with run.step("QR image (.qr svg at 2× device pixels) → print-qr.png"):
            css_width = driver.execute_script("return document.querySelector('.qr svg').getBoundingClientRect().width")
            w, h = element_png(driver, ".qr svg", out / "print-qr.png", scale=2)
            check(w >= 300 and h >= 300, f"QR image is only {w}×{h}")
            run.note(f"QR renders at {css_width:.0f} CSS px, saved {w}×{h}")
            result["qrPng"] = str(out / "print-qr.png")

        with run.step("print page console: no CSP violations or failed loads"):
            problems = console_problems(driver)
            check(not problems, f"console errors: {problems}")

        with run.step("GET /trust.json without a session → trust.json"):
            with urllib.request.urlopen(base + "/trust.json", timeout=10) as response:
                check(response.status == 200, f"/trust.json answered {response.status}")
                body = response.read()
            trust = json.loads(body)
            authorities = trust.get("authorities") or []
            check(len(authorities) == 1, f"trust.json lists {len(authorities)} authorities, expected 1")
            authority = authorities[0]
            check(authority.get("name") == "飯塚市" and authority.get("issuer") == "402052",
                  f"trust.json authority is {authority.get('name')!r} ({authority.get('issuer')!r})")
            check(authority.get("keys"), "trust.json has no signing keys")
            check("residence" in [k.get("id") for k in authority.get("kinds", [])], "trust.json does not list the residence kind")
            check(authority.get("verifierURL", "").startswith(base + "/verify/"), f"trust.json verifierURL is {authority.get('verifierURL')!r}, not this server's")
            check(authority.get("log", {}).get("origin") == "iizuka.example/akashi/log", "trust.json log origin is wrong")
            (out / "trust.json").write_bytes(body)

        with run.step("検索・再印刷: search 飯塚 (Enter) finds the serial → search.png"):
            driver.get(base + "/")  # the print page is the bare certificate: no navigation
            driver.find_element(By.LINK_TEXT, "検索・再印刷").click()
            wait_path(driver, r"/certificates")
            box = driver.find_element(By.ID, "q")
            box.send_keys("飯塚" + Keys.ENTER)
            wait_path(driver, r"/certificates\?.*q=%E9%A3%AF%E5%A1%9A.*")
            check("検索結果 (1)" in text_of(driver, "main"), "search did not report exactly 1 result")
            links = [a.text.strip() for a in driver.find_elements(By.CSS_SELECTOR, "table.list td.mono a")]
            check(links == [serial], f"search results list {links}, expected [{serial}]")
            check(driver.find_element(By.ID, "q").get_attribute("value") == "飯塚", "the search box lost its text")
            full_page_png(driver, out / "search.png")

        with run.step("dashboard counts the issuance"):
            driver.find_element(By.LINK_TEXT, "ホーム").click()
            wait_path(driver, r"/")
            check(text_of(driver, ".stat") == "1", f"issued-today count is {text_of(driver, '.stat')!r}, expected 1")
            check(serial in text_of(driver, "table.list"), "today's table does not list the new serial")

        with run.step("English switch (?lang=en) → dashboard-en.png"):
            driver.find_element(By.CSS_SELECTOR, 'header a[href="?lang=en"]').click()
            wait_path(driver, r"/\?lang=en")
            check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "html lang is not en")
            check(h1(driver) == "Home", f"h1 is {h1(driver)!r}")
            check(driver.find_element(By.XPATH, "//button[normalize-space()='Log out']").is_displayed(), "no 'Log out' button")
            nav = [a.text.strip() for a in driver.find_elements(By.CSS_SELECTOR, "header nav a")]
            check(nav[:3] == ["Home", "Issue", "Search & reprint"], f"English nav is {nav}")
            check("Clerk" in text_of(driver, "header .who"), "role is not shown in English")
            check("Issued today" in text_of(driver, "main"), "dashboard body is not in English")
            full_page_png(driver, out / "dashboard-en.png")
            driver.get(base + "/issue/residence")  # the choice sticks (cookie)
            check(h1(driver) == "Certificate of Residence (copy of resident record) — issue", f"English form h1 is {h1(driver)!r}")
            check(driver.find_element(By.CSS_SELECTOR, 'label[for="f-name"]').text.startswith("Name"), "form labels are not English")
            driver.find_element(By.CSS_SELECTOR, 'header a[href="?lang=ja"]').click()
            wait(driver).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja")
            check(driver.find_element(By.XPATH, "//button[normalize-space()='ログアウト']"), "back to Japanese failed")

        with run.step(f"phone width {PHONE[0]} px: form without horizontal scrolling → form-phone.png"):
            set_viewport(driver, PHONE)
            driver.get(base + "/issue/residence")
            inner = driver.execute_script("return window.innerWidth")
            check(inner == PHONE[0], f"viewport is {inner} px wide, expected {PHONE[0]}")
            driver.find_element(By.CSS_SELECTOR, 'button[name="action"][value="preview"]').click()  # empty form: all errors
            wait(driver).until(EC.visibility_of_element_located((By.ID, "problems")))
            scroll, inner, culprits = horizontal_overflow(driver)
            full_page_png(driver, out / "form-phone.png")
            check(scroll <= inner, f"form scrolls sideways at {inner} px: scrollWidth {scroll}; sticking out: {culprits}")
            button = driver.find_element(By.CSS_SELECTOR, 'button[name="action"][value="preview"]').rect
            check(button["x"] + button["width"] <= inner, "the preview button is cut off on a phone")

        with run.step(f"phone width {PHONE[0]} px: search results → search-phone.png (reported, not asserted)"):
            driver.get(base + "/certificates?q=%E9%A3%AF%E5%A1%9A")
            scroll, inner, culprits = horizontal_overflow(driver)
            full_page_png(driver, out / "search-phone.png")
            if scroll > inner:
                run.note(f"WARNING search results scroll sideways at {inner} px: scrollWidth {scroll}; sticking out: {culprits}")
            else:
                run.note("search results fit the phone width")

        with run.step("log out → login page; pages need a session again"):
            set_viewport(driver, DESKTOP)
            driver.get(base + "/")
            driver.find_element(By.XPATH, "//button[normalize-space()='ログアウト']").click()
            wait_path(driver, r"/login")
            driver.get(base + f"/certificates/{serial}/print")
            wait_path(driver, r"/login\?next=.*")
            check(h1(driver) == "ログイン", "a print page opened without a session")

        result["screenshots"] = sorted(p.name for p in out.glob("*.png"))
    except Exception as error:
        failed = True
        report_exception(error, __file__)
        save_failure(driver, out)
    finally:
        driver.quit()

    total = time.monotonic() - run.started
    result.update(
        passed=not failed,
        seconds=round(total, 2),
        steps=[{"step": n, "seconds": round(s, 3), "status": st} for n, s, st in run.steps],
        notes=run.notes,
    )
    (out / "result.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    ok = sum(1 for _, _, st in run.steps if st == "ok")
    print(f"browser test: {'PASS' if not failed else 'FAIL'} — {ok}/{len(run.steps)} steps in {total:.1f} s; artifacts in {out}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
