#!/usr/bin/python3
"""Real-time events end to end through nginx (issue 20): Server-Sent Events at
/api/v1/events and the WebSocket API at /websocket, driven with Debian's
python3-websockets, on the stack tests/run.sh t_e2e starts (CS_TEST_* variables).

Prints "ok"/"not ok" lines and a closing "tally:" line like the C test programs.
"""
import asyncio
import http.client
import http.server
import json
import os
import re
import socket
import threading
import time
import urllib.parse

import websockets

BASE = os.environ["CS_TEST_BASE_URL"]
HOST, PORT = urllib.parse.urlsplit(BASE).hostname, urllib.parse.urlsplit(BASE).port
GATEWAY_SOCK = os.path.join(os.environ["CS_TEST_VAR"], "run", "websocket-connection.sock")
RUN = str(int(time.time() * 1000))
EVENT_ID = re.compile(r"^[0-9]{16}-[0-9]{6}-[0-9a-zA-Z_-]+$")
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok {what}")
    else:
        failed += 1
        print(f"not ok {what}")
    return cond


def record(method, path, r, raw):
    """Appends the exchange for the OpenAPI check after the run (as the C e2e client does,
    tests/support/http_client.c), when tests/run.sh asks for it."""
    log = os.environ.get("CS_TEST_RESPONSE_LOG")
    if not log:
        return
    line = {"method": method, "path": path, "status": r.status,
            "content_type": r.getheader("Content-Type") or "", "body": raw.decode("utf-8", "replace")}
    with open(log, "a") as f:
        f.write(json.dumps(line) + "\n")


def call(method, path, body=None, token=None, headers=None):
    c = http.client.HTTPConnection(HOST, PORT, timeout=30)
    h = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        h["Authorization"] = "Bearer " + token
    h.update(headers or {})
    c.request(method, path, json.dumps(body) if body is not None else None, h)
    r = c.getresponse()
    raw = r.read()
    c.close()
    record(method, path, r, raw)
    try:
        return r.status, json.loads(raw)
    except ValueError:
        return r.status, raw


def token_for(key_env):
    key = json.loads(os.environ[key_env])
    status, body = call("POST", "/api/v1/auth/token",
                        {"api_key": key["api_key"], "api_secret": key["api_secret"]})
    assert status == 200, body
    return body["access_token"]


class Sse:
    """A streaming GET /api/v1/events reader (one event at a time)."""

    def __init__(self, token, query="", last_id=None):
        self.conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
        h = {"Authorization": "Bearer " + token, "Accept": "text/event-stream"}
        if last_id:
            h["Last-Event-ID"] = last_id
        self.path = "/api/v1/events" + query
        self.conn.request("GET", self.path, headers=h)
        self.resp = self.conn.getresponse()
        self.comments = 0
        self.raw = []  # every line read, for the OpenAPI check (each event's data)

    def next(self, timeout=15):
        """The next event as (id, type, data) or None after `timeout` seconds."""
        deadline = time.time() + timeout
        fields = {}
        try:
            while True:
                left = deadline - time.time()
                if left <= 0:
                    return None
                self.conn.sock.settimeout(left)
                line = self.resp.readline()  # undoes the chunked transfer coding
                if not line:
                    return None
                line = line.decode().rstrip("\n")
                self.raw.append(line)
                if line == "":
                    if "data" in fields:
                        return fields.get("id"), fields.get("event"), json.loads(fields["data"])
                    continue
                if line.startswith(":"):
                    self.comments += 1
                    continue
                k, _, v = line.partition(": ")
                fields[k] = v
        except (socket.timeout, TimeoutError):
            return None

    def close(self):
        """Closes the stream and records what was read of it as one exchange."""
        self.conn.close()
        record("GET", self.path, self.resp, "\n".join(self.raw).encode())


def enqueue(token, query):
    status, body = call("POST", "/api/v1/review/queue",
                        {"query": query, "response": "Buy index funds.", "category": "investment_advice",
                         "priority": 2}, token)
    assert status == 200, body
    return body["data"]["item_id"]


def angry_ticket(token, tid):
    status, body = call("POST", "/api/v1/tickets/process",
                        {"customer_email": "r@example.com", "customer_name": "R", "ticket_id": tid,
                         "raw_message": "This is OUTRAGEOUS. You idiots charged me twice, I am furious "
                                        "and I will never buy from you again!"}, token)
    assert status == 200, body
    return body


