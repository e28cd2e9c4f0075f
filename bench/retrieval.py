"""Retrieval benchmark: build time, index size, query latency and memory of the whoosh index,
against tantivy on the same tokens.

    .venv/bin/python bench/retrieval.py                         # 1k and 10k records
    .venv/bin/python bench/retrieval.py --sizes 1000,10000,100000 --queries 200
    .venv/bin/python bench/retrieval.py --sizes 10000 --profile 10000

Each size runs in its own subprocess (so peak RSS is per size) in a fresh temp data dir:
generate the corpus (bench/corpus.py), write it into a Store in one transaction, time
`index.engine.rebuild`, open `index.search.Searcher`, warm up with 20 other questions, then
time `searcher.search(q)` once per question (understanding, jieba analysis, whoosh, confidence —
everything a caller waits for). Further passes (--repeat) clear the query-side caches
(`terms`, `normalize`, `resolve`) but keep any per-record caches, as a long-running process
would. Then the same questions, analysed with `index.analysis.terms`, go as a plain OR of
terms (title×3, tags×2, body, top 10) to whoosh directly ("whoosh bare") and to tantivy, whose
index holds the same records pre-tokenised with `terms` (whitespace tokenizer). Then an
`advisor.core.Advisor` on a Searcher opened afresh (a new server process: its posting arrays
are empty but for the commonest words, which opening reads) answers every question as a new
user (`Advisor.handle`: sessions and message log in SQLite, safety/intent rules, search,
composition), and the first 50 of them follow up with "怎么申请". Last, ten edits: a record
re-saved (`Store.put`), `Searcher.refresh()` timed, then ten searches timed — an edit makes a
new index generation, and the searches after it must not be slower than the others.

Results: a markdown table on stdout and in bench/results/retrieval-<date>.md.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import platform
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
DEFAULT_SIZES = "1000,10000"
WARMUP = 20
TARGETS = {1000: 10.0, 10000: 30.0}  # query p99 ms, from the product issue
BUILD_TARGET = 500.0  # records/s
BOOSTS = {"title": 3.0, "tags": 2.0, "body": 1.0}  # as in index.engine.make_schema
ADVISOR_TARGETS = {10000: 30.0}  # Advisor.handle p99 ms (issue 4)
FOLLOW_UP = "怎么申请"  # second turn of the first FOLLOW_UP_USERS users
FOLLOW_UP_USERS = 50
EDITS = 10  # records re-saved in the after-edit pass
AFTER_EDIT = 10  # questions timed after each edit


# -- helpers -------------------------------------------------------------------------------
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
    regions.resolve.cache_clear()


def clear_record_caches() -> None:
    """Forget per-record caches the search code may keep (e.g. `record_terms`), as in a fresh process."""
    from index import search

    for name in dir(search):
        cached = getattr(search, name)
        if callable(getattr(cached, "cache_clear", None)) and getattr(cached, "__module__", "") == search.__name__:
            cached.cache_clear()


def revision() -> str:
    """The commit measured, and which files of the search code differ from it (work in progress)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    head = git("log", "-1", "--format=%h %s") or "unknown"
    dirty = [line[3:] for line in git("status", "--porcelain", "--", "index", "knowledge", "advisor").splitlines()]
    return head + (f" + uncommitted changes in {', '.join(dirty)}" if dirty else "")


