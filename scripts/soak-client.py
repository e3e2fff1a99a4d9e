#!/usr/bin/env python3
"""Load generator of scripts/soak (python3 standard library only).

Sends CLIENTS x REQUESTS one-shot runs to POST /v1/execute from CLIENTS threads, a fixed mix of trivial programs
(expected `ok`), `exit 3` (expected `nonzero_exit`) and an endless loop (expected `timed_out`). A 429 or 503 is
retried after its Retry-After, and counted; the latency of a request includes those waits. Prints the outcome table,
requests/s, latency percentiles and the server's RSS; exits 1 if any outcome differs from the expected one.
"""
import argparse
import collections
import json
import sys
import threading
import time
import urllib.error
import urllib.request

PROGRAMS = {
    "print": ("ok", "print(1)"),
    "json": ("ok", "import json\nprint(json.dumps({'a': [1, 2, 3], 'b': None}, sort_keys=True))"),
    "exit3": ("nonzero_exit", "import sys\nprint('bye')\nsys.exit(3)"),
    "loop": ("timed_out", "while True:\n    pass"),
}
# one loop in eight requests: loops burn their whole timeout of CPU, trivial programs ~30 ms
MIX = ["print", "json", "exit3", "print", "loop", "json", "print", "exit3"]


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=200, help="requests per client")
    ap.add_argument("--timeout-ms", type=int, default=1500)
    ap.add_argument("--server-pid", type=int)
    a = ap.parse_args()

    total = a.clients * a.requests
    lock = threading.Lock()
    outcomes = collections.Counter()
    latencies = collections.defaultdict(list)  # kind -> seconds
    durations = collections.defaultdict(list)  # kind -> duration_ms of the result
    retries = collections.Counter()  # http status -> count
    examples = {}
    done = [0]
    rss = {"start": rss_kib(a.server_pid) if a.server_pid else None}

    def one(kind):
        expected, code = PROGRAMS[kind]
        body = json.dumps({"language": "python", "code": code, "timeout_ms": a.timeout_ms}).encode()
        t0 = time.monotonic()
        for _attempt in range(600):
            req = urllib.request.Request(a.url + "/v1/execute", data=body,
                                         headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=300) as resp:
                    result = json.load(resp)
                return expected, result.get("status", "?"), time.monotonic() - t0, result.get("duration_ms"), result
            except urllib.error.HTTPError as e:
                if e.code in (429, 503) and e.headers.get("Retry-After"):
                    with lock:
                        retries[e.code] += 1
                    e.read()
                    time.sleep(float(e.headers["Retry-After"]))
                    continue
                detail = e.read()[:300].decode("utf-8", "replace")
                return expected, f"http_{e.code}", time.monotonic() - t0, None, detail
            except Exception as e:  # connection refused/reset, timeout: an outcome, not a crash
                return expected, f"error:{type(e).__name__}", time.monotonic() - t0, None, str(e)[:300]
        return expected, "gave_up_after_retries", time.monotonic() - t0, None, None

    t0 = time.monotonic()

    def client(c):
        for i in range(a.requests):
            kind = MIX[(c + i) % len(MIX)]
            expected, actual, latency, duration, detail = one(kind)
            with lock:
                outcomes[(kind, expected, actual)] += 1
                latencies[kind].append(latency)
                if duration is not None:
                    durations[kind].append(duration)
                if actual != expected and (kind, actual) not in examples:
                    examples[(kind, actual)] = detail
                done[0] += 1
                if done[0] % max(1, total // 10) == 0:
                    print(f"soak: {done[0]}/{total} answered after {time.monotonic() - t0:.0f} s", file=sys.stderr,
                          flush=True)
                if done[0] == total // 2 and a.server_pid:
                    rss["middle"] = rss_kib(a.server_pid)

    threads = [threading.Thread(target=client, args=(c,), daemon=True) for c in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    if a.server_pid:
        rss["end"] = rss_kib(a.server_pid)

    print(f"\n{a.clients} clients x {a.requests} requests = {total} one-shot runs, timeout {a.timeout_ms} ms, "
          f"{wall:.1f} s")
    print(f"{'program':8} {'expected':14} {'actual':22} {'count':>6}")
    bad = 0
    for (kind, expected, actual), n in sorted(outcomes.items()):
        mark = "" if actual == expected else "   <-- unexpected"
        bad += 0 if actual == expected else n
        print(f"{kind:8} {expected:14} {actual:22} {n:6}{mark}")
    all_lat = [x for v in latencies.values() for x in v]
    print(f"requests/s: {total / wall:.2f}")
    print(f"latency (end to end, incl. retries) p50 {percentile(all_lat, 50) * 1000:.0f} ms, "
          f"p95 {percentile(all_lat, 95) * 1000:.0f} ms, max {max(all_lat) * 1000:.0f} ms")
    for kind in MIX[:5]:
        if kind in latencies and kind != MIX[3]:
            d = durations.get(kind, [])
            print(f"  {kind:6} latency p50 {percentile(latencies[kind], 50) * 1000:6.0f} ms, "
                  f"p95 {percentile(latencies[kind], 95) * 1000:6.0f} ms; duration_ms p50 "
                  f"{percentile(d, 50):6.0f}, p95 {percentile(d, 95):6.0f}")
    print("retried after Retry-After: " + (", ".join(f"{n} x HTTP {s}" for s, n in sorted(retries.items()))
                                           or "none"))
    if a.server_pid:
        fmt = lambda k: f"{rss[k] / 1024:.0f} MiB" if rss.get(k) else "?"
        print(f"server RSS: start {fmt('start')}, middle {fmt('middle')}, end {fmt('end')}")
    for (kind, actual), detail in sorted(examples.items()):
        print(f"example of {kind} -> {actual}: {json.dumps(detail)[:400]}")
    print(f"unexpected outcomes: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
