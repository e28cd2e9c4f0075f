"""词典与同义词: edit the dictionary and the synonyms from the console, see errors on the form,
every save audited with counts, and the bot using the change at once."""
from __future__ import annotations

import pytest

from index import analysis, search
from index.lexicon import Lexicon
from tests.console.conftest import audits, post


@pytest.fixture(autouse=True)
def shipped_dictionary_afterwards():
    """jieba is one per process: put the shipped words back for the tests that follow."""
    yield
    analysis.use_dictionary(analysis.shipped_dictionary())


def ask(client, text, user):
    return client.post("/api/v1/ask", json={"user_id": user, "text": text}).get_json()


def synonyms_text(console_dir) -> str:
    return "\n".join(" ".join(group) for group in Lexicon(console_dir).synonym_groups())


def test_page_shows_the_dictionary_and_the_synonyms(advisor):
    html = advisor.get("/console/lexicon/").get_data(as_text=True)
    assert "适老化改造" in html and "长者饭堂 老年食堂 助餐点" in html
    assert 'name="dictionary"' in html and 'name="synonyms"' in html and 'name="to_word"' in html


def test_adding_one_synonym_reaches_the_bot_and_is_audited(advisor, console_dir):
    question = "南宁哪里能搓澡"
    assert not ask(advisor, question, "lexicon-1")["sources"]
    response = post(advisor, "/console/lexicon/synonym", {"word": "搓澡", "to_word": "助浴"})
    assert response.status_code == 302
    assert "已添加同义词" in advisor.get("/console/lexicon/").get_data(as_text=True)
    assert any({"搓澡", "助浴"} <= set(group) for group in Lexicon(console_dir).synonym_groups())
    assert ask(advisor, question, "lexicon-2")["sources"]
    entry = audits(console_dir, "lexicon_synonym_add")[0]
    assert entry.target == "搓澡" and entry.detail == {"to_word": "助浴"}


def test_saving_the_synonym_groups_audits_counts_not_lists(admin, console_dir):
    text = synonyms_text(console_dir) + "\n托老所 日间照料 日托"
    assert post(admin, "/console/lexicon/synonyms", {"synonyms": text}).status_code == 302
    assert ["托老所", "日间照料", "日托"] in Lexicon(console_dir).synonym_groups()
    entry = audits(console_dir, "lexicon_synonyms")[0]
    assert entry.detail["added"] == 1 and entry.detail["removed"] == 0 and "托老所" not in str(entry.detail)


@pytest.mark.parametrize("line, message", [
    ("长者饭堂", "至少要两个不同的词"),
    ("助浴 长者饭堂", "同时在"),
    ("养老 a,b", "只能含汉字、字母和数字"),
])
def test_bad_synonym_groups_are_shown_on_the_form_and_not_saved(admin, console_dir, line, message):
    before = synonyms_text(console_dir)
    response = post(admin, "/console/lexicon/synonyms", {"synonyms": before + "\n" + line})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and line in html
    assert synonyms_text(console_dir) == before and not audits(console_dir, "lexicon_synonyms")


def test_a_bad_synonym_pair_is_shown_on_the_form(advisor):
    response = post(advisor, "/console/lexicon/synonym", {"word": "助浴", "to_word": "助浴"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "是同一个词" in html and 'value="助浴"' in html


def test_a_dictionary_word_is_saved_audited_and_cuts_questions_at_once(admin, console_dir, app):
    words = Lexicon(console_dir).dictionary()
    text = "\n".join([*words, "长寿食堂"])
    response = post(admin, "/console/lexicon/dictionary", {"dictionary": text})
    assert response.status_code == 302
    assert "长寿食堂" in Lexicon(console_dir).dictionary()
    entry = audits(console_dir, "lexicon_dictionary")[0]
    assert entry.detail == {"added": 1, "removed": 0, "words": len(set(words)) + 1}
    runtime = app.extensions["runtime"]
    searcher_words = runtime.submit(lambda: [w for w, _ in runtime._advisor().searcher.dictionary]).result()
    assert "长寿食堂" in searcher_words  # the bot's searcher switched before the page said "saved"


def test_a_large_knowledge_base_says_the_index_is_rebuilt_in_the_background(admin, console_dir, app, monkeypatch):
    monkeypatch.setattr(search, "BACKGROUND_FROM", 0)  # whatever the fixture's store holds
    assert admin.post("/api/v1/ask", json={"user_id": "elder", "text": "长者饭堂在哪"}).status_code == 200  # a serving bot
    text = "\n".join([*Lexicon(console_dir).dictionary(), "长寿食堂"])
    html = post(admin, "/console/lexicon/dictionary", {"dictionary": text}, follow_redirects=True).get_data(as_text=True)
    assert "索引正在后台按新词典重建" in html and "机器人已经用上新的词" not in html
    runtime = app.extensions["runtime"]
    builder = runtime.submit(lambda: runtime._advisor().searcher._builder[0]).result()
    builder.join(120)
    assert builder.exitcode == 0
    searcher_words = runtime.submit(lambda: (runtime._advisor().searcher.refresh(),
                                             [w for w, _ in runtime._advisor().searcher.dictionary])[1]).result()
    assert "长寿食堂" in searcher_words


def test_a_bad_dictionary_entry_keeps_the_typed_text(admin, console_dir):
    before = Lexicon(console_dir).dictionary()
    text = "\n".join([*before, "两个 词 在一行 里"])
    response = post(admin, "/console/lexicon/dictionary", {"dictionary": text})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "词里不能有空格" in html and "两个 词 在一行 里" in html
    assert Lexicon(console_dir).dictionary() == before and not audits(console_dir, "lexicon_dictionary")
