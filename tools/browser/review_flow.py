"""The browser half of the review web app's end-to-end test (run by tools/e2e-browser).

Signs in as a reviewer, reviews three items of the uncertainty queue (keyboard shortcut "c" to
confirm, the Confirm button with a comment, and a relabel with the "p"/"n" shortcut), signs out;
then, with JavaScript switched off, signs in as a second reviewer, marks one item unsure with the
button and signs out. Prints one JSON object: the decisions made, in order.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


PROFILES = []


def start(javascript: bool):
    profile = tempfile.mkdtemp(prefix="karyo-e2e-chromium-")
    PROFILES.append(profile)
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ["KARYO_CHROMIUM"]
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--no-first-run", "--disable-extensions", "--disable-background-networking",
                "--user-data-dir=" + profile]:
        options.add_argument(arg)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(os.environ["KARYO_CHROMEDRIVER"]), options=options)
    driver.set_page_load_timeout(30)
    return driver


def fail(message):
    print("e2e-browser: FAILED: " + message, file=sys.stderr)
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def sign_in(driver, base, user, password):
    driver.get(base + "/queue")
    WebDriverWait(driver, 15).until(EC.presence_of_element_located((By.ID, "sign-in")))
    expect("/login" in driver.current_url, "an unsigned visit to /queue did not go to the login page")
    driver.find_element(By.ID, "name").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "sign-in").click()
    WebDriverWait(driver, 15).until(EC.presence_of_element_located((By.ID, "queue")))
    expect(driver.current_url.rstrip("/").endswith("/queue"), "sign-in did not land on the queue: " + driver.current_url)


def sign_out(driver, base):
    driver.find_element(By.ID, "logout").click()
    WebDriverWait(driver, 15).until(EC.presence_of_element_located((By.ID, "sign-in")))
    driver.get(base + "/queue")
    WebDriverWait(driver, 15).until(EC.presence_of_element_located((By.ID, "sign-in")))
    expect("/login" in driver.current_url, "after sign-out /queue was still reachable")


def item_state(driver):
    WebDriverWait(driver, 15).until(EC.presence_of_element_located((By.ID, "decision")))
    token = driver.find_element(By.TAG_NAME, "h1").text.split(" ")[0]
    label = driver.find_element(By.ID, "current-label").text.strip()
    return token, label


def wait_for_new_item(driver, previous_token):
    def moved(d):
        try:
            heading = d.find_element(By.TAG_NAME, "h1").text
        except Exception:
            return False
        return previous_token not in heading
    WebDriverWait(driver, 15).until(moved)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--second-user", required=True)
    parser.add_argument("--artifacts", required=True)
    args = parser.parse_args()
    password = os.environ["KARYO_E2E_PASSWORD"]
    second_password = os.environ["KARYO_E2E_SECOND_PASSWORD"]
    base = args.url.rstrip("/")
    os.makedirs(args.artifacts, exist_ok=True)
    decisions = []

    driver = start(javascript=True)
    try:
        sign_in(driver, base, args.user, password)
        rows = driver.find_elements(By.CSS_SELECTOR, "#queue tbody tr")
        expect(len(rows) >= 3, "the queue shows fewer than 3 items")
        driver.save_screenshot(os.path.join(args.artifacts, "queue.png"))
        # Item 1: open with the "s" shortcut, confirm with "c".
        driver.find_element(By.TAG_NAME, "body").send_keys("s")
        token, label = item_state(driver)
        WebDriverWait(driver, 15).until(
            lambda d: d.execute_script("return document.getElementById('whole').complete"))
        expect(len(driver.find_elements(By.CSS_SELECTOR, ".whole svg rect")) >= 4, "no outlines over the whole image")
        natural = driver.execute_script("return document.getElementById('normalized').naturalWidth")
        expect(natural == 90, "the normalized image is not 90 pixels wide: %r" % natural)
        driver.save_screenshot(os.path.join(args.artifacts, "item.png"))
        driver.find_element(By.TAG_NAME, "body").send_keys("c")
        wait_for_new_item(driver, token)
        decisions.append({"sample": token, "decision": "confirm", "label": label, "user": args.user})
        # Item 2: a comment, then the Confirm button.
        token, label = item_state(driver)
        driver.find_element(By.ID, "comment").send_keys("bands of 9q34 and 22q11 look normal")
        driver.find_element(By.ID, "decide-confirm").click()
        wait_for_new_item(driver, token)
        decisions.append({"sample": token, "decision": "confirm", "label": label, "user": args.user,
                          "comment": "bands of 9q34 and 22q11 look normal"})
        # Item 3: relabel with the keyboard ("/" focuses the comment, Escape leaves it).
        token, label = item_state(driver)
        new = "negative" if label == "positive" else "positive"
        body = driver.find_element(By.TAG_NAME, "body")
        body.send_keys("/")
        active = driver.switch_to.active_element
        expect(active.get_attribute("id") == "comment", "the / shortcut did not focus the comment")
        active.send_keys("der(22) seen on review")
        active.send_keys(Keys.ESCAPE)
        driver.find_element(By.TAG_NAME, "body").send_keys(new[0])
        WebDriverWait(driver, 15).until(lambda d: token not in d.find_element(By.TAG_NAME, "h1").text
                                        or "recorded=" in d.current_url)
        decisions.append({"sample": token, "decision": "relabel", "label": new, "user": args.user,
                          "comment": "der(22) seen on review"})
        flash = driver.find_elements(By.CSS_SELECTOR, ".flash.ok")
        expect(flash and token in flash[0].text, "no confirmation of the last decision")
        sign_out(driver, base)
    except Exception:
        driver.save_screenshot(os.path.join(args.artifacts, "failure-js.png"))
        raise
    finally:
        driver.quit()

    # Without JavaScript: the buttons still work.
    driver = start(javascript=False)
    try:
        sign_in(driver, base, args.second_user, second_password)
        driver.find_element(By.ID, "start").click()
        token, label = item_state(driver)
        driver.find_element(By.ID, "decide-unsure").click()
        wait_for_new_item(driver, token)
        decisions.append({"sample": token, "decision": "unsure", "label": "unsure", "user": args.second_user})
        driver.save_screenshot(os.path.join(args.artifacts, "item-no-js.png"))
        sign_out(driver, base)
    except Exception:
        driver.save_screenshot(os.path.join(args.artifacts, "failure-no-js.png"))
        raise
    finally:
        driver.quit()
    print(json.dumps({"decisions": decisions}))


if __name__ == "__main__":
    try:
        main()
    finally:
        for folder in PROFILES:
            shutil.rmtree(folder, ignore_errors=True)
