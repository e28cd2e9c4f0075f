"""An advisor over the shipped knowledge, built once per test module (the index takes seconds)."""
from __future__ import annotations

import itertools

import pytest

from advisor.core import Advisor
from advisor.reply import Message
from knowledge.cli import load_starter
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
