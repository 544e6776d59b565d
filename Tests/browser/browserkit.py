"""Shared helpers of the headless-Chromium tests in Tests/browser (Selenium 4).

Used by test_clerk_flow.py (the clerk UI of `akashi serve`) and
test_web_verifier.py (the static web verifier in web/). Nothing here knows
either page: steps with timings, starting Chromium, viewport sizing,
screenshots through CDP, horizontal-overflow and console checks.

Environment: CHROMIUM (browser binary), CHROMEDRIVER (driver binary), HEADED=1
to watch the browser. Selenium is always given the driver path, so Selenium
Manager never downloads anything.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import struct
import sys
import time
import traceback
from contextlib import contextmanager
from pathlib import Path

try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException, WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover - environment problem, not a test failure
    sys.exit("browser test: the selenium package is missing (pip install 'selenium>=4.10', or apt-get install -y python3-selenium)")

REPO = Path(__file__).resolve().parents[2]
DESKTOP = (1280, 900)


class CheckFailed(AssertionError):
    pass


def check(condition: object, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


class Run:
    """Steps with timings, a running log, and the artifacts written."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.steps: list[tuple[str, float, str]] = []
        self.notes: list[str] = []
        self.started = time.monotonic()

    @contextmanager
    def step(self, name: str):
        t0 = time.monotonic()
        try:
            yield
        except Exception as error:
            elapsed = time.monotonic() - t0
            self.steps.append((name, elapsed, "FAIL"))
            print(f"  ✘ {name} ({elapsed:.2f} s): {error}", flush=True)
            raise
        elapsed = time.monotonic() - t0
        self.steps.append((name, elapsed, "ok"))
        print(f"  ✔ {name} ({elapsed:.2f} s)", flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"    · {text}", flush=True)


# MARK: browser


def find_binary(env: str, names: list[str]) -> str | None:
    if os.environ.get(env):
        return os.environ[env]
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def make_driver(name: str = "browser test", size: tuple[int, int] = DESKTOP, extra_args: tuple[str, ...] = ()) -> webdriver.Chrome:
    """Headless Chromium (HEADED=1: a window) with the browser console log captured.
    `name` prefixes the messages when the browser cannot be started (exit, not a failure)."""
    browser = find_binary("CHROMIUM", ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"])
    driver_path = find_binary("CHROMEDRIVER", ["chromedriver"])
    if browser is None:
        sys.exit(f"{name}: no Chromium found (apt-get install -y chromium, or set CHROMIUM)")
    if driver_path is None:
        sys.exit(f"{name}: no chromedriver found (apt-get install -y chromium-driver, or set CHROMEDRIVER)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    if os.environ.get("HEADED") != "1":
        options.add_argument("--headless=new")
    for flag in (
        "--no-sandbox",  # may run as root in a container
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--lang=ja-JP",  # the UI locale (date input format) only with chromium-l10n installed
        "--accept-lang=ja-JP",  # navigator.language, Accept-Language
        "--force-device-scale-factor=1",
        "--no-first-run",
        "--disable-extensions",
        f"--window-size={size[0]},{size[1]}",
        *extra_args,
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    except WebDriverException as error:
        sys.exit(f"{name}: cannot start {browser} through {driver_path}: {(error.msg or str(error)).splitlines()[0]}")
    driver.set_page_load_timeout(30)
    return driver


def set_viewport(driver: webdriver.Chrome, size: tuple[int, int]) -> None:
    """Sizes the window so the page's viewport (window.innerWidth) is `size`."""
    driver.set_window_size(*size)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    dw, dh = size[0] - inner[0], size[1] - inner[1]
    if dw or dh:
        driver.set_window_size(size[0] + dw, size[1] + dh)


def wait(driver: webdriver.Chrome, seconds: float = 10) -> WebDriverWait:
    return WebDriverWait(driver, seconds)


def wait_path(driver: webdriver.Chrome, pattern: str, seconds: float = 10) -> re.Match:
    """Waits until the URL's path+query matches `pattern` (a regex, anchored)."""
    regex = re.compile(pattern)

    def matched(d):
        url = d.current_url
        path = re.sub(r"^https?://[^/]+", "", url)
        return regex.fullmatch(path)

    try:
        return wait(driver, seconds).until(matched)
    except TimeoutException:
        raise CheckFailed(f"expected a page matching {pattern}, still at {driver.current_url}") from None


def text_of(driver: webdriver.Chrome, css: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, css).text.strip()


def h1(driver: webdriver.Chrome) -> str:
    return text_of(driver, "h1")


# MARK: screenshots


def png_size(data: bytes) -> tuple[int, int]:
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG")
    return struct.unpack(">II", data[16:24])


def full_page_png(driver: webdriver.Chrome, path: Path) -> tuple[int, int]:
    """A screenshot of the whole page (not just the viewport) at the current width."""
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    content = metrics.get("cssContentSize") or metrics["contentSize"]
    width = driver.execute_script("return window.innerWidth")
    height = max(int(content["height"]), driver.execute_script("return window.innerHeight"))
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True, "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}},
    )
    data = base64.b64decode(shot["data"])
    path.write_bytes(data)
    return png_size(data)


def element_png(driver: webdriver.Chrome, css: str, path: Path, scale: float = 2) -> tuple[int, int]:
    """A screenshot of one element at `scale` device pixels per CSS pixel."""
    rect = driver.execute_script(
        """const r = document.querySelector(arguments[0]).getBoundingClientRect();
           return {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height};""",
        css,
    )
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True, "clip": {**rect, "scale": scale}},
    )
    data = base64.b64decode(shot["data"])
    path.write_bytes(data)
    return png_size(data)


