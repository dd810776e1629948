"""Benchmark: naive per-message `Detoxify.predict` against modbot's batching scorer in each quantize mode.

    python bench/scoring.py [--json] [--messages 96] [--seconds 15] [--rate 30]
                            [--model-types original,unbiased,multilingual] [--modes naive,none,...]

Offline: a full-size checkpoint with random weights for each model type (`original` bert-base, `unbiased`
roberta-base, `multilingual` xlm-roberta-base; default `original` only) is built once and cached under
.bench-cache/ (speed does not depend on weight values). Messages are real comments from
../shared/data/toxicity/test.csv.gz (chat-sized ones), or built-in sentences if that file is absent.

Build steps run first and are not measured: the checkpoint, and for onnx-int8 the export (made through
detoxify's own loading code, in a process of its own, as `bot.scoring.factory` does on a bot's first start).
Then each mode runs in its own subprocess, one after another, on the same messages and cores, loading the way
the bot does (onnx-int8 from the cached export with onnxruntime + tokenizers, no torch in the process):
- throughput: all messages offered at once; msgs/s = messages / wall time (naive: a loop of predict calls);
- latency: a steady offered load (default 30 msgs/s, open loop) for --seconds; p50/p99 per message, from
  arrival to scores. Naive runs predict on the event loop, as a naive bot does, so arrivals queue behind it;
- RSS of that serving process: its own peak (VmHWM from /proc/self/status, load included; not ru_maxrss, which
  a child inherits from the benchmark parent at fork), after loading, and steady (at the end);
  which of torch/transformers/detoxify it imported;
- int8 fidelity, in another process: max |score difference| from detoxify fp32 over
  bot.scoring.fidelity.FIDELITY_SAMPLE.
ratio = best mode's msgs/s / naive msgs/s, per model type; issue 16's targets are judged on `original`.
With --json the last line is one JSON object (`original`'s figures at the top level, when it ran, and every
model type's under `model_types`).
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # read when huggingface_hub is imported (pitfall 3)
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import asyncio
import csv
import gzip
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CACHE = ROOT / ".bench-cache"
DATA = ROOT.parent / "shared" / "data" / "toxicity"
MODES = ("none", "int8-dynamic", "onnx-int8")


def load_messages(count: int) -> list[str]:
    texts: list[str] = []
    path = DATA / "test.csv.gz"
    if path.is_file():
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                text = " ".join((row.get("text") or "").split())
                if 60 <= len(text) <= 260:  # chat-sized: about 15-60 tokens
                    texts.append(text)
    if not texts:
        from tests.synthetic import BUILTIN_CORPUS

        texts = list(BUILTIN_CORPUS)
    while len(texts) < count:
        texts = texts + [f"{text} ({len(texts)})" for text in texts]
    return texts[:count]


def tokenizer_corpus() -> list[str]:
    path = DATA / "train.csv.gz"
    if not path.is_file():
        from tests.synthetic import BUILTIN_CORPUS

        return list(BUILTIN_CORPUS)
    texts: list[str] = []
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            texts.append(row.get("text") or "")
            if len(texts) >= 30000:
                break
    return texts


def ensure_checkpoint(model_type: str = "original") -> Path:
    from tests.synthetic import build_checkpoint

    marker = CACHE / f"{model_type}-full.path"
    if marker.is_file():
        path = Path(marker.read_text().strip())
        if path.is_file():
            return path
    CACHE.mkdir(exist_ok=True)
    started = time.perf_counter()
    built = build_checkpoint(CACHE, model_type, "full", corpus=tokenizer_corpus())
    marker.write_text(str(built.path))
    print(f"built {built.path.name} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return built.path


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _status_mb(field: str) -> float:
    """A field of /proc/self/status in MB (kB there). These belong to this process image, unlike ru_maxrss,
    which a child inherits from its parent's high-water mark at fork and keeps across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def peak_rss_mb() -> float:
    """This serving process's own peak resident set (VmHWM), load included."""
    return _status_mb("VmHWM")


def current_rss_mb() -> float:
    return _status_mb("VmRSS")


async def steady_load(score_one: Any, texts: list[str], rate: float, seconds: float) -> list[float]:
    """Open-loop arrivals at `rate` msgs/s; latency from each scheduled arrival to its scores."""
    loop = asyncio.get_running_loop()
    count = max(1, int(rate * seconds))
    start = loop.time() + 0.05
    latencies: list[float] = []

    async def one(index: int) -> None:
        arrival = start + index / rate
        await asyncio.sleep(max(0.0, arrival - loop.time()))
        await score_one(texts[index % len(texts)])
        latencies.append(loop.time() - arrival)

    await asyncio.gather(*(one(index) for index in range(count)))
    return latencies


HEAVY_MODULES = ("torch", "transformers", "detoxify")