class Sink(http.server.BaseHTTPRequestHandler):
    got = []

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        Sink.got.append((dict(self.headers), json.loads(self.rfile.read(n))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *a):
        pass


def test_sse(tok_a, tok_b):
    # Bad filters answer in seed 001's error format.
    status, body = call("GET", "/api/v1/events?types=queue_update,nonsense", token=tok_a)
    check(status == 400 and body.get("error") is True and body.get("status_code") == 400
          and body.get("message") == "Validation error", "sse: unknown type is a 400 validation error")
    status, body = call("GET", "/api/v1/events", headers={"Last-Event-ID": "x"})
    check(status == 401, "sse: a token is required")

    feed = Sse(tok_a, "?types=queue_update,sentiment_alert")
    check(feed.resp.status == 200 and feed.resp.getheader("Content-Type", "").startswith("text/event-stream"),
          "sse: 200 text/event-stream")
    other = Sse(tok_b, "?types=queue_update,sentiment_alert,ticket.created")
    item = enqueue(tok_a, "Should I move my savings into crypto?")
    ev = feed.next()
    check(ev is not None and ev[1] == "queue_update" and ev[2]["type"] == "queue_update"
          and ev[2]["data"]["item_id"] == item and ev[2]["data"]["action"] == "queued"
          and ev[2]["data"]["status"] == "queued" and ev[2]["id"] == ev[0] and EVENT_ID.match(ev[0] or ""),
          "sse: queue_update for the enqueued item, id in the SSE id field")
    first_id = ev[0] if ev else None
    angry_ticket(tok_a, "TKT-RT-1-" + RUN)
    ev2 = feed.next()
    # ticket.created is filtered out; the sentiment alert comes next.
    check(ev2 is not None and ev2[1] == "sentiment_alert" and ev2[2]["data"]["source"] == "ticket"
          and ev2[2]["data"]["ticket_id"] == "TKT-RT-1-" + RUN
          and ev2[2]["data"]["sentiment"] in ("ANGRY", "IRATE")
          and ev2[2]["data"]["reason"] == "sentiment_level", "sse: sentiment_alert for an angry ticket, filtered")
    check(ev2 is not None and first_id and ev2[0] > first_id, "sse: ids increase")
    feed.close()
    # Tenant B saw none of it: nothing but heartbeats.
    check(other.next(timeout=3) is None and other.comments >= 1, "sse: another tenant sees nothing, gets heartbeats")
    other.close()

    # Resume from the store after the first event: the alert again, exactly.
    resumed = Sse(tok_a, "?types=queue_update,sentiment_alert", last_id=first_id)
    ev3 = resumed.next()
    check(ev3 is not None and ev2 is not None and ev3[0] == ev2[0] and ev3[2] == ev2[2],
          "sse: Last-Event-ID resumes with the next event")
    resumed.close()
    # Without a filter every outbox event comes, under its webhook name.
    allf = Sse(tok_a, "", last_id=first_id)
    types = []
    while len(types) < 2:  # system_status comes too, every second here
        ev = allf.next()
        if ev is None:
            break
        if ev[1] != "system_status":
            types.append(ev[1])
    check(types == ["ticket.created", "sentiment_alert"], f"sse: unfiltered feed has ticket.created first ({types})")
    allf.close()


def test_threshold_and_webhook(tok_a):
    srv = http.server.HTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    status, body = call("POST", "/api/v1/customer/webhooks",
                        {"url": f"http://127.0.0.1:{srv.server_port}/hook", "events": ["sentiment.alert"]}, tok_a)
    check(status == 201, "webhook: subscribed to sentiment.alert")
    status, body = call("PUT", "/api/v1/events/settings", {"sentiment_alert_threshold": 1.5}, tok_a)
    check(status == 400 and body.get("message") == "Validation error", "settings: threshold above 1 refused")
    status, body = call("PUT", "/api/v1/events/settings", {"sentiment_alert_threshold": 0.95}, tok_a)
    check(status == 200 and body["data"]["sentiment_alert_threshold"] == 0.95, "settings: threshold stored")
    feed = Sse(tok_a, "?types=sentiment_alert")
    status, body = call("POST", "/api/v1/tickets/process",
                        {"customer_email": "n@example.com", "customer_name": "N", "ticket_id": "TKT-RT-2-" + RUN,
                         "raw_message": "Could you tell me when my parcel will arrive?"}, tok_a)
    ev = feed.next()
    check(ev is not None and ev[2]["data"]["ticket_id"] == "TKT-RT-2-" + RUN
          and ev[2]["data"]["reason"] == "score_below_threshold" and ev[2]["data"]["threshold"] == 0.95
          and ev[2]["data"]["sentiment_score"] < 0.95, "sse: a calm ticket alerts below the tenant's threshold")
    feed.close()
    status, body = call("PUT", "/api/v1/events/settings", {"sentiment_alert_threshold": 0.2}, tok_a)
    status, body = call("GET", "/api/v1/events/settings", token=tok_a)
    check(status == 200 and body["data"]["sentiment_alert_threshold"] == 0.2, "settings: read back")
    deadline = time.time() + 20
    while time.time() < deadline and not any(p["data"].get("ticket_id") == "TKT-RT-2-" + RUN for _, p in Sink.got):
        time.sleep(0.2)
    hit = [(h, p) for h, p in Sink.got if p["data"].get("ticket_id") == "TKT-RT-2-" + RUN]
    check(len(hit) == 1 and hit[0][1]["type"] == "sentiment.alert" and "webhook-signature" in
          {k.lower() for k in hit[0][0]}, "webhook: sentiment.alert delivered, signed")
    srv.shutdown()


def test_system_status(tok_a):
    # Each process writes its per-minute figures to the store at a request that comes a
    # flush (CS_FN_STATS_FLUSH_MS, 1 s here) after its last write: the second enqueue
    # writes what review-queue counted so far, and system_status reads it from there.
    enqueue(tok_a, "status probe one " + RUN)
    time.sleep(1.2)
    enqueue(tok_a, "status probe two " + RUN)
    feed = Sse(tok_a, "?types=system_status")
    ev, fns, d = None, {}, {}
    deadline = time.time() + 20
    while time.time() < deadline and fns.get("review-queue", {}).get("requests", 0) < 1:
        ev = feed.next(timeout=max(0.1, deadline - time.time()))
        d = ev[2]["data"] if ev else {}
        fns = {f["name"]: f for f in d.get("functions", [])}
    feed.close()
    check(ev is not None and ev[1] == "system_status" and d.get("store") == "ok"
          and isinstance(d.get("queue_depth"), int) and d["queue_depth"] >= 1
          and 60 <= d.get("window_seconds", 0) <= 120 and "pending" in d.get("outbox", {}),
          "system_status: store, queue depth, outbox")
    check(fns.get("events", {}).get("healthy") is True and fns.get("review-queue", {}).get("requests", 0) >= 1
          and isinstance(fns["review-queue"].get("p99_ms"), float)
          and fns["review-queue"]["p50_ms"] <= fns["review-queue"]["p99_ms"]
          and isinstance(d.get("p50_ms"), float), "system_status: per-function health and p50/p99 of the last minute")


async def ws_recv(ws, timeout=15):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def ws_tests(tok_a, tok_b):
    url = f"ws://{HOST}:{PORT}/websocket"
    # Refused handshakes.
    try:
        async with websockets.connect(url + "?token=not-a-token"):
            check(False, "ws: a bad token refuses the handshake")
    except websockets.exceptions.InvalidStatusCode as e:
        check(e.status_code == 401, "ws: a bad token refuses the handshake (401)")
    # Token in the query, subscribed types in the query.
    async with websockets.connect(url + f"?token={tok_a}&types=queue_update") as ws:
        pong = await ws.ping()
        await asyncio.wait_for(pong, 5)
        check(True, "ws: protocol ping answered with pong")
        await ws.send(json.dumps({"action": "ping"}))
        m = await ws_recv(ws)
        check(m.get("type") == "pong" and m.get("types") == ["queue_update"], "ws: JSON ping answered")
        angry_ticket(tok_a, "TKT-RT-3-" + RUN)  # not subscribed: must not arrive
        item = enqueue(tok_a, "Is this stock a good buy?")
        # An earlier test's queue_update may still be on its way to a new client (the
        # feed delivers what it relayed after the connection began): skip those, but any
        # other type (the angry ticket's sentiment_alert) is a failure.
        m = await ws_recv(ws)
        while m.get("type") == "queue_update" and m.get("data", {}).get("item_id") != item:
            m = await ws_recv(ws)
        check(m.get("type") == "queue_update" and m["data"]["item_id"] == item and EVENT_ID.match(m.get("id", "")),
              "ws: queue_update pushed, other types filtered out")
    # Token in the first message, then a new subscription.
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"action": "subscribe", "types": ["sentiment_alert"]}))
        m = await ws_recv(ws)
        check(m.get("status_code") == 401 and m.get("error") is True, "ws: nothing before auth (401)")
        try:
            await asyncio.wait_for(ws.recv(), 5)
            closed = False
        except websockets.exceptions.ConnectionClosed as e:
            closed = e.code == 1008
        check(closed, "ws: an unauthenticated client is closed (1008)")
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"action": "auth", "token": tok_b}))
        m = await ws_recv(ws)
        check(m.get("type") == "authenticated" and m.get("types") == [], "ws: token in the first message")
        await ws.send(json.dumps({"action": "subscribe", "types": ["bogus"]}))
        m = await ws_recv(ws)
        check(m.get("status_code") == 400, "ws: unknown type refused")
        await ws.send(json.dumps({"action": "subscribe", "types": ["sentiment_alert"]}))
        m = await ws_recv(ws)
        check(m == {"type": "subscribed", "types": ["sentiment_alert"]}, "ws: subscribed")
        enqueue(tok_a, "Another tenant's question about bonds")  # acme's: never here
        angry_ticket(tok_b, "TKT-RT-B1-" + RUN)
        m = await ws_recv(ws)
        check(m.get("type") == "sentiment_alert" and m["data"]["ticket_id"] == "TKT-RT-B1-" + RUN,
              "ws: the tenant's own sentiment_alert only")


