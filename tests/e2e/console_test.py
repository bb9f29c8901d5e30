#!/usr/bin/python3
"""The operator console (/console) in headless Chromium (Debian's chromium,
chromium-driver and python3-selenium), through a reviewer's day on the stack that
tests/run.sh t_e2e starts: sign in, see an item appear live after a risky
generate/response, edit and approve it, find the decision in the queue and the
review.queue_update webhook delivered; the live sessions of a company (transcript,
tier, sentiment trail, escalations) with the exact values of sessions made here; the
tickets chart for a date range. Screenshots of each screen go to $CS_TEST_ARTIFACTS.
Every API answer the browser received is recorded for the OpenAPI check (from
Chromium's DevTools network log). Skips, saying why, only when Chromium cannot start.
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


def record(method, path, status, content_type, body):
    """Appends an exchange for the OpenAPI check after the run (tests/run.sh sets the log)."""
    log = os.environ.get("CS_TEST_RESPONSE_LOG")
    if not log:
        return
    with open(log, "a") as f:
        f.write(json.dumps({"method": method, "path": path, "status": status,
                            "content_type": content_type, "body": body}) + "\n")


class BrowserLog:
    """The API answers Chromium received (DevTools performance log, Network domain):
    each finished fetch to /api/ or /manager/ is recorded with its body."""

    def __init__(self, drv):
        self.drv, self.seen, self.pending, self.methods = drv, 0, {}, {}

    def drain(self):
        for entry in self.drv.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            p = msg.get("params", {})
            rid = p.get("requestId")
            if msg["method"] == "Network.requestWillBeSent":
                self.methods[rid] = p["request"]["method"]
            elif msg["method"] == "Network.responseReceived" and p.get("type") in ("Fetch", "XHR"):
                u = urllib.parse.urlsplit(p["response"]["url"])
                if u.path.startswith("/api/") or u.path.startswith("/manager/"):
                    ct = {k.lower(): v for k, v in p["response"]["headers"].items()}.get("content-type", "")
                    self.pending[rid] = (u.path + ("?" + u.query if u.query else ""), p["response"]["status"], ct)
            elif msg["method"] == "Network.loadingFinished" and rid in self.pending:
                path, status, ct = self.pending.pop(rid)
                body = self.drv.execute_cdp_cmd("Network.getResponseBody", {"requestId": rid})
                record(self.methods.get(rid, "GET"), path, status, ct, body.get("body", ""))
                self.seen += 1


def num(v):
    """A JSON number as JavaScript prints it."""
    return str(int(v)) if isinstance(v, (int, float)) and v == int(v) else repr(v)


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
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


def charted(drv):
    return drv.execute_script("const c = Chart.getChart('c-tickets');"
                              "return c ? [c.data.labels, c.data.datasets[0].data] : null")


def analytics_range(drv, By, agent, shot):
    """The tickets chart follows the date range: nothing in a month long past, and today's
    categories with exactly the counts the metrics API gives for today."""
    set_range = ("document.getElementById('from').value = arguments[0];"
                 "document.getElementById('to').value = arguments[1];")
    drv.execute_script(set_range, "2020-01-01", "2020-01-31")
    drv.find_element(By.CSS_SELECTOR, "#range button[type=submit]").click()
    check(wait(lambda: charted(drv) == [[], []]), "analytics: no tickets charted for January 2020")
    today = time.strftime("%Y-%m-%d", time.gmtime())
    drv.execute_script(set_range, today, today)
    drv.find_element(By.CSS_SELECTOR, "#range button[type=submit]").click()
    st, m = call("GET", f"/api/v1/tickets/metrics?from={today}&to={today}", token=agent)
    want = [list(m["categories"].keys()), list(m["categories"].values())]
    check(st == 200 and m["period"] == "custom" and sum(want[1]) == m["total_processed"] >= 1
          and wait(lambda: charted(drv) == want), f"analytics: today's tickets by category charted exactly ({want})")
    shot("08-analytics-range")


def sessions_view(drv, By, Keys, agent, shot):
    """Two sessions of a company made here: one calm, one whose irate customer is passed
    to the AI manager. The view lists both (and only the escalated one when filtered),
    and opens one from the keyboard with its transcript, tier, sentiment trail and
    escalation exactly as the API stores them."""
    company = "co-console-" + RUN
    st, calm = call("POST", "/api/v1/cs/sessions", {"companyId": company, "customerId": "cust-calm", "channel": "email",
                                                    "initialMessage": "Could you tell me when my parcel ships?"}, agent)
    st2, hot = call("POST", "/api/v1/cs/sessions", {"companyId": company, "customerId": "cust-hot", "channel": "chat",
                                                    "initialMessage": "Where is my order? It was due yesterday."}, agent)
    calm_id, hot_id = (calm or {}).get("id"), (hot or {}).get("id")
    shouts = ["This is UNACCEPTABLE!!! I am FURIOUS with you people!!",
              "Still NOTHING!!! This is RIDICULOUS, I am absolutely livid!!",
              "WORST service EVER!!! I am FURIOUS and this is UNACCEPTABLE!!"]
    for text in shouts:
        call("POST", f"/api/v1/cs/sessions/{hot_id}/messages", {"message": text}, agent)
    _, s = call("GET", f"/api/v1/cs/sessions/{hot_id}", token=agent)
    check(st == 201 and st2 == 201 and s["status"] == "ESCALATED" and s["currentTier"] == "AI_MANAGER"
          and len(s["escalationHistory"]) == 1, "sessions: a calm and an escalated session made for the view")
    drv.find_element(By.CSS_SELECTOR, '#nav [data-view="sessions"]').click()
    drv.find_element(By.ID, "company").send_keys(company + Keys.ENTER)  # keyboard submit
    items = wait(lambda: [b.text for b in drv.find_elements(By.CSS_SELECTOR, "#sessions-list button")
                          if len(drv.find_elements(By.CSS_SELECTOR, "#sessions-list button")) == 2])
    check(items and sorted(items) == sorted([f"{calm_id} · {calm['status']} · {calm['currentTier']} · "
                                             f"{calm.get('customerSentiment') or ''}",
                                             f"{hot_id} · ESCALATED · AI_MANAGER · {s['customerSentiment']}"]),
          f"sessions: the company's two sessions listed with status, tier and sentiment ({items})")
    from selenium.webdriver.support.ui import Select
    Select(drv.find_element(By.ID, "s-status")).select_by_visible_text("ESCALATED")
    drv.find_element(By.CSS_SELECTOR, "#sessions-form button").send_keys(Keys.ENTER)
    only = wait(lambda: [b for b in drv.find_elements(By.CSS_SELECTOR, "#sessions-list button")
                         if len(drv.find_elements(By.CSS_SELECTOR, "#sessions-list button")) == 1
                         and b.text.startswith(hot_id)])
    check(bool(only), "sessions: the status filter leaves the escalated one")
    shot("09-sessions")
    only[0].send_keys(Keys.ENTER)  # opened from the keyboard
    check(wait(lambda: drv.find_element(By.ID, "session-h").text == "Session " + hot_id),
          "sessions: the session opens with Enter")
    meta = drv.find_element(By.ID, "session-meta").text
    check(meta == "Status ESCALATED, tier AI_MANAGER, channel chat", f"sessions: status, tier and channel ({meta})")
    lines = [li.text for li in drv.find_elements(By.CSS_SELECTOR, "#transcript li")]
    want = [m["role"] + (f" [{m['sentiment']}]" if m.get("sentiment") else "") + ": " + m["content"]
            for m in s["messages"]]
    customer = [l for l in lines if l.startswith("customer")]
    check(lines == want and len(lines) == 8 and customer[1:] == [f"customer [IRATE]: {t}" for t in shouts],
          "sessions: the transcript, each message with its role and sentiment"
          + ("" if lines == want else f" (shown {lines!r}, stored {want!r})"))
    trail = drv.find_element(By.ID, "sentiment-trail").text
    check(trail == " → ".join(f"{h['sentiment']} {num(h['score'])}" for h in s["sentimentHistory"])
          and len(s["sentimentHistory"]) == 4 and trail.endswith(" " + num(s["sentimentHistory"][-1]["score"])),
          f"sessions: the sentiment trail ({trail})")
    esc = [li.text for li in drv.find_elements(By.CSS_SELECTOR, "#escalations li")]
    check(esc == ["AI_REP → AI_MANAGER (IRATE_CUSTOMER)"], f"sessions: the escalation ({esc})")
    shot("10-session-open")


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
    net = BrowserLog(drv)

    def shot(name):
        drv.save_screenshot(os.path.join(ART, name + ".png"))
        net.drain()  # after each screen, while Chromium still holds the bodies
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
        analytics_range(drv, By, agent, shot)
        sessions_view(drv, By, Keys, agent, shot)
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
        drv.find_element(By.CSS_SELECTOR, '#nav [data-view="sessions"]').click()
        drv.find_element(By.ID, "sessions-form").submit()
        ok = wait(lambda: drv.find_element(By.ID, "transcript").is_displayed()
                  and drv.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"))
        # An element wider than the window, or one whose text runs out of its box (a long
        # session id in a heading does, unless the panel lets it wrap).
        wide = drv.execute_script("return [...document.querySelectorAll('body *')]"
                                  ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1"
                                  " || e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible')"
                                  ".slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className)")
        check(ok, "sessions: transcript shown without sideways scrolling at 390 px" + ("" if ok else f" (wide: {wide})"))
        shot("11-session-390px")
        srv.shutdown()
        check(net.seen >= 10, f"the browser's API answers recorded for the OpenAPI check ({net.seen})")
    except Exception as e:
        check(False, f"console: raised {type(e).__name__}: {e}")
        shot("99-failure")
    finally:
        drv.quit()
    print(f"tally: {passed} passed, {failed} failed, 0 skipped")


if __name__ == "__main__":
    main()
