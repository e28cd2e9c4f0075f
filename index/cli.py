"""Index commands: `advisor search`, and the retrieval half of `advisor eval`."""
from __future__ import annotations

import json
from pathlib import Path

import click

from index import engine
from index.baseline import Baseline
from index.evaluate import evaluate, load_cases, report
from index.search import Searcher
from knowledge import settings
from knowledge.records import KINDS
from knowledge.cli import region_option
from knowledge.store import Store


def open_searcher() -> Searcher:
    """A command's searcher, over an index brought current first: a command may wait for the
    catch-up after a bulk import (a server's searcher never does, it catches up aside)."""
    data_dir = settings.data_dir()
    store = Store.in_dir(data_dir, settings.load()["ADVISOR_DATABASE_URL"])
    engine.ensure_current(store, engine.IndexFiles(data_dir))
    return Searcher(store, data_dir)


@click.command("search")
@click.argument("text")
@click.option("--kind", type=click.Choice(KINDS), help="Only this kind of record.")
@region_option
@click.option("--limit", default=5, show_default=True, help="Hits per question.")
@click.option("--json", "as_json", is_flag=True, help="Print hits as JSON.")
def search_command(text, kind, region, limit, as_json):
    """Ranked hits (id, kind, title, region, score, snippet, text) for each question in TEXT."""
    results = open_searcher().search(text, kind=kind, region=region, limit=limit)
    if as_json:
        click.echo(json.dumps([_result_json(r) for r in results], ensure_ascii=False, indent=1))
        return
    for result in results:
        q = result.query
        click.echo(f"问：{q.normalized}  地区：{q.region.name if q.region else '-'}  类型提示：{q.kind_hint or '-'}"
                   + (f"  纠错：{q.corrections}" if q.corrections else ""))
        if not result.hits:
            click.echo("  （没有足够可靠的结果）")
        for rank, hit in enumerate(result.hits, 1):
            r = hit.record
            click.echo(f"  {rank}. [{hit.confidence:.2f}] {r.id} {r.kind} {r.region.short or '全国/多地'} {r.title}")
            click.echo(f"     {hit.snippet}")


def _result_json(result) -> dict:
    q = result.query
    return {"question": q.normalized, "region": q.region.name if q.region else "", "kind_hint": q.kind_hint,
            "terms": list(q.terms), "corrections": q.corrections,
            "hits": [{"id": h.record.id, "kind": h.record.kind, "title": h.record.title, "region": h.record.region.name,
                      "score": round(h.score, 3), "confidence": h.confidence, "snippet": h.snippet,
                      "text": h.record.text} for h in result.hits]}


def retrieval_eval(path: Path, misses: bool) -> None:
    """Hit@1, hit@3, MRR and no-answer precision/recall, next to a plain jieba + BM25 baseline."""
    try:
        cases = load_cases(path)
    except ValueError as error:
        raise click.ClickException(str(error))
    searcher = open_searcher()
    ours = evaluate(cases, lambda q: [[h.record.id for h in r.hits] for r in searcher.search(q)], "advisor")
    baseline = Baseline(list(searcher.records.values()))
    plain = evaluate(cases, baseline.rank, "baseline")
    click.echo(f"{len(cases)} questions ({sum(c.must_find_nothing for c in cases)} must find nothing), "
               f"{len(searcher.records)} records")
    click.echo(report([ours, plain]))
    if misses:
        click.echo(f"\nadvisor misses ({len(ours.misses)}):")
        for miss in ours.misses:
            click.echo("  " + miss)
