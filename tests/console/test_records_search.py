"""知识库 search reads the question the way the bot does — typos, synonyms, traditional script —
and possible duplicates are flagged on the list and on the record (issue 16, point 11)."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest

from knowledge.store import Store

MEAL = "nn-sub-meal-operation"  # 南宁 长者饭堂 运营补贴


def rows(html):
    return re.findall(r'<div class="id">([^<]+)</div>', html)


@pytest.mark.parametrize("q", ["长者饭唐补贴", "長者飯堂補貼", "老年食堂补贴"])  # typo, traditional, synonym
def test_the_list_finds_what_the_bot_would(advisor, q):
    found = rows(advisor.get(f"/console/records/?q={q}").get_data(as_text=True))
    assert MEAL in found[:10], found[:10]


def test_plain_words_still_match(advisor):
    assert "dy-association" in rows(advisor.get("/console/records/?q=老年产业协会").get_data(as_text=True))


def test_a_copy_is_flagged_on_the_list_and_both_records(advisor, console_dir):
    store = Store.in_dir(console_dir)
    try:
        original = store.get(MEAL).record
        store.put(replace(original, id="nn-meal-copy", text=original.text + "。"), actor="test")
    finally:
        store.close()
    listing = advisor.get(f"/console/records/?q={original.title[:6]}").get_data(as_text=True)
    assert listing.count('data-testid="duplicate"') >= 2
    for record_id, other in ((MEAL, "nn-meal-copy"), ("nn-meal-copy", MEAL)):
        page = advisor.get(f"/console/records/{record_id}").get_data(as_text=True)
        assert 'data-testid="duplicates"' in page and f'href="/console/records/{other}"' in page
    assert 'data-testid="duplicates"' not in advisor.get("/console/records/dy-association").get_data(as_text=True)