# MARK: page checks


def horizontal_overflow(driver: webdriver.Chrome) -> tuple[int, int, list[str]]:
    """(scrollWidth, innerWidth, elements sticking out on the right)."""
    scroll, inner = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    culprits = driver.execute_script(
        """const w = window.innerWidth, out = [];
           for (const el of document.querySelectorAll('body *')) {
             const r = el.getBoundingClientRect();
             if (r.width > 0 && r.right > w + 0.5) {
               out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                 (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
                 ' right=' + Math.round(r.right));
             }
           }
           return out.slice(0, 8);"""
    )
    return scroll, inner, culprits


def browser_log(driver: webdriver.Chrome) -> list[dict]:
    """Every console entry since the last call (the log is drained by reading it)."""
    try:
        return driver.get_log("browser")
    except Exception:
        return []


def console_problems(driver: webdriver.Chrome) -> list[str]:
    """Console errors since the last call (CSP violations, failed loads), favicon excepted."""
    return [e["message"] for e in browser_log(driver) if e.get("level") == "SEVERE" and "favicon.ico" not in e.get("message", "")]


def rendering_fonts(driver: webdriver.Chrome, css: str) -> list[str]:
    """The font families Chromium actually drew an element's text with (CDP)."""
    driver.execute_cdp_cmd("DOM.enable", {})
    driver.execute_cdp_cmd("CSS.enable", {})
    root = driver.execute_cdp_cmd("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = driver.execute_cdp_cmd("DOM.querySelector", {"nodeId": root, "selector": css})["nodeId"]
    fonts = driver.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return [f["familyName"] for f in fonts if f.get("glyphCount", 0) > 0]


JAPANESE_FONT = re.compile(r"CJK|JP|Han |Gothic|Mincho|IPA|Takao|VL |Droid Sans Fallback|Sazanami|Ume")


# MARK: input


def set_value(driver: webdriver.Chrome, element, value: str) -> None:
    """Sets an input's value as a person would end up with it (input + change events).
    Used for type=date, whose keyboard entry order depends on the browser's locale."""
    driver.execute_script(
        """const el = arguments[0]; el.value = arguments[1];
           el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true}));""",
        element,
        value,
    )


def type_into(element, value: str) -> None:
    element.clear()
    if value:
        element.send_keys(value)


# MARK: failure


def report_exception(error: BaseException, script: str) -> None:
    """One line for a WebDriver error (with the line in `script`), a traceback for a
    bug in the test, nothing more for a failed check (the step printed it)."""
    if isinstance(error, WebDriverException):
        frame = traceback.extract_tb(error.__traceback__)
        line = next((f.lineno for f in reversed(frame) if f.filename == script), "?")
        print(f"    {type(error).__name__} at line {line}: {(error.msg or '').splitlines()[0] if error.msg else error}", flush=True)
    elif not isinstance(error, CheckFailed):
        traceback.print_exc()


def save_failure(driver: webdriver.Chrome, out: Path, stem: str = "failure") -> None:
    """The page as it was when a step failed: <stem>.png and <stem>.html."""
    try:
        driver.save_screenshot(str(out / f"{stem}.png"))
        (out / f"{stem}.html").write_text(driver.page_source, encoding="utf-8")
        print(f"  failure page: {driver.current_url} ({stem}.png, {stem}.html)", flush=True)
    except Exception:
        pass