def raw_gateway_client(token):
    """A WebSocket client straight on the gateway's socket that stops reading."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(GATEWAY_SOCK)
    s.sendall((f"GET /websocket?token={token} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert b" 101 " in head and b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head, head
    msg = json.dumps({"action": "auth", "token": token}).encode()
    mask = b"\x01\x02\x03\x04"
    hdr = bytes([0x81, 0x80 | 126]) + len(msg).to_bytes(2, "big") if len(msg) > 125 else bytes([0x81, 0x80 | len(msg)])
    s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(msg)))
    b0, b1 = s.recv(1), s.recv(1)[0]
    n = b1 & 0x7f
    if n == 126:
        n = int.from_bytes(s.recv(2), "big")
    body = b""
    while len(body) < n:
        body += s.recv(n - len(body))
    return s, json.loads(body)["connection_id"]


def manage(method, conn_id, body=b""):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(GATEWAY_SOCK)
    s.sendall(f"{method} /@connections/{conn_id} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode()
              + body)
    out = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    return int(out.split(b" ")[1])


async def slow_client_test(tok_a):
    slow, slow_id = raw_gateway_client(tok_a)
    url = f"ws://{HOST}:{PORT}/websocket"
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"action": "auth", "token": tok_a}))
        fast_id = (await ws_recv(ws))["connection_id"]
        big = json.dumps({"type": "test", "data": {"pad": "x" * 100000}}).encode()
        statuses = []
        for _ in range(30):
            statuses.append(await asyncio.get_running_loop().run_in_executor(None, manage, "POST", slow_id, big))
            if statuses[-1] == 410:
                break
        check(statuses[-1] == 410 and statuses[0] == 200, f"ws: a client that stops reading is dropped ({len(statuses)} posts)")
        st = await asyncio.get_running_loop().run_in_executor(None, manage, "POST", fast_id, b'{"type":"hello"}')
        m = await ws_recv(ws, 5)
        check(st == 200 and m == {"type": "hello"}, "ws: the other client is served meanwhile")
        check(await asyncio.get_running_loop().run_in_executor(None, manage, "POST", slow_id, b"{}") == 410,
              "ws: the dropped connection is gone (410)")
    slow.close()
    check(manage("GET", "AAAAAAAAAAAAAAAA") == 410, "ws: unknown connection id is 410")


def main():
    tok_a, tok_b = token_for("CS_TEST_KEY_A"), token_for("CS_TEST_KEY_B")
    for name, fn in [("sse", lambda: test_sse(tok_a, tok_b)),
                     ("threshold", lambda: test_threshold_and_webhook(tok_a)),
                     ("system_status", lambda: test_system_status(tok_a)),
                     ("websocket", lambda: asyncio.run(ws_tests(tok_a, tok_b))),
                     ("slow client", lambda: asyncio.run(slow_client_test(tok_a)))]:
        try:
            fn()
        except Exception as e:  # a crash fails the group, the others still run
            check(False, f"{name}: raised {type(e).__name__}: {e}")
    print(f"tally: {passed} passed, {failed} failed, 0 skipped")


if __name__ == "__main__":
    main()