# -- the worker: one size, one process -----------------------------------------------------
def worker(size: int, n_queries: int, seed: int, repeat: int, profile: bool, keep: bool) -> dict:
    from bench import corpus
    from index import analysis, engine
    from index.search import FIELD_BOOSTS as FIELDS, Searcher
    from knowledge.store import Store
    from whoosh import query as Q

    out: dict = {"size": size, "errors": [], "revision": revision()}
    analysis.ensure_jieba()
    out["rss_after_jieba_mb"] = peak_rss_mb()

    t = time.perf_counter()
    records = corpus.generate(size, seed)
    questions = corpus.questions(records, n_queries, seed)
    warmup = [q for q in corpus.questions(records, n_queries + WARMUP, seed + 1) if q not in set(questions)][:WARMUP]
    out["generate_s"] = time.perf_counter() - t
    out["queries"] = len(questions)

    data_dir = Path(tempfile.mkdtemp(prefix=f"bench-retrieval-{size}-"))
    out["data_dir"] = str(data_dir)
    try:
        store = Store.in_dir(data_dir)
        t = time.perf_counter()
        with store.transaction():
            for record in records:
                store.put(record, actor="bench", origin="bench")
        out["store_s"] = time.perf_counter() - t
        out["db_mb"] = dir_mb(data_dir)

        files = engine.IndexFiles(data_dir)
        out["load_before_build"] = os.getloadavg()[0]
        t, cpu, child_cpu = time.perf_counter(), time.process_time(), children_cpu()
        count = engine.rebuild(store, files)
        out["build_s"] = time.perf_counter() - t
        out["build_cpu_share"] = (time.process_time() - cpu + children_cpu() - child_cpu) / out["build_s"]
        out["build_rps"] = count / out["build_s"]
        out["index_mb"] = dir_mb(files.current.resolve())
        with files.open().reader() as reader:
            out["segments"] = len(reader.leaf_readers()) if hasattr(reader, "leaf_readers") else 1
        del records
        gc.collect()

        t = time.perf_counter()
        searcher = Searcher(store, data_dir)
        out["open_s"] = time.perf_counter() - t

        for question in warmup:
            searcher.search(question)

        found, asked = 0, 0
        passes: list[list[float]] = []
        out["load_before_queries"] = os.getloadavg()[0]
        wall, cpu = time.perf_counter(), time.process_time()
        for number in range(repeat):
            if number:
                clear_query_caches()
            samples = []
            for question in questions:
                t = time.perf_counter()
                results = searcher.search(question)
                samples.append(time.perf_counter() - t)
                if number == 0:
                    want = corpus.expected(question)
                    if want:
                        asked += 1
                        found += any(h.record.id in want for r in results for h in r.hits)
            passes.append(samples)
        out["query_cpu_share"] = (time.process_time() - cpu) / (time.perf_counter() - wall)
        out["search"] = percentiles(passes[0])
        out["search_repeat"] = percentiles([s for p in passes[1:] for s in p]) if repeat > 1 else None
        out["slowest"] = sorted(zip(passes[0], questions), reverse=True)[:5]
        out["dev_found"] = [found, asked]

        # whoosh without the pipeline: OR of the analysed terms, top 10
        whoosh_searcher = searcher.searcher
        clear_query_caches()
        bare = []
        for question in questions:
            t = time.perf_counter()
            tokens = analysis.terms(question)
            if tokens:
                q = Q.Or([Q.Term(f, tok) for tok in dict.fromkeys(tokens) for f in FIELDS])
                [hit["id"] for hit in whoosh_searcher.search(q, limit=10)]
            bare.append(time.perf_counter() - t)
        out["whoosh_bare"] = percentiles(bare)
        out["rss_whoosh_mb"] = peak_rss_mb()

        numbers, searcher = advisor_run(store, data_dir, questions, warmup)
        out.update(numbers)
        out.update(edit_run(store, searcher, questions))

        if profile:
            out["profile"] = profile_queries(searcher, questions, size)

        out["tantivy"] = tantivy_run(store, data_dir, questions, repeat)
        out["rss_total_mb"] = peak_rss_mb()
        store.close()
    except Exception:  # report what crashed, keep the other sizes going
        import traceback

        out["errors"].append(traceback.format_exc())
        print(traceback.format_exc(), file=sys.stderr)
    finally:
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    return out


