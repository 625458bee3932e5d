"""The operator's fire call, logged and dispatched with the keyboard, 20 times in a real browser.

Measures the page, not the typist: keys are sent as fast as the page accepts them. Prints the
median and worst time of the whole flow (page ready → dispatched) and the keystrokes beyond the
typed text; the last line is one JSON object.

    .venv/bin/python bench/intake_flow.py [--runs 20]
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import machine, running_server  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


def one_flow(page, base, number):
    keys = 0

    def press(key):
        nonlocal keys
        keys += 1
        page.keyboard.press(key)

    page.goto(f"{base}/console/")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'caller_number'")
    started = time.perf_counter()
    page.keyboard.type(number)
    press("Tab")
    page.keyboard.type("Pak Andi")
    press("Tab")
    page.keyboard.type("k")
    press("Enter")
    press("Tab")
    press("Tab")
    page.keyboard.type("sidodadi")
    press("Enter")
    press("Tab")
    page.keyboard.type("Jl. Pahlawan No. 12")
    box = page.locator("#intake-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    press("Enter")
    page.wait_for_selector(".detail-ref")
    press("Alt+D")
    page.wait_for_selector("#detail-body .assignments")
    return time.perf_counter() - started, keys


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with running_server() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "operator")
        page.fill("#id_password", "operator-112-demo")
        page.click("button.primary")
        times, keystrokes = [], 0
        for run in range(args.runs):
            seconds, keystrokes = one_flow(page, base, f"0812{run:08d}")
            times.append(seconds)
            print(f"run {run + 1:2d}: {seconds * 1000:7.0f} ms, {keystrokes} keystrokes")
        browser.close()
    result = {
        "bench": "intake_flow",
        "runs": args.runs,
        "median_ms": round(statistics.median(times) * 1000),
        "worst_ms": round(max(times) * 1000),
        "keystrokes": keystrokes,
        "machine": machine(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
