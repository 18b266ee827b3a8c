"""Headless Chromium for the explorer page's tests and screenshots.

Debian's `chromium` and `chromium-driver` packages (dev.sh installs them with apt-get, as it
installs Graphviz), driven by `selenium` from PyPI (the test/dev extras). Nothing is ever
downloaded at run time: both programs are found on this machine or we stop and say how to
install them, and the pages are opened with the network switched off.
"""
import os
import shutil

INSTALL_HINT = """The explorer's browser tests need Debian's headless Chromium and its driver:
    Debian/Ubuntu:  sudo apt-get install chromium chromium-driver   (./dev.sh setup does this)
    and selenium:   pip install -e ".[test]"
or set MICRODENSE_SKIP_BROWSER=1 to skip those tests on this machine."""

# Running as root needs --no-sandbox; the rest keep Chromium from calling home or updating.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND"]


class BrowserNotFound(RuntimeError):
    """Chromium, its driver or selenium is missing; the message says how to install them."""


def find_programs():
    """(chromium, chromedriver) paths, or BrowserNotFound naming what is missing."""
    browser = next(filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None)
    driver = shutil.which("chromedriver") or next(
        (path for path in ("/usr/lib/chromium/chromedriver", "/usr/bin/chromedriver")
         if os.path.exists(path)), None)
    missing = [name for name, path in (("chromium", browser), ("chromedriver", driver))
               if path is None]
    if missing:
        raise BrowserNotFound(f"{' and '.join(missing)} not found on PATH.\n{INSTALL_HINT}")
    try:
        import selenium  # noqa: F401
    except ImportError:
        raise BrowserNotFound(f"the Python package selenium is not installed.\n{INSTALL_HINT}")
    return browser, driver


def start(user_data_dir, width=1400, height=900):
    """A selenium WebDriver on a fresh headless Chromium profile, with the network off and the
    browser console recorded (driver.get_log("browser"))."""
    browser, driver_path = find_programs()
    os.environ.setdefault("SE_OFFLINE", "true")      # selenium must never fetch a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS + [f"--user-data-dir={user_data_dir}", f"--window-size={width},{height}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": True, "latency": 0, "downloadThroughput": -1,
                            "uploadThroughput": -1})
    return driver
