"""The operator console with 500 active incidents: time from navigation until the queue shows
them all, in a real browser. Target: under 1 s. The last line is one JSON object.

    .venv/bin/python bench/console_render.py [--incidents 500] [--runs 5]
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

PREPARE = """
import random
from dispatch112 import events
from incidents.simulation import Simulator
from incidents import services
from incidents.models import Incident
simulator = Simulator(random.Random(7), prank_share=0)
made = 0
with events.muted():
    while Incident.objects.active().count() < {n}:
        call = simulator.log_call()
        if call.incident_id and random.random() < 0.7:
            incident = Incident.objects.get(pk=call.incident_id)
            simulator.play_incident(incident, start=incident.created_at, until=incident.created_at + __import__('datetime').timedelta(hours=1), max_steps=random.randint(0, 3))
print(Incident.objects.active().count(), "active incidents")
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with running_server(prepare=PREPARE.replace("{n}", str(args.incidents))) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "operator")
        page.fill("#id_password", "operator-112-demo")
        page.click("button.primary")
        times = []
        for run in range(args.runs):
            started = time.perf_counter()
            page.goto(f"{base}/console/")
            page.wait_for_function(f"document.querySelectorAll('#queue-body tr').length >= {args.incidents}", timeout=30000)
            times.append(time.perf_counter() - started)
            print(f"run {run + 1}: {times[-1] * 1000:.0f} ms")
        # Re-render cost when one incident changes (what every pushed event costs the page).
        rerender_ms = page.evaluate("""() => new Promise((resolve) => {
            const t0 = performance.now();
            window.dispatch112.loadQueue().then(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
        })""")
        browser.close()
    result = {
        "bench": "console_render",
        "incidents": args.incidents,
        "runs": args.runs,
        "median_ms": round(statistics.median(times) * 1000),
        "worst_ms": round(max(times) * 1000),
        "reload_and_render_ms": round(rerender_ms),
        "target_ms": 1000,
        "machine": machine(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
