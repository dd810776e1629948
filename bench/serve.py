"""Benchmark: `modbot serve` over HTTP against the same scorer in-process.

    python bench/serve.py [--scorer profanity|onnx] [--seconds 10] [--rates 10,30,100] [--readings] [--json]

The scorer: `profanity` (profanity-check, nothing to build; scoring is so cheap that this measures HTTP's own
cost) or `onnx` (the full-size `original` bert checkpoint with random weights and its int8 ONNX export, built
and cached under .bench-cache/ by bench/scoring.py: the bot's default serving path, and the realistic case).
Both sides use bot.scoring.worker.BatchingScorer with the cache off (every text is scored).

Three processes, one after another on the same cores: (1) a server child running bot.serve's service on a
loopback port (the code `modbot serve` runs, minus the CLI) while this process offers the load with aiohttp;
(2) an in-process child that offers the same load straight to the scorer. Measured, on each side:
- steady load: open-loop arrivals at each rate for --seconds; achieved req/s, p50/p99 from scheduled arrival to
  the answer; every request must get an answer (200, or 429/503, which are answers); unanswered must be 0;
- throughput: --burst requests, at most 64 in flight; req/s;
- overload (HTTP only): --overload requests at once against serve.max_pending=64: how many 200/429/503, how
  many unanswered (must be 0), and the slowest answer.
ratio = HTTP throughput / in-process throughput (also per steady rate). With --json the last line is JSON.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import asyncio
import collections
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scoring import CACHE, ensure_checkpoint, load_messages, percentile, prepare  # noqa: E402

KEY = "bench-key-0123456789abcdef"
MAX_PENDING = 64
ANSWER_WAIT_S = 60.0  # a client gives up after this: such a request counts as unanswered


def open_scorer(kind: str, threads: int) -> Any:
    from bot.scoring.worker import BatchingScorer
    from bot.settings import ScoringSettings

    if kind == "onnx":
        from bot.scoring.factory import load_onnx

        engine: Any = load_onnx("original", ensure_checkpoint(), threads, CACHE)
    else:
        from bot.scoring.profanity import ProfanityEngine

        engine = ProfanityEngine()
    return BatchingScorer(engine, batch_size=ScoringSettings().batch_size, queue_size=4096, timeout_s=20.0,
                          cache_size=0)


def summary(latencies: list[tuple[str, float]], wall: float, statuses: collections.Counter[str]) -> dict[str, Any]:
    """req_s: scored answers (200) per second; p50/p99: of those; max_ms: the slowest answer of any kind."""
    scored = [latency for status, latency in latencies if status == "200"]
    every = [latency for _, latency in latencies]
    return {
        "requests": sum(statuses.values()),
        "statuses": dict(statuses),
        "unanswered": statuses.get("unanswered", 0),
        "req_s": round(len(scored) / wall, 1) if wall > 0 else 0.0,
        "p50_ms": round(percentile(scored, 0.5) * 1000, 1) if scored else None,
        "p99_ms": round(percentile(scored, 0.99) * 1000, 1) if scored else None,
        "max_ms": round(max(every) * 1000, 1) if every else None,
    }


async def steady(call: Any, texts: list[str], rate: float, seconds: float) -> dict[str, Any]:
    """Open-loop arrivals at `rate`/s; latency from each scheduled arrival to its answer."""
    loop = asyncio.get_running_loop()
    count = max(1, int(rate * seconds))
    start = loop.time() + 0.05
    latencies: list[tuple[str, float]] = []
    statuses: collections.Counter[str] = collections.Counter()

    async def one(index: int) -> None:
        arrival = start + index / rate
        await asyncio.sleep(max(0.0, arrival - loop.time()))
        status = await call(texts[index % len(texts)] + f" #{index}")
        statuses[status] += 1
        latencies.append((status, loop.time() - arrival))

    await asyncio.gather(*(one(index) for index in range(count)))
    return summary(latencies, loop.time() - start, statuses)


async def burst(call: Any, texts: list[str], count: int, in_flight: int | None) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(in_flight or count)
    latencies: list[tuple[str, float]] = []
    statuses: collections.Counter[str] = collections.Counter()
    start = loop.time()

    async def one(index: int) -> None:
        async with gate:
            status = await call(texts[index % len(texts)] + f" ~{index}")
        statuses[status] += 1
        latencies.append((status, loop.time() - start))

    await asyncio.gather(*(one(index) for index in range(count)))
    return summary(latencies, loop.time() - start, statuses)


async def measure(call: Any, texts: list[str], rates: list[float], seconds: float, count: int) -> dict[str, Any]:
    await burst(call, texts, 32, 8)  # warm up
    results: dict[str, Any] = {"steady": {}}
    for rate in rates:
        results["steady"][str(rate)] = await steady(call, texts, rate, seconds)
    results["throughput"] = await burst(call, texts, count, MAX_PENDING)
    return results


# --- the HTTP side -------------------------------------------------------------------------------------------

async def serve_child(kind: str, threads: int, readings: bool) -> None:
    from bot.serve.http import serving
    from bot.serve.keys import KeyRing
    from bot.serve.service import PerspectiveService
    from bot.settings import ServeSettings

    scorer = open_scorer(kind, threads)
    settings = ServeSettings(max_pending=MAX_PENDING, rate_per_key=1e9, burst_per_key=10**9, storage=False,
                             answer_timeout_s=30.0, readings=readings)
    service = PerspectiveService(scorer, KeyRing([KEY], settings.rate_per_key, settings.burst_per_key), settings)
    async with serving(service, "127.0.0.1", 0) as address:
        print(address.url, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    await scorer.close()


async def http_side(url: str, texts: list[str], args: argparse.Namespace) -> dict[str, Any]:
    import aiohttp

    attribute = "PROFANITY" if args.scorer == "profanity" else "TOXICITY"
    endpoint = url + "/v1alpha1/comments:analyze"
    timeout = aiohttp.ClientTimeout(total=ANSWER_WAIT_S)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout) as session:
        async def call(text: str) -> str:
            body = {"comment": {"text": text}, "requestedAttributes": {attribute: {}}, "doNotStore": True}
            try:
                async with session.post(endpoint, params={"key": KEY}, json=body) as response:
                    payload = await response.json()
                    if response.status == 200 and "attributeScores" not in payload:
                        return "bad-200"
                    return str(response.status)
            except (aiohttp.ClientError, TimeoutError):
                return "unanswered"

        results = await measure(call, texts, args.rates, args.seconds, args.burst)
        results["overload"] = await burst(call, texts, args.overload, None)
        async with session.get(url + "/healthz") as response:
            results["model"] = (await response.json())["model"]["describe"]
    return results


def run_http(texts: list[str], args: argparse.Namespace) -> dict[str, Any]:
    server = subprocess.Popen([sys.executable, __file__, "--child", "serve", "--scorer", args.scorer,
                               "--threads", str(args.threads), *(["--readings"] if args.readings else [])],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert server.stdout is not None and server.stdin is not None
        url = server.stdout.readline().strip()
        if not url.startswith("http://"):
            raise SystemExit(f"the server child did not start (exit {server.wait()})")
        result = asyncio.run(http_side(url, texts, args))
        print(json.dumps(result), file=sys.stderr)  # kept even if the in-process side fails
        return result
    finally:
        if server.stdin is not None:
            server.stdin.close()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- the in-process side -------------------------------------------------------------------------------------

async def inprocess_child(texts: list[str], args: argparse.Namespace) -> dict[str, Any]:
    scorer = open_scorer(args.scorer, args.threads)

    async def call(text: str) -> str:
        [scores] = await scorer.score([text])
        return "timed_out" if scores.timed_out else "200"

    try:
        return await measure(call, texts, args.rates, args.seconds, args.burst)
    finally:
        await scorer.close()


def run_inprocess(args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", "inprocess", "--scorer", args.scorer, "--threads",
               str(args.threads), "--seconds", str(args.seconds), "--rates", ",".join(map(str, args.rates)),
               "--burst", str(args.burst), "--messages", str(args.messages)]
    done = subprocess.run(command, capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"the in-process child failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scorer", choices=("profanity", "onnx"), default="profanity")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each steady-load run")
    parser.add_argument("--rates", type=lambda text: [float(part) for part in text.split(",")],
                        default=[10.0, 30.0, 100.0], help="offered loads, req/s")
    parser.add_argument("--burst", type=int, default=400, help="requests for the throughput run")
    parser.add_argument("--overload", type=int, default=1000, help="requests offered at once for the overload run")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--readings", action="store_true",
                        help="the server with serve.readings on (each text's readings scored; in-process: as sent)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=("serve", "inprocess"), default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    texts = load_messages(args.messages)
    if args.child == "serve":
        asyncio.run(serve_child(args.scorer, args.threads, args.readings))
        return
    if args.child == "inprocess":
        print(json.dumps(asyncio.run(inprocess_child(texts, args))))
        return
    if args.scorer == "onnx":
        prepare(["onnx-int8"], ensure_checkpoint(), args.threads)
    http = run_http(texts, args)
    local = run_inprocess(args)
    report: dict[str, Any] = {"scorer": args.scorer, "readings": args.readings, "model": http.pop("model"),
                              "cpus": os.cpu_count(),
                              "http": http, "in_process": local}
    report["ratio_throughput"] = round(http["throughput"]["req_s"] / local["throughput"]["req_s"], 3)
    report["ratio_steady"] = {rate: round(http["steady"][rate]["req_s"] / local["steady"][rate]["req_s"], 3)
                              for rate in http["steady"]}
    unanswered = sum(part["unanswered"] for part in (*http["steady"].values(), http["throughput"],
                                                      http["overload"]))
    print(f"scorer {report['scorer']}: {report['model']} ({report['cpus']} CPUs)"
          f"{'; the server scores readings (serve.readings)' if args.readings else ''}")
    print("req/s: scored answers (200) per second; p50/p99 in ms, from scheduled arrival, of those; "
          "statuses: every answer")
    print(f"{'offered':>8} {'http req/s':>10} {'p50':>7} {'p99':>7} | {'in-proc req/s':>13} {'p50':>7} {'p99':>7}"
          f" | {'ratio':>5}")
    for rate, row in http["steady"].items():
        other = local["steady"][rate]
        print(f"{rate:>8} {row['req_s']:>10} {row['p50_ms']:>7} {row['p99_ms']:>7} | {other['req_s']:>13} "
              f"{other['p50_ms']:>7} {other['p99_ms']:>7} | {report['ratio_steady'][rate]:>5}  "
              f"http {row['statuses']} in-process {other['statuses']}")
    print(f"throughput ({args.burst} requests, {MAX_PENDING} in flight): http {http['throughput']['req_s']} req/s, "
          f"in-process {local['throughput']['req_s']} req/s, ratio {report['ratio_throughput']}")
    overload = http["overload"]
    print(f"overload ({args.overload} at once, max_pending {MAX_PENDING}): statuses {overload['statuses']}, "
          f"slowest answer {overload['max_ms']} ms")
    print(f"requests without an answer: {unanswered}")
    report["unanswered"] = unanswered
    if args.json:
        print(json.dumps(report))


if __name__ == "__main__":
    main()
