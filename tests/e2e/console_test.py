#!/usr/bin/python3
"""The operator console (/console) in headless Chromium (Debian's chromium,
chromium-driver and python3-selenium), through a reviewer's day on the stack that
tests/run.sh t_e2e starts: sign in, see an item appear live after a risky
generate/response, edit and approve it, find the decision in the queue and the
review.queue_update webhook delivered. Screenshots of each screen go to
$CS_TEST_ARTIFACTS. Skips, saying why, only when Chromium cannot start.
"""
import http.client
import http.server
import json
import os
import subprocess
import threading
import time
import urllib.parse

BASE = os.environ["CS_TEST_BASE_URL"]
HOST, PORT = urllib.parse.urlsplit(BASE).hostname, urllib.parse.urlsplit(BASE).port
ART = os.environ.get("CS_TEST_ARTIFACTS", "/tmp/cs-console-artifacts")
RUN = str(int(time.time() * 1000))
passed = failed = 0


def check(cond, what):
    global passed, failed
    passed, failed = (passed + 1, failed) if cond else (passed, failed + 1)
    print(("ok " if cond else "not ok ") + what)
    return cond


def call(method, path, body=None, token=None):
    c = http.client.HTTPConnection(HOST, PORT, timeout=30)
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    c.request(method, path, json.dumps(body) if body is not None else None, h)
    r = c.getresponse()
    raw = r.read()
    return r.status, json.loads(raw) if raw else None


