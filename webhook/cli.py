"""The `advisor` command: one click group assembled from each layer's commands."""
from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import click

from advisor.cli import ask_command, chat_command, eval_command
from index import engine
from knowledge import settings
from knowledge.accounts_cli import user_group
from knowledge.backup import BackupError, restore_backup, take_backup
from index.cli import search_command
from knowledge.cli import export_command, import_command, load_starter, open_store, print_report, records_group
from knowledge.store import Store


DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


class _Commands(click.Group):
    """Storage failures are one line on stderr and exit status 1, not a traceback: a full disk,
    or "database is locked" when another large import holds the write lock past the busy timeout.
    (An import is one transaction: the knowledge base is then as it was.) A setting that cannot
    be used is one line too, naming the variable."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (BackupError, settings.SettingError) as exc:
            raise click.ClickException(str(exc)) from None
        except sqlite3.OperationalError as exc:
            raise click.ClickException(storage_problem(str(exc))) from None
        except OSError as exc:
            if exc.errno not in DISK_FULL:
                raise
            raise click.ClickException(storage_problem(exc.strerror or str(exc))) from None


def storage_problem(reason: str) -> str:
    hint = "磁盘已满，请清理空间后重试" if "full" in reason or "space" in reason else (
        "另一个进程（比如另一个大批量导入）正在写数据库，请等它完成后重试" if "locked" in reason else "请检查数据目录")
    return f"数据库写入失败（{reason}）：{hint}。导入是一个事务，失败时知识库保持原样。"


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """养老顾问 — elder-care advisor. Settings come from environment variables (see `advisor settings`)."""
    os.umask(0o077)  # all it writes (index, uploads, job files, under `serve` too) is its own: 0600/0700


@main.command()
def init():
    """Create the data dir and database, load the shipped knowledge (idempotent)."""
    with open_store() as store:
        report, count = load_starter(store), store.count()
    print_report(report)
    click.echo(f"数据目录：{settings.data_dir()}，共 {count} 条有效记录。")


@main.command("settings")
def settings_command():
    """List every setting with its default and purpose (secrets are never printed)."""
    values = settings.load()
    for setting in settings.SETTINGS:
        value = values[setting.name]
        if isinstance(value, tuple):  # ADVISOR_TRUSTED_PROXIES, shown as it is written
            value = ", ".join(map(str, value))
        shown = "(set)" if setting.secret and value else value
        click.echo(f"{setting.name}={shown}\n    {setting.help} Default: {setting.default!r}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option("--workers", default=2, show_default=True,
              help="Sync worker processes (whoosh searchers are not thread-safe; 2 fits 2 cores).")
def serve(host, port, workers):
    """Production server: gunicorn with sync workers and the app preloaded (shared memory).
    Its workers count /metrics in files of the data dir's metrics directory, emptied here; its
    access log (paths only: query strings carry openids) and its own lines go where the app's
    do (webhook.gunicorn_hooks)."""
    import sys

    from webhook.metrics import prepare_shared_dir

    prepare_shared_dir(settings.data_dir())
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(workers),
            "--worker-class", "sync", "--preload", "--config", "python:webhook.gunicorn_hooks",
            # X-Forwarded-* are believed by webhook/proxies.py (ADVISOR_TRUSTED_PROXIES), not by
            # gunicorn's own default list (loopback), so there is one setting and one place.
            "--forwarded-allow-ips", "", "--access-logfile", "-",
            "webhook.app:create_app()"]
    os.execv(sys.executable, argv)


@main.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
def backup_command(dest):
    """Copy the data dir into the new directory DEST, also while it serves (the index is left out)."""
    manifest = take_backup(settings.data_dir(), dest)
    click.echo(f"备份完成：{dest}（{manifest['created_at']}，版本 {manifest['app_version']}）")
    _print_contents(manifest)


@main.command("restore")
@click.argument("src", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a data dir that is not empty (everything in it is deleted).")
def restore_command(src, force):
    """Make the data dir what the backup SRC holds: checked first, swapped in whole, index rebuilt."""
    data_dir = settings.data_dir()
    manifest = restore_backup(src, data_dir, force=force, prepare=_build_index)
    click.echo(f"已恢复到 {data_dir}：{src}（备份于 {manifest['created_at']}，版本 {manifest['app_version']}），"
               "检索索引已按记录重建。")
    _print_contents(manifest)


def _build_index(data_dir: Path) -> None:
    """Built in the restored directory before it is swapped in: the server then starts on it at
    once instead of building it at its first start (19 s at 10k records)."""
    store = Store.in_dir(data_dir, settings.load()["ADVISOR_DATABASE_URL"])  # where the records are
    try:
        engine.ensure_current(store, engine.IndexFiles(data_dir))
    finally:
        store.close()


def _print_contents(manifest: dict) -> None:
    for name, database in manifest["databases"].items():
        tables = database["tables"]
        click.echo(f"  {name}：结构 v{database['user_version']}，{len(tables)} 张表，{sum(tables.values())} 行")
    click.echo(f"  其他文件 {len(manifest['files'])} 个：{'、'.join(manifest['files']) or '无'}")


main.add_command(import_command)
main.add_command(records_group)
main.add_command(export_command)
main.add_command(search_command)
main.add_command(eval_command)
main.add_command(ask_command)
main.add_command(chat_command)
main.add_command(user_group)


if __name__ == "__main__":
    main()
