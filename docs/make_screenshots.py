"""Regenerate the screenshots in docs/ from the example vault's site, in headless chromium.

    python docs/make_screenshots.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SHOTS = [("index.html", "screenshot-dashboard.png", {"width": 1280, "height": 1000}),
         ("pipeline.html", "screenshot-board.png", {"width": 1600, "height": 900}),
         ("records/harbor-freight-fleet-renewal.html", "screenshot-deal.png", {"width": 1280, "height": 1100}),
         ("agenda.html", "screenshot-agenda-phone.png", {"width": 390, "height": 1200}),
         ("owners/maria.html", "screenshot-owner.png", {"width": 1400, "height": 1000}),
         ("opportunities.html", "screenshot-list-sorted.png", {"width": 1280, "height": 760}),
         ("calendar.html", "screenshot-calendar.png", {"width": 1280, "height": 1100})]
CLICKS = {"screenshot-list-sorted.png": ["thead th:has-text('Amount')"] * 2}  # sorted by amount, largest first


def main() -> None:
    site = Path(tempfile.mkdtemp(prefix="salesmd-site-"))
    subprocess.run([sys.executable, "-m", "salesmd", "--vault", str(ROOT / "example-vault"), "report",
                    "--out", str(site)], check=True, stdout=subprocess.DEVNULL)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        for page_name, file_name, viewport in SHOTS:
            page = browser.new_page(viewport=viewport, device_scale_factor=1)
            page.goto((site / page_name).as_uri())
            for selector in CLICKS.get(file_name, []):
                page.click(selector)
            page.screenshot(path=str(ROOT / "docs" / file_name))
            page.close()
        browser.close()
    shutil.rmtree(site)


if __name__ == "__main__":
    main()