def load_fast_engine(model_type: str, mode: str, checkpoint: Path, threads: int) -> Any:
    """The engine the bot would serve with for `mode`, as bot.scoring.factory builds it."""
    if mode == "onnx-int8":
        from bot.scoring.factory import load_onnx

        return load_onnx(model_type, checkpoint, threads, CACHE)  # the export is made before, in prepare
    from bot.scoring.detoxify_engine import DetoxifyEngine

    return DetoxifyEngine(model_type, checkpoint, quantize=mode, torch_threads=threads)  # type: ignore[arg-type]


def run_child(model_type: str, mode: str, checkpoint: Path, messages: int, seconds: float, rate: float,
              threads: int) -> dict[str, Any]:
    """One serving process: load, throughput, steady load. Peak RSS covers all of it; nothing else runs here."""
    texts = load_messages(messages)
    steady_texts = [f"{text} #{index}" for index, text in enumerate(load_messages(int(rate * seconds) + 1))]
    result: dict[str, Any] = {"mode": mode, "model_type": model_type}
    if mode == "naive":
        import torch
        from detoxify import Detoxify

        torch.set_num_threads(threads)
        started = time.perf_counter()
        model = Detoxify(model_type, checkpoint=str(checkpoint))
        result["load_s"] = time.perf_counter() - started
        result["rss_loaded_mb"] = current_rss_mb()
        result["rss_peak_loaded_mb"] = peak_rss_mb()
        model.predict(texts[0])  # warm-up
        started = time.perf_counter()
        for text in texts:
            model.predict(text)
        result["msgs_per_s"] = len(texts) / (time.perf_counter() - started)

        async def naive_one(text: str) -> None:
            model.predict(text)  # blocks the event loop, as a naive on_message does

        latencies = asyncio.run(steady_load(naive_one, steady_texts, rate, seconds))
    else:
        from bot.scoring.worker import BatchingScorer
        from bot.settings import ScoringSettings

        started = time.perf_counter()
        engine = load_fast_engine(model_type, mode, checkpoint, threads)
        result["load_s"] = time.perf_counter() - started
        result["rss_loaded_mb"] = current_rss_mb()
        result["rss_peak_loaded_mb"] = peak_rss_mb()
        result["version"] = engine.info.version
        engine.predict(texts[:4])  # warm-up

        async def measure_scorer() -> tuple[float, list[float]]:
            defaults = ScoringSettings()  # the bot's own batching settings
            scorer = BatchingScorer(engine, batch_size=defaults.batch_size, max_wait_s=defaults.max_wait_ms / 1000.0,
                                    cache_size=0, timeout_s=30.0,
                                    owns_engine=False)
            began = time.perf_counter()
            results = await asyncio.gather(*(scorer.score([text]) for text in texts))
            elapsed = time.perf_counter() - began
            assert not any(r[0].timed_out for r in results)

            async def one(text: str) -> None:
                (scores,) = await scorer.score([text])
                assert not scores.timed_out

            lat = await steady_load(one, steady_texts, rate, seconds)
            await scorer.close()
            return len(texts) / elapsed, lat

        result["msgs_per_s"], latencies = asyncio.run(measure_scorer())
    result["rss_mb"] = peak_rss_mb()
    result["rss_now_mb"] = current_rss_mb()
    result["heavy_modules"] = [name for name in HEAVY_MODULES if name in sys.modules]
    result["p50_ms"] = statistics.median(latencies) * 1000
    result["p99_ms"] = percentile(latencies, 0.99) * 1000
    result["messages"] = len(texts)
    result["steady_messages"] = len(latencies)
    return result


def run_fidelity(model_type: str, mode: str, checkpoint: Path, threads: int) -> dict[str, Any]:
    """A separate process: detoxify fp32 against the mode's engine on bot.scoring.fidelity.FIDELITY_SAMPLE."""
    from bot.scoring.detoxify_engine import DetoxifyEngine
    from bot.scoring.fidelity import measure

    reference = DetoxifyEngine(model_type, checkpoint, quantize="none", torch_threads=threads)
    fidelity = measure(reference, load_fast_engine(model_type, mode, checkpoint, threads))
    return {"fidelity_max_abs_diff": fidelity.max_abs_diff, "fidelity_label": fidelity.label,
            "fidelity_texts": fidelity.texts}


def prepare(modes: list[str], checkpoint: Path, threads: int, model_type: str = "original") -> None:
    """Build steps, outside every measured process: the ONNX export (a child process of its own)."""
    if "onnx-int8" in modes:
        from bot.scoring.checkpoints import checkpoint_id
        from bot.scoring.onnx_engine import export_folder, read_meta
        from bot.scoring.onnx_export import ensure_export

        folder = export_folder(CACHE, checkpoint_id(checkpoint))
        if read_meta(folder) is None:
            started = time.perf_counter()
            ensure_export(model_type, checkpoint, folder, threads)
            print(f"exported {folder.name} to ONNX int8 in {time.perf_counter() - started:.1f}s", file=sys.stderr)


