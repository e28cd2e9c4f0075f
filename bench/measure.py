"""Measuring helpers of the retrieval benchmark (bench/retrieval.py): percentiles, CPU and
memory, the machine and the code measured, and the caches a "cold" pass must empty."""
from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50/p95/p99/max in ms of samples in seconds."""
    if len(samples) < 2:
        value = samples[0] * 1000 if samples else float("nan")
        return {"p50": value, "p95": value, "p99": value, "max": value, "n": len(samples)}
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000, "max": max(samples) * 1000,
            "n": len(samples)}


def children_cpu() -> float:
    """CPU seconds of finished child processes (the index build analyses in two of them)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 1e6


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        kib = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        ram = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    versions = {}
    for dist in ("whoosh-reloaded", "jieba", "tantivy", "pyinstrument"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return {"cpu": cpu, "cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)), "ram": ram,
            "python": platform.python_version(), "platform": platform.platform(), **versions}


def clear_query_caches() -> None:
    """Forget analysed question text, so each timed search pays its analysis again."""
    from index import analysis
    from knowledge import regions

    analysis.terms.cache_clear()
    analysis.normalize.cache_clear()
    analysis.BLOCKS.clear()
    analysis.RUNS.clear()
    regions.resolve.cache_clear()



def revision() -> str:
    """The commit measured, and which files of the search code differ from it (work in progress)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.rstrip()
        except (OSError, subprocess.SubprocessError):
            return ""
    head = git("log", "-1", "--format=%h %s") or "unknown"
    dirty = [line[3:] for line in git("status", "--porcelain", "--", "index", "knowledge", "advisor").splitlines()]
    return head + (f" + uncommitted changes in {', '.join(dirty)}" if dirty else "")