class Sink(http.server.BaseHTTPRequestHandler):
    got = []

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        Sink.got.append(json.loads(self.rfile.read(n)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *a):
        pass


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def wait(fn, timeout=20, step=0.2):
    end = time.time() + timeout
    while time.time() < end:
        try:
            v = fn()
            if v:
                return v
        except Exception:
            pass
        time.sleep(step)
    return None


def main():
    try:
        drv = browser()
    except Exception as e:
        print(f"skip - console: chromium could not start ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})")
        print("tally: 0 passed, 0 failed, 1 skipped")
        return
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    os.makedirs(ART, exist_ok=True)
    shot = lambda name: drv.save_screenshot(os.path.join(ART, name + ".png"))
    try:
        # The day's setup: a reviewer account, an agent's token, a webhook receiver.
        user, pw = f"reviewer-{RUN}@acme.test", "a long reviewer password"
        subprocess.run(os.environ["CS_TEST_ADMIN"].split() + ["create-user", "--tenant", "acme", "--username", user,
                                                              "--password", pw, "--roles", "reviewer"],
                       check=True, capture_output=True)
        key = json.loads(os.environ["CS_TEST_KEY_A"])
        _, t = call("POST", "/api/v1/auth/token", {"api_key": key["api_key"], "api_secret": key["api_secret"]})
        agent = t["access_token"]
        srv = http.server.HTTPServer(("127.0.0.1", 0), Sink)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        st, _ = call("POST", "/api/v1/customer/webhooks",
                     {"url": f"http://127.0.0.1:{srv.server_port}/h", "events": ["review.queue_update"]}, agent)
        check(st == 201, "webhook subscription for review.queue_update")

        drv.get(BASE + "/console/")
        check(drv.title == "Customer-service console", "console served by nginx")
        shot("01-signin")
        drv.find_element(By.ID, "username").send_keys(user)
        drv.find_element(By.ID, "password").send_keys(pw + Keys.ENTER)  # keyboard submit
        check(wait(lambda: "Live updates on" in drv.find_element(By.ID, "live").text),
              "signed in; live feed subscribed over the WebSocket")
        shot("02-queue")

        st, g = call("POST", "/api/v1/generate/response",
                     {"query": f"Should I put all my savings into bitcoin? ({RUN})", "customer_id": "c-1"}, agent)
        item = (g or {}).get("data", {}).get("review_item_id")
        check(st == 200 and g["data"]["requires_human_review"] is True and item, "risky answer queued for review")
        row = wait(lambda: drv.find_element(By.CSS_SELECTOR, f'#queue-table tr[data-id="{item}"]'), timeout=30)
        check(row is not None and "new" in row.get_attribute("class"), "the item appears in the queue live")
        shot("03-item-live")
        row.send_keys(Keys.ENTER)  # opened from the keyboard
        box = drv.find_element(By.ID, "item-response")
        check(wait(lambda: drv.find_element(By.ID, "item").is_displayed()), "item opens with Enter")
        box.send_keys(" Please speak to a licensed adviser first.")
        edited = box.get_attribute("value")
        drv.find_element(By.ID, "item-feedback").send_keys("added a safety note")
        shot("04-item-edit")
        drv.find_element(By.ID, "approve").click()
        check(wait(lambda: drv.find_element(By.ID, "item-result").text == "Recorded: edited"), "decision recorded as edited")
        drv.find_element(By.CSS_SELECTOR, '#f-status option[value="edited"]').click()
        drv.find_element(By.CSS_SELECTOR, "#queue-filter button").click()
        cells = wait(lambda: [c.text for c in drv.find_elements(By.CSS_SELECTOR, f'#queue-table tr[data-id="{item}"] td')])
        check(cells and cells[3] == "reviewed" and cells[4] == "edited", "the decision shows in the queue")
        # Status and decision of the narrow layout: the decision column stays at 390 px.
        shot("05-queue-decided")
        st, lst = call("GET", "/api/v1/review/queue?status=edited&limit=100", token=agent)
        mine = [i for i in lst["data"]["items"] if i["item_id"] == item]
        check(mine and mine[0]["final_response"] == edited and mine[0]["feedback"] == "added a safety note",
              "the edited text and feedback are stored")
        hook = wait(lambda: [p for p in Sink.got if p["data"].get("item_id") == item and p["data"]["action"] == "reviewed"],
                    timeout=30)
        check(hook and hook[0]["data"]["status"] == "edited", "review.queue_update webhook delivered for the decision")

        drv.find_element(By.CSS_SELECTOR, '#nav [data-view="status"]').click()
        check(wait(lambda: len(drv.find_elements(By.CSS_SELECTOR, "#status-table tbody tr")) > 3),
              "system status from the live feed")
        shot("06-status")
        st, _ = call("POST", "/api/v1/tickets/process",
                     {"customer_email": "c@example.com", "customer_name": "C", "ticket_id": "TKT-CON-" + RUN,
                      "raw_message": "I was charged twice for my subscription this month."}, agent)
        drv.find_element(By.CSS_SELECTOR, '#nav [data-view="analytics"]').click()
        check(wait(lambda: drv.execute_script(
            "const c = window.Chart && Chart.getChart('c-tickets');"
            "return !!c && c.data.labels.length >= 1 && c.data.datasets[0].data.every(v => v >= 1)")),
              "analytics: tickets by category charted with Debian's Chart.js")
        check(wait(lambda: drv.execute_script("return !!Chart.getChart('c-summary')")), "analytics: insights timeline charted")
        shot("07-analytics")
        drv.find_element(By.CSS_SELECTOR, '#nav [data-view="queue"]').click()
        drv.set_window_size(390, 844)
        time.sleep(0.5)
        check(drv.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"),
              "no sideways scrolling at 390 px")
        check(wait(lambda: drv.find_element(By.CSS_SELECTOR, "#queue-table tbody tr td:nth-child(5)").is_displayed()),
              "the decision column is shown at 390 px")
        shot("08-queue-390px")
        labelled = drv.execute_script(
            "return [...document.querySelectorAll('input,select,textarea')].every(e => e.labels && e.labels.length)")
        check(labelled, "every form control has a label")
        srv.shutdown()
    except Exception as e:
        check(False, f"console: raised {type(e).__name__}: {e}")
        shot("99-failure")
    finally:
        drv.quit()
    print(f"tally: {passed} passed, {failed} failed, 0 skipped")


if __name__ == "__main__":
    main()
