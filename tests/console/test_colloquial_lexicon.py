"""口语说法 → 书面写法 on the 词典 page: the colloquial lexicon listed, searched and paged; one
pair added, changed or deleted by an admin, refused with a Chinese message when it is wrong,
audited, and used by the bot — in another worker too."""
from __future__ import annotations

import multiprocessing
import re
from pathlib import Path

import pytest

from index import analysis
from index.lexicon import Lexicon
from tests.console.conftest import app_config, audits, post

PAGE = "/console/lexicon/"
ADD, EDIT, DELETE = "/console/lexicon/colloquial", "/console/lexicon/colloquial/edit", "/console/lexicon/colloquial/delete"
QUESTION = "南宁哪里能搓澡"  # 搓澡 is in no record, no synonym group and no colloquial pair
_FLASH = re.compile(r'class="flash (?:success|warning)"[^>]*>([^<]+)')
_ALERT = re.compile(r'role="alert">([^<]+)')


@pytest.fixture(autouse=True)
def shipped_dictionary_afterwards():
    """jieba is one per process: put the shipped words back for the tests that follow."""
    yield
    analysis.use_dictionary(analysis.shipped_dictionary())


def html(response) -> str:
    return response.get_data(as_text=True)


def table(console_dir: Path) -> dict[str, tuple[str, ...]]:
    return Lexicon(console_dir).colloquial_table()


def flashes(client) -> list[str]:
    return _FLASH.findall(html(client.get(PAGE)))


def sources(client, user: str) -> list[str]:
    answer = client.post("/api/v1/ask", json={"user_id": user, "text": QUESTION}).get_json()
    return [source["id"] for source in answer["sources"]]


# -- the list ----------------------------------------------------------------------------------
def test_the_page_lists_the_pairs_fifty_at_a_time(admin, console_dir):
    pairs = list(table(console_dir).items())
    first = html(admin.get(PAGE))
    assert f"口语说法 → 书面写法（{len(pairs)} 条）" in first and f"第 1 / {-(-len(pairs) // 50)} 页" in first
    assert '<td class="spoken">交钱</td><td>缴费　收费　缴纳</td>' in first
    assert f'<td class="spoken">{pairs[50][0]}</td>' not in first and 'name="spoken"' in first
    second = html(admin.get(PAGE + "?page=2"))
    assert f'<td class="spoken">{pairs[50][0]}</td>' in second and "上一页" in second


def test_the_search_looks_at_both_sides(admin):
    found = html(admin.get(PAGE, query_string={"q": "优待证"}))
    assert '<td class="spoken">老年卡</td>' in found and "交钱" not in found.split("<table")[-1]
    assert "“优待证”：找到" in found and "显示全部" in found
    traditional = html(admin.get(PAGE, query_string={"q": "交錢"}))
    assert '<td class="spoken">交钱</td>' in traditional
    assert "没有含“不会有这个词”的说法" in html(admin.get(PAGE, query_string={"q": "不会有这个词"}))


def test_a_bad_page_number_is_a_400_in_chinese(admin):
    response = admin.get(PAGE + "?page=abc")
    assert response.status_code == 400 and "页码" in html(response)