def child(args: list[str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"{' '.join(args[:2])} failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure_model_type(model_type: str, modes: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Every mode of one model type, each in its own process, and the ratio of the best to naive."""
    checkpoint = ensure_checkpoint(model_type)
    prepare(modes, checkpoint, args.threads, model_type)
    rows: list[dict[str, Any]] = []
    for mode in modes:
        common = ["--model-type", model_type, "--checkpoint", str(checkpoint), "--threads", str(args.threads)]
        row = child(["--child", mode, *common, "--messages", str(args.messages), "--seconds", str(args.seconds),
                     "--rate", str(args.rate)])
        if mode not in ("naive", "none"):
            row.update(child(["--fidelity", mode, *common]))
        rows.append(row)
        print(f"{model_type:>12} {mode:>13}: {row['msgs_per_s']:7.1f} msgs/s  p50 {row['p50_ms']:8.1f} ms  "
              f"p99 {row['p99_ms']:8.1f} ms @ {args.rate:g}/s  RSS peak {row['rss_mb']:5.0f} MB "
              f"(at load {row['rss_peak_loaded_mb']:5.0f}) "
              f"loaded {row['rss_loaded_mb']:5.0f} MB steady {row['rss_now_mb']:5.0f} MB  "
              f"load {row['load_s']:5.1f}s"
              + (f"  fidelity {row['fidelity_max_abs_diff']:.4f}" if "fidelity_max_abs_diff" in row else "")
              + f"  imports {'+'.join(row['heavy_modules']) or 'no torch'}",
              flush=True)
    naive = next((row for row in rows if row["mode"] == "naive"), None)
    ours = [row for row in rows if row["mode"] != "naive"]
    best = max(ours, key=lambda row: row["msgs_per_s"]) if ours else None
    ratio = best["msgs_per_s"] / naive["msgs_per_s"] if best and naive else None
    if ratio is not None and best is not None and naive is not None:
        print(f"{model_type} ratio: {ratio:.2f}x ({best['mode']} {best['msgs_per_s']:.1f} msgs/s vs naive "
              f"{naive['msgs_per_s']:.1f} msgs/s)", flush=True)
    return {"ratio": ratio, "best_mode": best["mode"] if best else None, "checkpoint": checkpoint.name,
            "modes": rows}


def targets(result: dict[str, Any]) -> dict[str, bool] | None:
    """Issue 16's targets, judged on the best mode (the one the ratio is about); memory on onnx-int8's process."""
    ratio, rows = result["ratio"], result["modes"]
    best = next((row for row in rows if row["mode"] == result["best_mode"]), None)
    if ratio is None or best is None:
        return None
    onnx = next((row for row in rows if row["mode"] == "onnx-int8"), best)
    return {
        "ratio_ge_8": ratio >= 8.0,
        "p99_lt_60ms": best["p99_ms"] < 60.0,
        "onnx_peak_rss_lt_400mb": onnx["rss_mb"] < 400.0,
        "fidelity_le_0.02": best.get("fidelity_max_abs_diff", 0.0) <= 0.02,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument("--messages", type=int, default=96, help="messages for the throughput run")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of the steady-load run")
    parser.add_argument("--rate", type=float, default=30.0, help="offered load, msgs/s")
    parser.add_argument("--threads", type=int, default=2, help="torch / onnxruntime threads")
    parser.add_argument("--modes", default=",".join(("naive", *MODES)))
    parser.add_argument("--model-types", default="original", help="original, unbiased, multilingual (comma-separated)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--fidelity", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--model-type", default="original", help=argparse.SUPPRESS)
    parser.add_argument("--checkpoint", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(run_child(args.model_type, args.child, args.checkpoint, args.messages, args.seconds,
                                   args.rate, args.threads)))
        return
    if args.fidelity:
        print(json.dumps(run_fidelity(args.model_type, args.fidelity, args.checkpoint, args.threads)))
        return

    modes = args.modes.split(",")
    load_before = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    per_type = {model_type: measure_model_type(model_type, modes, args) for model_type in args.model_types.split(",")}
    load_after = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    for result in per_type.values():
        result["targets"] = targets(result)
    summary: dict[str, Any] = {**per_type.get("original", {}), "threads": args.threads, "offered_rate": args.rate,
                               "loadavg_before": load_before, "loadavg_after": load_after, "model_types": per_type}
    print(f"loadavg {' '.join(load_before)} -> {' '.join(load_after)}")
    original = per_type.get("original")
    if original is not None and original["targets"] is not None:
        print("targets (original, best mode): " + ", ".join(f"{name} {'yes' if met else 'NO'}"
                                                            for name, met in original["targets"].items()))
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