# -- the advisor on top: one message in, one reply out ----------------------------------------
def advisor_run(store, data_dir: Path, questions: list[str], warmup: list[str]):
    """`Advisor.handle` on a Searcher opened afresh (as a new server process would: its posting
    arrays empty but for what opening warms), query-side caches cleared: each question from a
    new user, then the first FOLLOW_UP_USERS users ask FOLLOW_UP. Returns (numbers, searcher)."""
    from advisor.core import Advisor
    from index.search import Searcher

    clear_query_caches()
    clear_record_caches()
    t = time.perf_counter()
    searcher = Searcher(store, data_dir)
    opened = time.perf_counter() - t
    advisor = Advisor(store, searcher)
    timed_handle(advisor, [(f"warm-{i}", q) for i, q in enumerate(warmup)])
    first = timed_handle(advisor, [(f"bench-{i}", q) for i, q in enumerate(questions)])
    follow = timed_handle(advisor, [(f"bench-{i}", FOLLOW_UP) for i in range(min(FOLLOW_UP_USERS, len(questions)))])
    return {"advisor": first, "advisor_follow_up": follow, "advisor_open_s": opened}, searcher


def edit_run(store, searcher, questions: list[str]) -> dict:
    """An edit, then searches: EDITS times, one record re-saved with changed text (Store.put),
    `searcher.refresh()` timed (the index write and the new generation), then the next
    AFTER_EDIT questions timed with the query-side caches cleared. Posting arrays of unchanged
    segments carry over, so these should cost what other searches cost."""
    records = [s.record for s in store.list()][:EDITS]
    refresh, first, later = [], [], []
    asked = iter(questions * 2)
    for number, record in enumerate(records):
        store.put(record.with_changes(text=record.text + f"（第{number + 1}次修订）"), actor="bench")
        t = time.perf_counter()
        searcher.refresh()
        refresh.append(time.perf_counter() - t)
        for position in range(AFTER_EDIT):
            clear_query_caches()
            t = time.perf_counter()
            searcher.search(next(asked))
            (later if position else first).append(time.perf_counter() - t)
    return {"edit_refresh": percentiles(refresh), "edit_first_search": percentiles(first),
            "edit_later_searches": percentiles(later)}


def timed_handle(advisor, turns: list[tuple[str, str]]) -> dict:
    """Time `advisor.handle` per (user, text) turn: percentiles plus the replies' intents."""
    from advisor.reply import Message

    samples, intents = [], {}
    for user_id, text in turns:
        t = time.perf_counter()
        reply = advisor.handle(Message(user_id=user_id, text=text, channel="bench"))
        samples.append(time.perf_counter() - t)
        intents[reply.intent] = intents.get(reply.intent, 0) + 1
    return {**percentiles(samples), "intents": dict(sorted(intents.items(), key=lambda kv: -kv[1]))}


def tantivy_run(store, data_dir: Path, questions: list[str], repeat: int) -> dict:
    try:
        import tantivy
    except ImportError:
        message = "tantivy is not installed: skipped (.venv/bin/pip install tantivy)"
        print(message, file=sys.stderr)
        return {"skipped": message}
    from index import analysis, engine

    out: dict = {}
    t = time.perf_counter()
    docs = []
    for stored in store.list():
        doc = engine.document(stored.record)
        docs.append({"id": doc["id"], **{f: " ".join(analysis.terms(doc[f])) for f in BOOSTS}})
    out["tokenise_s"] = time.perf_counter() - t

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for field in BOOSTS:
        builder.add_text_field(field, tokenizer_name="whitespace")
    schema = builder.build()
    path = data_dir / "tantivy"
    path.mkdir()
    t = time.perf_counter()
    index = tantivy.Index(schema, path=str(path))
    writer = index.writer(heap_size=256_000_000, num_threads=1)
    for doc in docs:
        writer.add_document(tantivy.Document(**doc))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    out["index_s"] = time.perf_counter() - t
    out["build_rps"] = len(docs) / (out["index_s"] + out["tokenise_s"])
    out["index_mb"] = dir_mb(path)
    del docs
    searcher = index.searcher()
    out["segments"] = searcher.num_segments

    def ask(question: str) -> list[str]:
        tokens = analysis.terms(question)
        if not tokens:
            return []
        clauses = [(tantivy.Occur.Should, tantivy.Query.boost_query(tantivy.Query.term_query(schema, f, tok), boost))
                   for tok in dict.fromkeys(tokens) for f, boost in BOOSTS.items()]
        found = searcher.search(tantivy.Query.boolean_query(clauses), 10)
        return [searcher.doc(address)["id"][0] for _, address in found.hits]

    for question in questions[:WARMUP]:
        ask(question)
    samples = []
    for _ in range(max(repeat, 1)):
        clear_query_caches()
        for question in questions:
            t = time.perf_counter()
            ask(question)
            samples.append(time.perf_counter() - t)
    out["search"] = percentiles(samples[: len(questions)])
    out["search_all"] = percentiles(samples)
    return out


