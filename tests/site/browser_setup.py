"""Settings shared by the browser tests and their fixtures (conftest.py)."""

from __future__ import annotations

import os
import shutil

#: The system's chromium (Debian's apt package at /usr/bin/chromium; $KANMIN_CHROMIUM to choose
#: another), never a browser downloaded by Playwright.
CHROMIUM = (os.environ.get("KANMIN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
            or "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
