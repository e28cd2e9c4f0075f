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
import itertools
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SIZES = "1000,10000"
BOOSTS = {"title": 3.0, "tags": 2.0, "body": 1.0}  # as in index.engine.make_schema

from bench.measure import (RESULTS, children_cpu, clear_query_caches,  # noqa: E402
                           dir_mb, machine, peak_rss_mb, percentiles, revision)
from bench.retrieval_report import AFTER_EDIT, EDITS, FOLLOW_UP, FOLLOW_UP_USERS, WARMUP, report  # noqa: E402

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
    asked = itertools.cycle(questions)
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
