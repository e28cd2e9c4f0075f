"""An advisor over the shipped knowledge, built once per test module (the index takes seconds)."""
from __future__ import annotations

import itertools

import pytest

from advisor.core import Advisor
from advisor.reply import Message
from knowledge.cli import load_starter
from knowledge.importing import import_paths
from knowledge.records import Record
from knowledge.store import Store

_users = itertools.count(1)


@pytest.fixture(scope="module")
def advisor(tmp_path_factory) -> Advisor:
    data_dir = tmp_path_factory.mktemp("advisor")
    store = Store.in_dir(data_dir)
    load_starter(store)
    bot = Advisor.open(data_dir)
    yield bot
    bot.store.close()
    store.close()


def reply_after_importing(tmp_path, name: str, text: str, question: str):
    """The reply to `question` from an advisor whose only knowledge is the file `name` holding
    `text`, imported as an advisor would (for import tests that must show the answer changes)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    store = Store.in_dir(tmp_path / "data")
    import_paths(store, [path], actor="test")
    store.close()
    advisor = Advisor.open(tmp_path / "data")
    try:
        return advisor.handle(Message(user_id="u1", text=question, channel="test"))
    finally:
        advisor.store.close()


def advisor_over(data_dir, region: str, records: list[tuple[str, dict, str]]) -> Advisor:
    """An advisor over policy records written by a test — (id, source, text), titled by their
    first words, all of `region` — in a data dir of its own. The caller closes `advisor.store`."""
    store = Store.in_dir(data_dir)
    try:
        for ident, source, text in records:
            store.put(Record.from_dict({"id": ident, "kind": "policy", "title": text[:12], "text": text,
                                        "region": region, "source": source}), actor="test")
    finally:
        store.close()
    return Advisor.open(data_dir)


def conversation(advisor: Advisor, *turns: str, user: str = "") -> list:
    """Each turn's Reply, all from one new user."""
    user = user or f"talk-{next(_users)}"
    return [advisor.handle(Message(user_id=user, text=turn, channel="test")) for turn in turns]


class SearchSpy:
    """Counts searches, so a test can show that safety replies never reach the search."""

    def __init__(self, searcher):
        self.searcher, self.calls = searcher, 0
        self._search = searcher.search

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self._search(*args, **kwargs)


@pytest.fixture
def spy(advisor, monkeypatch) -> SearchSpy:
    spy = SearchSpy(advisor.searcher)
    monkeypatch.setattr(advisor.searcher, "search", spy)
    return spy


@pytest.fixture
def talk(advisor):
    """talk(text) → Reply, as one new user for the whole test."""
    user = f"user-{next(_users)}"

    def say(text: str, **message):
        return advisor.handle(Message(user_id=user, text=text, channel="test", **message))
    say.user = user
    return say