def profile_queries(searcher, questions: list[str], size: int) -> dict:
    """cProfile (and pyinstrument when installed) over one pass with every cache cold, as in the
    first timed pass; hotspots inside index/ and whoosh by cumulative time."""
    stamp = date.today().isoformat()
    RESULTS.mkdir(parents=True, exist_ok=True)
    clear_query_caches()
    clear_record_caches()
    profiler = cProfile.Profile()
    profiler.enable()
    for question in questions:
        searcher.search(question)
    profiler.disable()
    stats_path = RESULTS / f"profile-{size}-{stamp}.pstats"
    profiler.dump_stats(str(stats_path))
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    index_dir = str(ROOT / "index") + os.sep
    rows = []
    for (file, line, func), (cc, nc, tt, ct, _) in stats.stats.items():
        where = "index" if file.startswith(index_dir) else "whoosh" if f"{os.sep}whoosh{os.sep}" in file else None
        if where:
            short = file[len(str(ROOT)) + 1:] if where == "index" else "whoosh/" + file.split(f"{os.sep}whoosh{os.sep}", 1)[1]
            rows.append({"func": f"{short}:{line}({func})", "ncalls": nc, "tottime": tt, "cumtime": ct})
    rows.sort(key=lambda r: -r["cumtime"])
    by_self = []
    for (file, line, func), (cc, nc, tt, ct, _) in stats.stats.items():
        by_self.append({"func": f"{Path(file).name}:{line}({func})", "ncalls": nc, "tottime": tt, "cumtime": ct})
    by_self.sort(key=lambda r: -r["tottime"])
    out = {"total_s": total, "queries": len(questions), "pstats": str(stats_path.relative_to(ROOT)),
           "cumulative": rows[:30], "self": by_self[:20]}

    try:
        from pyinstrument import Profiler
    except ImportError:
        out["pyinstrument"] = "not installed"
        return out
    clear_query_caches()
    clear_record_caches()
    sampler = Profiler(interval=0.0005)
    sampler.start()
    for question in questions:
        searcher.search(question)
    sampler.stop()
    text_path = RESULTS / f"profile-{size}-{stamp}.pyinstrument.txt"
    text_path.write_text(sampler.output_text(unicode=True, color=False, show_all=False))
    out["pyinstrument"] = str(text_path.relative_to(ROOT))
    return out