# -- add, change, delete -------------------------------------------------------------------------
def test_an_admin_adds_a_pair_saved_in_the_data_dir_and_audited(admin, console_dir):
    response = post(admin, ADD, {"spoken": "搓澡", "written": "助浴、洗浴"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#colloquial")
    assert table(console_dir)["搓澡"] == ("助浴", "洗浴")
    assert "搓澡 → 助浴 洗浴" in (console_dir / "lexicon" / "colloquial.txt").read_text(encoding="utf-8")
    shown = html(admin.get(response.headers["Location"]))
    assert '<td class="spoken">搓澡</td>' in shown and "已添加：问“搓澡”时也找“助浴、洗浴”。机器人已经用上新的词。" in shown
    entry = audits(console_dir, "lexicon_colloquial_add")[0]
    assert (entry.actor, entry.target, entry.detail) == ("管理员", "搓澡", {"written": ["助浴", "洗浴"]})
    assert "添加口语说法" in html(admin.get("/console/users/audit"))


def test_an_admin_changes_a_pair_from_its_row(admin, console_dir):
    row = html(admin.get(PAGE, query_string={"q": "交钱", "edit": "交钱"}))
    assert 'name="was" value="交钱"' in row and 'name="written" value="缴费 收费 缴纳"' in row
    response = post(admin, EDIT, {"was": "交钱", "spoken": "交钱", "written": "缴费 收费", "q": "交钱"})
    assert response.status_code == 302 and "q=%E4%BA%A4%E9%92%B1" in response.headers["Location"]
    assert table(console_dir)["交钱"] == ("缴费", "收费")
    assert post(admin, EDIT, {"was": "交钱", "spoken": "掏钱交", "written": "缴费"}).status_code == 302
    assert "交钱" not in table(console_dir) and table(console_dir)["掏钱交"] == ("缴费",)
    renamed, changed = audits(console_dir, "lexicon_colloquial_edit")
    assert changed.target == "交钱" and changed.detail == {"before": ["缴费", "收费", "缴纳"], "written": ["缴费", "收费"]}
    assert renamed.target == "掏钱交" and renamed.detail == {"was": "交钱", "before": ["缴费", "收费"], "written": ["缴费"]}
    assert "已修改：“交钱 → 缴费 收费”改为“掏钱交 → 缴费”。机器人已经用上新的词。" in flashes(admin)


def test_an_admin_deletes_a_pair_and_stays_on_the_same_page(admin, console_dir):
    before = table(console_dir)
    response = post(admin, DELETE, {"spoken": "交钱", "q": "钱", "page": "1"})
    assert response.status_code == 302 and "q=%E9%92%B1" in response.headers["Location"]
    assert "交钱" not in table(console_dir) and len(table(console_dir)) == len(before) - 1
    entry = audits(console_dir, "lexicon_colloquial_delete")[0]
    assert entry.target == "交钱" and entry.detail == {"written": ["缴费", "收费", "缴纳"]}
    page = html(admin.get(PAGE))
    assert "已删除：“交钱 → 缴费 收费 缴纳”。" in page and 'data-confirm="删除“交费 → 缴费 缴纳”吗？"' in page


def test_a_written_form_the_dictionary_cuts_apart_is_pointed_out(admin):
    # 搓背 is cut into 搓 + 背: no index term, too short to be looked for word for word (老年人优待证 is)
    assert post(admin, ADD, {"spoken": "搓澡", "written": "助浴 搓背 老年人优待证"}).status_code == 302
    messages = flashes(admin)
    assert any("“搓背”在检索时会被拆成几个词" in text and "领域词典" in text for text in messages)
    assert not any("“老年人优待证”在检索时会被拆成几个词" in text for text in messages)


# -- validation --------------------------------------------------------------------------------
@pytest.mark.parametrize("spoken, written, message", [
    ("", "助浴", "口语说法不能为空"),
    ("搓澡", "  ", "书面写法不能为空"),
    ("搓澡", "搓澡", "口语说法和书面写法一样"),
    ("交钱", "缴费", "“交钱”已经在口语词表里了（→ 缴费 收费 缴纳）"),
    ("搓 澡", "助浴", "词里不能有空格"),
    ("搓澡!", "助浴", "只能含汉字、字母和数字"),
])
def test_a_bad_pair_is_shown_on_the_form_as_typed_and_not_saved(admin, console_dir, spoken, written, message):
    before = table(console_dir)
    response = post(admin, ADD, {"spoken": spoken, "written": written})
    page = html(response)
    assert response.status_code == 400 and message in _ALERT.findall(page)[0]
    assert f'name="spoken" value="{spoken.strip()}"' in page and f'name="written" value="{written.strip()}"' in page
    assert table(console_dir) == before and not audits(console_dir, "lexicon_colloquial_add")


def test_a_bad_change_stays_in_its_row(admin, console_dir):
    response = post(admin, EDIT, {"was": "交钱", "spoken": "交费", "written": "缴费", "q": "交"})
    page = html(response)
    assert response.status_code == 400 and 'id="colloquial-edit"' in page and 'name="spoken" value="交费"' in page
    assert "“交费”已经在口语词表里了" in _ALERT.findall(page)[0]
    assert table(console_dir)["交钱"] == ("缴费", "收费", "缴纳") and not audits(console_dir, "lexicon_colloquial_edit")


def test_a_pair_someone_else_just_deleted_says_so(admin, console_dir):
    Lexicon(console_dir).remove_colloquial("交钱")
    for path, data in ((EDIT, {"was": "交钱", "spoken": "交钱", "written": "缴费"}), (DELETE, {"spoken": "交钱"})):
        response = post(admin, path, data)
        assert response.status_code == 400 and "“交钱”已不在口语词表里" in _ALERT.findall(html(response))[0]
    assert not audits(console_dir, "lexicon_colloquial_edit") and not audits(console_dir, "lexicon_colloquial_delete")


def test_a_forged_form_is_refused(admin, console_dir):
    response = admin.post(ADD, data={"spoken": "搓澡", "written": "助浴", "csrf_token": "forged"})
    assert response.status_code == 400 and "搓澡" not in table(console_dir)


# -- roles ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("path, data", [
    (ADD, {"spoken": "搓澡", "written": "助浴"}),
    (EDIT, {"was": "交钱", "spoken": "交钱", "written": "缴费"}),
    (DELETE, {"spoken": "交钱"}),
])
def test_an_advisor_cannot_change_the_lexicon(advisor, console_dir, path, data):
    before = table(console_dir)
    assert post(advisor, path, data).status_code == 403
    assert table(console_dir) == before


def test_an_advisor_reads_the_list_without_forms(advisor):
    page = html(advisor.get(PAGE, query_string={"edit": "交钱"}))
    assert '<td class="spoken">交钱</td>' in page and "修改口语词表需要管理员" in page
    assert "/console/lexicon/colloquial" not in page and 'name="was"' not in page


# -- the bot, in every worker ----------------------------------------------------------------------
@pytest.mark.slow
def test_a_pair_added_in_the_console_reaches_a_worker_in_another_process(admin, console_dir):
    """The other process stands for a second gunicorn worker: its bot has answered (searcher
    open, answer cached) before the save, and the lexicon stamp tells it at its next question."""
    context = multiprocessing.get_context("spawn")
    answered, go, results = context.Event(), context.Event(), context.Queue()
    worker = context.Process(target=_worker, args=(str(console_dir), answered, go, results))
    worker.start()
    try:
        assert answered.wait(120)
        assert post(admin, ADD, {"spoken": "搓澡", "written": "助浴"}).status_code == 302
        assert "nn-svc-bathing" in sources(admin, "here-after")  # this worker, refreshed before the page said so
        go.set()
        before, after = results.get(timeout=120), results.get(timeout=120)
    finally:
        worker.join(60)
    assert before == [] and "nn-svc-bathing" in after


def _worker(data_dir: str, answered, go, results) -> None:
    from webhook.app import create_app

    app = create_app(app_config(Path(data_dir)))
    try:
        client = app.test_client()
        results.put(sources(client, "worker-before"))
        answered.set()
        go.wait(120)
        results.put(sources(client, "worker-after"))
    finally:
        app.extensions["runtime"].close()
