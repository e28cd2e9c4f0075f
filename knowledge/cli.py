"""Knowledge commands: init, import, records list/show, export (a thin layer over the library)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from knowledge import settings
from knowledge.importing import ImportReport, import_paths
from knowledge.records import KINDS
from knowledge.regions import Region, resolve
from knowledge.store import StoredRecord, Store

STARTER_DIR = Path(__file__).parent / "data"
kind_option = click.option("--kind", type=click.Choice(KINDS), help="Only this kind of record.")


def _known_region(ctx, param, value: str | None) -> Region | None:
    """Resolve --region once for every command; an unknown name is a usage error (exit 2)."""
    if not value:
        return None
    region = resolve(value)
    if not region.code:
        raise click.BadParameter(f"{value!r} is not a known 省/市/县 name")
    return region


region_option = click.option("--region", callback=_known_region, help="省/市/县 name, e.g. 南宁 or 广东省广州市.")


def open_store() -> Store:
    """The data dir's store, its shared tables in ADVISOR_DATABASE_URL when that is set."""
    return Store.in_dir(settings.data_dir(), settings.load()["ADVISOR_DATABASE_URL"])


def load_starter(store: Store) -> ImportReport:
    """Load the shipped curated knowledge. Idempotent, and it runs at every `make run`: unchanged
    records stay untouched, and one an advisor edited or retired keeps the advisor's version."""
    return import_paths(store, sorted(STARTER_DIR.glob("*.json")), actor="init", origin_prefix="curated:",
                        keep_edits=True)


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@kind_option
@region_option
def import_command(paths, kind, region):
    """Import documents (.txt .md .html .docx .pdf) or directories (.csv .json)."""
    with open_store() as store, _ProgressBar() as progress:
        report = import_paths(store, paths, kind=kind, region=region.name if region else None, actor="cli",
                              progress=progress,
                              max_bytes=settings.load()["ADVISOR_IMPORT_MAX_BYTES"])
    print_report(report)
    if report.skipped and not report.records:
        sys.exit(1)


def print_report(report: ImportReport) -> None:
    c = report.changes
    click.echo(f"{report.files} 个文件，{report.documents} 篇文件解析出 {report.clauses} 条条款；"
               f"{report.records} 条记录：新增 {c['inserted']}，更新 {c['updated']}，未变 {c['unchanged']}，"
               f"停用 {c['retired']}，已有 {c['known']}（与已存知识重复，未再添加）；跳过 {len(report.skipped)} 处。")
    for info in report.document_list:
        click.echo(f"  {info.title} | {info.region.name or '（无地区）'} | {info.doc_no or '（无文号）'} | "
                   f"{info.date or '（无日期）'} | {info.records} 条"
                   f"{f'（其中 {info.known} 条已有）' if info.known else ''}  ← {info.file}")
        for warning in info.warnings():
            click.echo(f"    ⚠ {warning}")
    for problem in report.skipped:
        click.echo(f"  跳过 {problem}", err=True)
    _print_kept(report)


def _print_kept(report: ImportReport) -> None:
    """What `advisor init` left as the advisors made it, and which of those the release changed too."""
    kept = report.changes["kept"] + len(report.conflicts)
    if kept:
        click.echo(f"保留了顾问修改过的 {kept} 条（改写或停用的记录保持顾问的版本，没有用发布的内容覆盖）。")
    if report.conflicts:
        click.echo(f"其中 {len(report.conflicts)} 条发布的内容也有更新，未应用，请顾问对照版本历史核对"
                   "（advisor records show ID，或控制台的记录页）：")
        for record_id in report.conflicts:
            click.echo(f"  {record_id}")


class _ProgressBar:
    """A click progress bar on stderr, created once the number of records to write is known."""

    def __enter__(self):
        self.bar = None
        return self

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            click.echo(f"写入 {total} 条记录…", err=True)
            self.bar = click.progressbar(length=total, label="写入", file=sys.stderr).__enter__()
        self.bar.update(1)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


@click.group("records")
def records_group():
    """Browse the knowledge base."""


@records_group.command("list")
@kind_option
@region_option
@click.option("--all", "include_retired", is_flag=True, help="Include retired records.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of records.")
def list_command(kind, region, include_retired, as_json):
    """List records (id, kind, region, title, 文号, date)."""
    with open_store() as store:
        found = store.list(kind=kind, region_code=region.code if region else None,
                           status=None if include_retired else "active")
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in found], ensure_ascii=False, indent=1))
        return
    for stored in found:
        click.echo(_line(stored))
    click.echo(f"共 {len(found)} 条", err=True)


def _line(stored: StoredRecord) -> str:
    r = stored.record
    retired = " [停用]" if stored.status == "retired" else ""
    return "\t".join([r.id, r.kind, r.region.short or "全国/多地", r.title + retired, r.source.doc_no or "-",
                      r.source.date or "-"])


@records_group.command("show")
@click.argument("record_id")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
def show_command(record_id, as_json):
    """Show one record with its source and history."""
    with open_store() as store:
        stored, history = store.get(record_id), store.history(record_id)
    if stored is None:
        raise click.ClickException(f"no record with id {record_id!r}")
    if as_json:
        versions = [v.__dict__ for v in history]
        click.echo(json.dumps(stored.to_dict() | {"history": versions}, ensure_ascii=False, indent=1))
        return
    click.echo(_describe(stored))
    for version in history:
        click.echo(f"  v{version.version} {version.action} by {version.actor} at {version.at}")


def _describe(stored: StoredRecord) -> str:
    r = stored.record
    lines = [f"{r.title}  ({r.id}, {r.kind}, {stored.status})", r.text, "",
             f"地区：{r.region.name or '全国/多地'} {r.region.code}", f"来源：{r.source.citation()}  [{r.source.file}]"]
    if r.heading_path:
        lines.append("条款：" + " › ".join(r.heading_path))
    lines += [f"{role}：{'、'.join(units)}" for role, units in r.units.items()]
    if r.valid_from or r.valid_to:
        lines.append(f"有效期：{r.valid_from or '…'} 至 {r.valid_to or '…'}")
    if r.tags:
        lines.append("标签：" + "、".join(r.tags))
    lines += [f"{key}：{value}" for key, value in r.attrs.items()]
    return "\n".join(lines)


@click.command("export")
@kind_option
@click.option("--all", "include_retired", is_flag=True, help="Include retired records.")
def export_command(kind, include_retired):
    """Print all records as JSON that `advisor import` reads back."""
    with open_store() as store:
        found = store.list(kind=kind, status=None if include_retired else "active")
    click.echo(json.dumps([s.to_dict() for s in found], ensure_ascii=False, indent=1))
