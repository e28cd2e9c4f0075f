"""What each role may do (issue 16, point 13; the README's console section says why): advisors
write and correct single records and add single synonyms — every change versioned, audited and
restorable; the changes that reach every answer at once — the whole dictionary or synonym list,
bulk import, a document's metadata across its records, retiring and restoring records — are an
admin's."""
from __future__ import annotations

import io

import pytest

from tests.console.conftest import ADMIN, login, post

ADMIN_ACTIONS = [
    ("/console/lexicon/dictionary", {"dictionary": "长者饭堂\n"}),
    ("/console/lexicon/synonyms", {"synonyms": "长者饭堂 老年食堂\n"}),
    ("/console/records/dy-association/retire", {}),
    ("/console/records/dy-association/restore", {}),
]


@pytest.mark.parametrize("path, data", ADMIN_ACTIONS)
def test_advisors_cannot_make_the_wide_changes(advisor, path, data):
    assert post(advisor, path, data).status_code == 403


def test_advisors_cannot_bulk_import(advisor):
    data = {"file": (io.BytesIO("名称,市\n青秀区长者饭堂,南宁\n".encode()), "名录.csv")}
    assert post(advisor, "/console/import/", data, content_type="multipart/form-data").status_code == 403


def test_the_pages_say_what_needs_an_admin(advisor):
    lexicon = advisor.get("/console/lexicon/").get_data(as_text=True)
    assert "修改词典需要管理员" in lexicon and "保存词典" not in lexicon and "添加" in lexicon
    assert 'name="dictionary" spellcheck="false" readonly' in lexicon
    imports = advisor.get("/console/import/").get_data(as_text=True)
    assert "批量导入需要管理员" in imports and 'type="file"' not in imports
    record = advisor.get("/console/records/dy-association").get_data(as_text=True)
    assert "编辑" in record and "/retire" not in record


def test_what_advisors_may_do(advisor):
    assert post(advisor, "/console/lexicon/synonym", {"word": "搓澡", "to_word": "助浴"}).status_code == 302
    assert advisor.get("/console/records/new").status_code == 200


def test_admins_may(app, client):
    admin = login(client, ADMIN)
    assert post(admin, "/console/records/dy-association/retire").status_code == 302
    assert "/restore" in admin.get("/console/records/dy-association").get_data(as_text=True)
    assert "保存词典" in admin.get("/console/lexicon/").get_data(as_text=True)
    assert 'type="file"' in admin.get("/console/import/").get_data(as_text=True)
