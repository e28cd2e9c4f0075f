"""How people read on every console page: a chat user as 微信用户 ···a1b2 (never the raw api:u-…
key), an account by its name (never console:…) — the way a community advisor says them. Times
have one clock too: knowledge.clock.china_clock (12月3日 10:19), a template global like these.
"""
from __future__ import annotations

PERSON_LABELS = {"wechat": "微信用户", "wecom": "企业微信用户", "api": "网页用户"}
ACTOR_LABELS = {"bot": "机器人", "cli": "命令行", "init": "系统初始化", "console": "工作台", "": "—"}
TAIL = 4  # characters of the id shown, enough to tell two people apart


def person(user_id: str) -> str:
    """微信用户 ···a1b2: which channel, and the end of the id to tell people apart."""
    channel, _, bare = (user_id or "").partition(":")
    if not bare:
        channel, bare = "", channel
    label = PERSON_LABELS.get(channel, "用户")
    return f"{label} ···{bare[-TAIL:]}" if bare else label


def actor(name: str) -> str:
    """Who did something: a console account by its name, the bot and tools in words."""
    name = name or ""
    if name.startswith("console:"):
        return name.removeprefix("console:")
    if name.startswith(("import:", "importer:")):
        return "导入"
    return ACTOR_LABELS.get(name, name)


def origin(value: str) -> str:
    """Where a record came from: shipped knowledge, an imported file, or this console."""
    kind, _, name = (value or "").partition(":")
    if kind == "curated":
        return "系统自带的知识"
    if kind == "file":
        return f"导入的文件 {name}"
    return {"console": "在工作台新建", "": "—"}.get(value, value)


def fact(value) -> str:
    """A record's fact as text: lists joined with 、, tables as 名称：值 pairs."""
    if isinstance(value, dict):
        return "；".join(f"{key}：{fact(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return "、".join(fact(item) for item in value)
    return str(value)
