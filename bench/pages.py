#!/usr/bin/env python3
"""Keyset pages through the API: page 1 against page 1,000.

  bench/pages.py PORT [--rows N] [--limit L]

Signs a tenant up, credits its admin, records N activities through the API (each also a wallet
debit, so N transactions), waits for the read models, then walks GET /v1/activities and
GET /v1/users/{id}/wallet/transactions page by page from the first to the last, timing each page on
one keep-alive connection. Prints the median time of the first 20 pages and of the last 20, and
their ratio: keyset pages are one index range each, so the ratio should stay near 1.
"""
import argparse
import http.client
import json
import statistics
import sys
import threading
import time
import uuid


class Client:
    def __init__(self, port, token=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = token

    def call(self, method, path, body=None, headers=None):
        h = {"Content-Type": "application/json"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        h.update(headers or {})
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=None if body is None else json.dumps(body), headers=h)
                r = self.conn.getresponse()
                data = r.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if attempt == 2:
                    raise
                self.conn.close()  # the server closed an idle keep-alive connection: open another
        return r.status, r.getheader("Regent-Position"), (json.loads(data) if data else None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--rows", type=int, default=51000)
    ap.add_argument("--limit", type=int, default=50)
    ap.add_argument("--threads", type=int, default=16)
    a = ap.parse_args()

    slug = "pages-" + uuid.uuid4().hex[:8]
    c = Client(a.port)
    password = "correct horse battery staple"
    st, _, body = c.call("POST", "/v1/tenants", {"name": "Pages", "slug": slug,
                                                 "admin": {"email": "a@" + slug + ".test", "password": password,
                                                           "full_name": "A"}})
    assert st == 201, (st, body)
    st, _, body = c.call("POST", "/v1/auth/login", {"tenant": slug, "email": "a@" + slug + ".test", "password": password})
    assert st == 200, (st, body)
    token = body["access_token"]
    c = Client(a.port, token)
    st, _, me = c.call("GET", "/v1/me")
    admin = me["user"]["id"]
    st, _, body = c.call("POST", f"/v1/users/{admin}/wallet/credits", {"amount": 10 ** 12})
    assert st == 201, (st, body)

    started = time.time()
    positions = []
    failures = []

    def record(n):
        w = Client(a.port, token)
        last = None
        for _ in range(n):
            st, pos, body = w.call("POST", "/v1/activities", {"type": "form_download"})
            if st != 201:
                failures.append((st, body))
                return
            last = pos
        positions.append(last)

    per = a.rows // a.threads
    threads = [threading.Thread(target=record, args=(per + (1 if i < a.rows % a.threads else 0),))
               for i in range(a.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        sys.exit(f"recording activities failed: {failures[0]}")
    print(f"recorded {a.rows} activities in {time.time() - started:.1f} s")
    # Read-your-writes on every partition the writers reached, then walk.
    for pos in positions:
        st, _, _ = c.call("GET", "/v1/activities?limit=1", headers={"Regent-Min-Position": pos})
        assert st == 200, st

    def walk(path):
        times, cursor, rows = [], None, 0
        while True:
            target = f"{path}{'&' if '?' in path else '?'}limit={a.limit}" + (f"&cursor={cursor}" if cursor else "")
            t0 = time.perf_counter()
            st, _, body = c.call("GET", target)
            times.append(time.perf_counter() - t0)
            assert st == 200, (st, body)
            rows += len(body["items"])
            cursor = body.get("next_cursor")
            if not cursor:
                return times, rows

    for name, path in (("activities", "/v1/activities"), ("wallet transactions", f"/v1/users/{admin}/wallet/transactions")):
        walk(path)  # once to warm the cache, as a busy server's would be
        times, rows = walk(path)
        first = statistics.median(times[:20]) * 1000
        last = statistics.median(times[-20:]) * 1000
        print(f"{name}: {rows} rows in {len(times)} pages of {a.limit}; median page 1-20 {first:.2f} ms, "
              f"pages {len(times) - 19}-{len(times)} {last:.2f} ms, last/first {last / first:.2f}")


if __name__ == "__main__":
    main()
