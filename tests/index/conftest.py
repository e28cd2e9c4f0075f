import pytest

from index.search import Searcher
from knowledge.cli import load_starter
from knowledge.store import Store


@pytest.fixture(scope="module")
def starter_dir(tmp_path_factory):
    """A data dir with the shipped knowledge and its index, shared by a module's read-only tests."""
    path = tmp_path_factory.mktemp("starter")
    store = Store.in_dir(path)
    load_starter(store)
    store.close()
    return path


@pytest.fixture(scope="module")
def searcher(starter_dir):
    return Searcher(Store.in_dir(starter_dir), starter_dir)


@pytest.fixture
def fresh_searcher(tmp_path):
    """A searcher of its own over the starter knowledge, for tests that change records."""
    store = Store.in_dir(tmp_path)
    load_starter(store)
    return Searcher(store, tmp_path)
