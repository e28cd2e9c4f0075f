"""Two console nodes on one PostgreSQL database (ADVISOR_DATABASE_URL), each with its own data
dir: a console login made on node A is valid on node B, a takeover made on A silences the bot
on B, what B answered (its transcript, the 转人工 case it opened) is read on A's console, and a
knowledge edit saved on A is what B answers from once B's index has caught up, and a colloquial
pair saved in A's 词典 page is what B's bot searches with — what a load balancer spreading
elders' and advisors' requests over several nodes relies on."""
from __future__ import annotations

import shutil
import time

import pytest

from tests.console.conftest import ADMIN, ADVISOR, app_config, login, open_store, post
from tests.console.test_conversations import ask, new_user, transcript_path
from tests.console.test_records import QUESTION, RECORD, form_of
from webhook.app import create_app

COOKIE = "advisor_console"


@pytest.fixture
def console_backend() -> str:
    return "postgresql"


@pytest.fixture
def node_b(console_template, tmp_path, database_url):
    path = tmp_path / "node-b"
    shutil.copytree(console_template, path, symlinks=True)
    app = create_app(app_config(path, ADVISOR_DATABASE_URL=database_url))
    yield app
    app.extensions["runtime"].close()


def _on(app, cookie_from):
    """A client of `app` carrying the console cookie another node's client was given."""
    client = app.test_client()
    client.set_cookie(COOKIE, cookie_from.get_cookie(COOKIE).value)
    return client


def test_a_login_on_one_node_is_valid_on_the_other(app, node_b):
    on_a = login(app.test_client(), ADVISOR)
    on_b = _on(node_b, on_a)
    assert on_b.get("/console/").status_code == 200
    on_a.post("/console/logout", data={"csrf_token": _csrf(on_a)})
    assert on_b.get("/console/").status_code == 302  # logged out everywhere


def test_a_takeover_on_one_node_silences_the_bot_on_the_other(app, node_b):
    """The person first reached node A; A's advisor takes the conversation over."""
    on_a = login(app.test_client(), ADVISOR)
    user = new_user()
    assert ask(app.test_client(), user, "南宁的长者饭堂在哪")["sources"]
    assert post(on_a, transcript_path(user) + "/takeover").status_code == 302
    assert ask(node_b.test_client(), user, "南宁的长者饭堂在哪")["intent"] == "waiting"
    post(on_a, transcript_path(user) + "/resume")
    assert ask(node_b.test_client(), user, "南宁的长者饭堂在哪")["sources"]


def test_what_one_node_answered_is_read_on_the_other_nodes_console(app, node_b):
    on_a = login(app.test_client(), ADVISOR)
    user = new_user()
    assert ask(node_b.test_client(), user, "南宁的长者饭堂在哪")["sources"]
    number = ask(node_b.test_client(), user, "转人工")["reply"].split("编号 ")[1][:16]
    listed = on_a.get("/console/conversations/").get_data(as_text=True)
    assert number.startswith("RG-") and number in listed
    assert "南宁的长者饭堂在哪" in on_a.get(transcript_path(user)).get_data(as_text=True)
    assert number in on_a.get("/console/cases/").get_data(as_text=True)
    following = f"{number[:-4]}{int(number[-4:]) + 1:04d}"  # the day's numbers are one sequence
    assert ask(app.test_client(), new_user(), "转人工")["reply"].split("编号 ")[1][:16] == following


def test_a_knowledge_edit_on_one_node_is_answered_on_the_other(app, node_b):
    on_a = login(app.test_client(), ADVISOR)
    assert RECORD in [s["id"] for s in ask(node_b.test_client(), new_user(), QUESTION)["sources"]]
    fields = form_of(RECORD, on_a)
    fields["text"] = fields["text"].replace("正式成立", "正式成立，会址在东营区府前大街88号")
    assert post(on_a, f"/console/records/{RECORD}/edit", fields).status_code == 302
    deadline = time.monotonic() + 10  # node B catches up from the shared change log at its next question
    while "府前大街88号" not in ask(node_b.test_client(), new_user(), QUESTION)["reply"]:
        assert time.monotonic() < deadline, "node B still answers from the old version"
        time.sleep(0.2)
    assert "府前大街88号" in on_a.get(f"/console/records/{RECORD}").get_data(as_text=True)
    on_b = _on(node_b, on_a)
    assert "府前大街88号" in on_b.get(f"/console/records/{RECORD}").get_data(as_text=True)


def test_a_colloquial_pair_saved_on_one_node_is_used_on_the_other(app, node_b, console_dir):
    question = "南宁哪里能搓澡"  # 搓澡 is in no record, no synonym group and no colloquial pair
    assert not ask(node_b.test_client(), new_user(), question)["sources"]
    on_a = login(app.test_client(), ADMIN)
    assert post(on_a, "/console/lexicon/colloquial", {"spoken": "搓澡", "written": "助浴"}).status_code == 302
    deadline = time.monotonic() + 10  # node B looks at the shared lexicon at most every second
    while not ask(node_b.test_client(), new_user(), question)["sources"]:
        assert time.monotonic() < deadline, "node B's bot never used node A's colloquial pair"
        time.sleep(0.2)
    listed = _on(node_b, on_a).get("/console/lexicon/", query_string={"q": "搓澡"}).get_data(as_text=True)
    assert '<td class="spoken">搓澡</td>' in listed
    with open_store(console_dir) as store:
        saved = store.shared.connection().execute("SELECT version, saved_by FROM lexicon WHERE name = ?",
                                                  ["colloquial.txt"]).fetchone()
    assert saved == (1, f"console:{ADMIN[0]}")


def _csrf(client) -> str:
    with client.session_transaction() as session:
        return session["csrf_token"]