# -- the driver ----------------------------------------------------------------------------
def run_size(size: int, args) -> dict:
    RESULTS.mkdir(parents=True, exist_ok=True)
    result_path = Path(tempfile.mkstemp(prefix=f"bench-{size}-", suffix=".json")[1])
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(size), "--result", str(result_path),
               "--queries", str(args.queries), "--seed", str(args.seed), "--repeat", str(args.repeat)]
    if size in args.profile:
        command.append("--profile-this")
    if args.keep:
        command.append("--keep")
    print(f"== {size:,} records …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    process = subprocess.run(command, cwd=ROOT)
    try:
        result = json.loads(result_path.read_text())
    except (OSError, ValueError):
        result = {"size": size, "errors": [f"worker exited with status {process.returncode} and no result"]}
    finally:
        result_path.unlink(missing_ok=True)
    if process.returncode:
        result.setdefault("errors", []).append(f"worker exit status {process.returncode}")
    result["wall_s"] = time.perf_counter() - started
    print(f"   done in {result['wall_s']:.0f} s", file=sys.stderr, flush=True)
    return result


def fmt(value, spec=".1f") -> str:
    return "–" if value is None or value != value else format(value, spec)


def target_line(what: str, p99: float, target: float) -> str:
    verdict = "met" if p99 <= target else f"**missed** ({p99 / target:.1f}× over)"
    return f"- {what}: {p99:.1f} ms vs ≤ {target:.0f} ms — {verdict}"


def advisor_table(results: list[dict]) -> list[str]:
    """The "Advisor.handle (ms)" section: first turns and follow-ups, with the replies' intents."""
    lines = ["", "## Advisor.handle (ms)", "",
             "`advisor` = `Advisor.handle(Message(user_id=f\"bench-{i}\", text=q))`, each question from a new user "
             "(session read/write and message log in SQLite, safety and intent rules, slots, search, composition), "
             "on a Searcher opened afresh (as a new server process: posting arrays empty but for the commonest "
             f"words, which opening reads — `open s`) with the query-side caches cleared, after {WARMUP} warm-up "
             f"messages; `follow-up` = the first {FOLLOW_UP_USERS} users then send “{FOLLOW_UP}”. "
             "Intents = what the replies were.", "",
             "| records | pass | turns | open s | p50 | p95 | p99 | max | intents |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        for key, name in (("advisor", "advisor"), ("advisor_follow_up", "follow-up")):
            a = r.get(key)
            if a:
                intents = ", ".join(f"{k} {v}" for k, v in a.get("intents", {}).items())
                opened = fmt(r.get("advisor_open_s"), ".2f") if key == "advisor" else ""
                lines.append(f"| {r['size']:,} | {name} | {a['n']} | {opened} | {fmt(a['p50'])} | {fmt(a['p95'])} | "
                             f"{fmt(a['p99'])} | {fmt(a['max'])} | {intents} |")
    return lines + edit_table(results)


def edit_table(results: list[dict]) -> list[str]:
    """The "After an edit (ms)" section: refresh, then the searches that follow."""
    lines = ["", "## After an edit (ms)", "",
             f"{EDITS} times: one record re-saved with changed text (`Store.put`), `Searcher.refresh()` "
             f"(the index write and the new generation), then {AFTER_EDIT} questions searched "
             "(query-side caches cleared): the first of them, and the other ones.", "",
             "| records | step | n | p50 | p95 | p99 | max |", "|---:|---|---:|---:|---:|---:|---:|"]
    for r in results:
        for key, name in (("edit_refresh", "refresh"), ("edit_first_search", "first search after"),
                          ("edit_later_searches", "later searches")):
            e = r.get(key)
            if e:
                lines.append(f"| {r['size']:,} | {name} | {e['n']} | {fmt(e['p50'])} | {fmt(e['p95'])} | "
                             f"{fmt(e['p99'])} | {fmt(e['max'])} |")
    return lines


def report(results: list[dict], facts: dict, args) -> str:
    lines = [f"# Retrieval benchmark — {date.today().isoformat()}", "",
             f"Machine: {facts['cpu']}, {facts['cores']} cores ({facts['usable_cores']} usable), {facts['ram']} RAM, "
             f"Python {facts['python']}, whoosh-reloaded {facts['whoosh-reloaded']}, jieba {facts['jieba']}, "
             f"tantivy {facts['tantivy']} — {facts['platform']}", "",
             f"Command: `.venv/bin/python bench/retrieval.py --sizes {','.join(map(str, args.sizes))} "
             f"--queries {args.queries} --repeat {args.repeat}` (seed {args.seed}); "
             f"{WARMUP} warm-up questions, then each question once (pass 1).", "",
             "Code measured: " + "; ".join(sorted({f"{r.get('revision', 'unknown')}" for r in results})), "",
             "## Build", "",
             "CPU share = CPU time of the build (this process and the analysing processes it forks) / wall "
             "time: 200% on 2 cores means both were ours; load = 1-minute load average when the build started.", "",
             "| records | store write s | rebuild s | rebuild rec/s | CPU share / load | index MB | segments | Searcher open s | peak RSS MB (whoosh) | tantivy build s (tokenise + index) | tantivy rec/s | tantivy MB |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        tv = r.get("tantivy") or {}
        tv_build = f"{tv['tokenise_s'] + tv['index_s']:.1f} ({tv['tokenise_s']:.1f} + {tv['index_s']:.1f})" if "index_s" in tv else "–"
        lines.append(f"| {r['size']:,} | {fmt(r.get('store_s'))} | {fmt(r.get('build_s'))} | {fmt(r.get('build_rps'), '.0f')} | "
                     f"{fmt(100 * r.get('build_cpu_share', float('nan')), '.0f')}% / {fmt(r.get('load_before_build'), '.1f')} | {fmt(r.get('index_mb'))} | {r.get('segments', '–')} | {fmt(r.get('open_s'), '.2f')} | "
                     f"{fmt(r.get('rss_whoosh_mb'), '.0f')} | {tv_build} | {fmt(tv.get('build_rps'), '.0f')} | "
                     f"{fmt(tv.get('index_mb'))} |")
    lines += ["", "## Queries (ms)", "",
              "`search` = `Searcher.search(q)` (understanding + analysis + whoosh + confidence), pass 1 after warm-up; "
              "`repeat` = further passes with query-side caches cleared (per-record caches, if the search keeps any, stay warm); "
              "`bare` = whoosh OR of the query terms, top 10; tantivy = same OR on the same tokens, top 10 "
              "(both include `terms(q)`). CPU share = process CPU time / wall time over the timed passes: "
              "below ~95% more processes than cores were running; load = 1-minute load average when the queries "
              "started (this benchmark alone accounts for ~1; clearly above that, something else was running).", "",
              "| records | queries | search p50 | p95 | p99 | max | repeat p50 / p99 | CPU share / load | whoosh bare p50 / p99 | tantivy p50 / p99 | our p99 / tantivy p99 | dev found@5 |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        s, rep, bare = r.get("search") or {}, r.get("search_repeat") or {}, r.get("whoosh_bare") or {}
        tv = (r.get("tantivy") or {}).get("search") or {}
        ratio = s["p99"] / tv["p99"] if s and tv else None
        found = r.get("dev_found") or [0, 0]
        lines.append(f"| {r['size']:,} | {r.get('queries', '–')} | {fmt(s.get('p50'))} | {fmt(s.get('p95'))} | "
                     f"{fmt(s.get('p99'))} | {fmt(s.get('max'))} | {fmt(rep.get('p50'))} / {fmt(rep.get('p99'))} | "
                     f"{fmt(100 * r.get('query_cpu_share', float('nan')), '.0f')}% / {fmt(r.get('load_before_queries'), '.1f')} | {fmt(bare.get('p50'))} / {fmt(bare.get('p99'))} | {fmt(tv.get('p50'), '.2f')} / {fmt(tv.get('p99'), '.2f')} | "
                     f"{fmt(ratio, '.0f')}× | {found[0]}/{found[1]} |")
    contended = [r for r in results if r.get("query_cpu_share", 1) < 0.9
                 or r.get("load_before_queries", 0) > 1.6]
    if contended:
        lines += ["", "**Warning:** CPU share below 90% or load above 1.6 at " + ", ".join(f"{r['size']:,}" for r in contended)
                  + " — other processes were using the CPU; rerun on an idle machine."]
    lines += advisor_table(results)
    lines += ["", "## Against the targets", ""]
    for r in results:
        s = r.get("search") or {}
        if r["size"] in TARGETS and s:
            lines.append(target_line(f"query p99 at {r['size']:,}", s["p99"], TARGETS[r["size"]]))
        a = r.get("advisor") or {}
        if r["size"] in ADVISOR_TARGETS and a:
            lines.append(target_line(f"`Advisor.handle` p99 at {r['size']:,} (issue 4)", a["p99"],
                                     ADVISOR_TARGETS[r["size"]]))
        if r.get("build_rps"):
            ok = r["build_rps"] >= BUILD_TARGET
            lines.append(f"- build at {r['size']:,}: {r['build_rps']:.0f} records/s vs ≥ {BUILD_TARGET:.0f} — "
                         f"{'met' if ok else '**missed**'}")
    for r in results:
        if r.get("slowest"):
            lines += ["", f"Slowest questions at {r['size']:,} (pass 1): " +
                      "; ".join(f"{q} ({t * 1000:.0f} ms)" for t, q in r["slowest"])]
    for r in results:
        prof = r.get("profile")
        if prof:
            lines += ["", f"## Profile at {r['size']:,} records (cProfile, one cold pass of {prof['queries']} questions, "
                      f"{prof['total_s']:.1f} s under the profiler; {prof['pstats']}; pyinstrument: {prof['pyinstrument']})", "",
                      "Inside index/ and whoosh, by cumulative time:", "",
                      "| function | calls | self s | cumulative s | cumulative ms / question |", "|---|---:|---:|---:|---:|"]
            for row in prof["cumulative"]:
                lines.append(f"| `{row['func']}` | {row['ncalls']:,} | {row['tottime']:.2f} | {row['cumtime']:.2f} | "
                             f"{row['cumtime'] / prof['queries'] * 1000:.1f} |")
            lines += ["", "Everywhere, by self time:", "", "| function | calls | self s | cumulative s |", "|---|---:|---:|---:|"]
            for row in prof["self"]:
                lines.append(f"| `{row['func']}` | {row['ncalls']:,} | {row['tottime']:.2f} | {row['cumtime']:.2f} |")
    for r in results:
        tv = r.get("tantivy") or {}
        if tv.get("skipped"):
            lines += ["", f"tantivy at {r['size']:,}: {tv['skipped']}"]
        for error in r.get("errors") or []:
            lines += ["", f"**Error at {r['size']:,}:**", "", "```", error.strip(), "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help=f"comma-separated corpus sizes (default {DEFAULT_SIZES}; add 100000 for the long run)")
    parser.add_argument("--queries", type=int, default=200, help="questions per size (default 200)")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the questions (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", default="", help="sizes to profile, e.g. 10000 (cProfile + pyinstrument)")
    parser.add_argument("--out", help="result file (default bench/results/retrieval-<date>.md)")
    parser.add_argument("--keep", action="store_true", help="keep the temp data dirs")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--profile-this", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        result = worker(args.worker, args.queries, args.seed, args.repeat, args.profile_this, args.keep)
        Path(args.result).write_text(json.dumps(result, ensure_ascii=False))
        return 1 if result["errors"] else 0

    args.sizes = [int(s.replace("_", "").replace("k", "000")) for s in args.sizes.split(",") if s.strip()]
    args.profile = {int(s.replace("k", "000")) for s in args.profile.split(",") if s.strip()}
    facts = machine()
    if facts["tantivy"] == "not installed":
        print("tantivy is not installed: the comparison will be skipped (.venv/bin/pip install tantivy)", file=sys.stderr)
    results = [run_size(size, args) for size in args.sizes]
    text = report(results, facts, args)
    out = Path(args.out) if args.out else RESULTS / f"retrieval-{date.today().isoformat()}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    raw = out.with_suffix(".json")
    raw.write_text(json.dumps({"machine": facts, "results": results}, ensure_ascii=False, indent=1))
    print(text)
    print(f"written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} (raw numbers: {raw.name})",
          file=sys.stderr)
    return 1 if any(r.get("errors") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
