#!/usr/bin/env python3
"""Drives the gateway's review page (GET /review) in a real headless Chromium, by keyboard
only, as a reviewer would: a wrong token first (the error must show), then the right one, then
each open item claimed with `n` and decided with `c`, `e` + typing + Enter, or `r`, in the order
--actions gives; at the end `n` must say nothing is open. Chromium's console must stay free of
errors (a Content-Security-Policy violation is one). Prints one JSON line: the items decided,
in order, with the action taken. Run by ReviewPageBrowserTests; needs chromium,
chromium-driver and selenium (scripts/install-deps.sh)."""
import argparse
import json
import shutil
import sys
import tempfile

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

# An upper bound on waiting for the page to react, not a pace: every wait ends as soon as the
# page shows what it waits for.
PATIENCE = 60


def chromium(profile):
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check"):
        options.add_argument(flag)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


def text(driver, element_id):
    return driver.find_element(By.ID, element_id).text


def wait(driver, what, condition):
    try:
        return WebDriverWait(driver, PATIENCE).until(lambda d: condition(d))
    except TimeoutException:
        error = driver.find_element(By.ID, "error").text if driver.find_elements(By.ID, "error") else ""
        raise SystemExit(f"review page: waited for {what}; status '{text(driver, 'status')}', error '{error}'")


def press(driver, keys):
    ActionChains(driver).send_keys(keys).perform()


def sign_in(driver, token, reviewer):
    wait(driver, "the sign-in form", lambda d: d.find_element(By.ID, "sign-in").is_displayed())
    field = driver.find_element(By.ID, "token")
    field.clear()
    field.send_keys(token)
    name = driver.find_element(By.ID, "reviewer")
    name.clear()
    name.send_keys(reviewer)
    name.send_keys(Keys.ENTER)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="the gateway's base URL")
    parser.add_argument("--token", required=True)
    parser.add_argument("--reviewer", required=True)
    parser.add_argument("--actions", required=True,
                        help="comma-separated, one per item in queue order: confirm, reject, or correct=<JSON>")
    arguments = parser.parse_args()
    actions = [a.split("=", 1) for a in arguments.actions.split(",")]

    profile = tempfile.mkdtemp(prefix="ocrfleet-chromium-")
    driver = chromium(profile)
    try:
        driver.get(arguments.url + "/review")
        # A name a browser cannot send as a header is refused on the page, before any request.
        sign_in(driver, arguments.token, "审阅者")
        wait(driver, "the name refused", lambda d: "Latin-1" in text(d, "error"))
        # A wrong token: the page says why and asks again.
        sign_in(driver, "not-" + arguments.token, arguments.reviewer)
        wait(driver, "the 401 shown", lambda d: "401 unauthorized" in text(d, "error"))
        sign_in(driver, arguments.token, arguments.reviewer)
        wait(driver, f"{len(actions)} open items", lambda d: text(d, "queue-count") == str(len(actions)))
        # A decision with nothing claimed is refused on the page, not sent.
        press(driver, "c")
        wait(driver, "the refusal shown", lambda d: "claim an item first" in text(d, "error"))

        decided = []
        crops = 0
        for action in actions:
            previous = text(driver, "item-id") if driver.find_element(By.ID, "item").is_displayed() else ""
            press(driver, "n")
            wait(driver, "the next item claimed",
                 lambda d: text(d, "item-id") not in ("", previous) and text(d, "item-state") == "claimed")
            item = text(driver, "item-id")
            crop = driver.find_element(By.ID, "item-crop")
            if crop.is_displayed():
                wait(driver, f"{item}'s crop loaded", lambda d: d.execute_script(
                    "const i = document.getElementById('item-crop'); return i.complete && i.naturalWidth > 0;"))
                crops += 1
            if action[0] == "confirm":
                press(driver, "c")
            elif action[0] == "reject":
                press(driver, "r")
            elif action[0] == "correct":
                press(driver, "e")
                wait(driver, "the edit field", lambda d: d.find_element(By.ID, "edit-value").is_displayed())
                field = driver.find_element(By.ID, "edit-value")
                field.send_keys(Keys.CONTROL, "a")
                field.send_keys(action[1])
                field.send_keys(Keys.ENTER)
            else:
                raise SystemExit(f"unknown action {action[0]}")
            state = {"confirm": "confirmed", "correct": "corrected", "reject": "rejected"}[action[0]]
            wait(driver, f"{item} {state}", lambda d: text(d, "item-state").startswith(state))
            if text(driver, "error"):
                raise SystemExit(f"review page: an error after deciding {item}: {text(driver, 'error')}")
            decided.append({"id": item, "action": action[0]})

        press(driver, "n")
        wait(driver, "nothing open", lambda d: text(d, "status") == "nothing open")
        wait(driver, "an empty queue", lambda d: text(d, "queue-count") == "0")
        # The console holds the wrong token's 401 (the request failed, as it should) and the
        # browser's own request for /favicon.ico (the gateway has none); anything else, a CSP
        # violation above all, is a failure.
        problems = [entry["message"] for entry in driver.get_log("browser")
                    if entry["level"] == "SEVERE" and "401" not in entry["message"]
                    and "favicon.ico" not in entry["message"]]
        if problems:
            raise SystemExit("review page: errors in the browser console:\n" + "\n".join(problems))
        print(json.dumps({"decided": decided, "crops": crops}))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
