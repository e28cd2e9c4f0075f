"""Directory files (.csv, .json): headers, encodings, bad rows, idempotence, history."""
import json

import pytest

from knowledge.importing import import_paths

CSV = (
    "名称,city,区,地址,电话,床位,类型,特色\n"
    "天河长者饭堂,广州,天河,天河路1号,020-12345678,,助餐点,每天两餐\n"
    ",广州,越秀,无名路,020-1,,助餐点,\n"  # line 3: no name
    "南宁第一养老院,南宁,,民族大道9号,0771-5550000,三百,养老机构,\n"  # line 4: beds not a number
    "多余的格子,南宁,,x,0771-1,10,养老机构,,多,出\n"  # line 5: more cells than header
    "月亮养老院,月球,,x,,,养老机构,\n"  # line 6: unknown region
    "泾源县老年养护院,,泾源县,,,382,养老机构,\n"
)


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_mixed_headers_bad_rows_reported_with_line(fresh_store, tmp_path):
    report = import_paths(fresh_store, [write(tmp_path / "机构.csv", CSV)])
    reasons = {str(p).split(": ", 1)[0]: str(p) for p in report.skipped}
    assert set(reasons) == {"机构.csv:3", "机构.csv:4", "机构.csv:5", "机构.csv:6"}
    assert "no name" in reasons["机构.csv:3"] and "beds" in reasons["机构.csv:4"]
    assert "more cell" in reasons["机构.csv:5"] and "region" in reasons["机构.csv:6"]
    stored = {s.record.title: s.record for s in fresh_store.list()}
    assert set(stored) == {"天河长者饭堂", "泾源县老年养护院"}
    canteen = stored["天河长者饭堂"]
    assert canteen.region.name == "广东省广州市天河区" and canteen.kind == "service"
    assert canteen.attrs["phone"] == "020-12345678" and canteen.attrs["特色"] == "每天两餐"  # unknown column kept
    assert "天河路1号" in canteen.text and "020-12345678" in canteen.text
    assert stored["泾源县老年养护院"].attrs["beds"] == 382
    assert stored["泾源县老年养护院"].region.code == "640424"


@pytest.mark.parametrize("encoding, newline", [("utf-8-sig", "\n"), ("gb18030", "\r\n"), ("gbk", "\n"), ("utf-8", "\r\n")])
def test_encodings_and_line_ends(fresh_store, tmp_path, encoding, newline):
    text = "名称,市,电话\n南宁长者饭堂,南宁,０７７１－１２３４５\n".replace("\n", newline)
    report = import_paths(fresh_store, [write(tmp_path / "a.csv", text, encoding)])
    assert not report.skipped
    record = fresh_store.list()[0].record
    assert record.title == "南宁长者饭堂" and record.attrs["phone"] == "0771-12345"  # full-width digits and hyphen normalised


def test_a_cell_saying_it_has_no_value_is_empty_not_a_bad_row(fresh_store, tmp_path):
    text = "名称,城市,床位,电话,地址\n北湖颐养院,南宁,未知,—,北湖路1号\n南湖颐养院,南宁,不详,暂无,南湖路2号\n"
    report = import_paths(fresh_store, [write(tmp_path / "机构.csv", text)])
    assert not report.skipped
    homes = {s.record.title: s.record for s in fresh_store.list()}
    assert set(homes) == {"北湖颐养院", "南湖颐养院"}
    assert all("beds" not in home.attrs and "phone" not in home.attrs for home in homes.values())
    assert "未知" not in homes["北湖颐养院"].text and "北湖路1号" in homes["北湖颐养院"].text


def test_kind_and_region_options(fresh_store, tmp_path):
    path = write(tmp_path / "bases.csv", "name,district,address\n康养基地,青秀区,青秀山路\n")
    import_paths(fresh_store, [path], kind="base", region="南宁")
    record = fresh_store.list()[0].record
    assert record.kind == "base" and record.region.name == "广西壮族自治区南宁市青秀区"


def test_reimport_unchanged_changes_nothing(fresh_store, tmp_path):
    path = write(tmp_path / "机构.csv", CSV)
    import_paths(fresh_store, [path])
    seq = fresh_store.last_seq()
    report = import_paths(fresh_store, [path])
    assert report.changes["unchanged"] == 2 and report.changes["inserted"] == report.changes["updated"] == 0
    assert fresh_store.last_seq() == seq


def test_revised_file_updates_in_place_and_keeps_history(fresh_store, tmp_path):
    path = write(tmp_path / "机构.csv", CSV)
    import_paths(fresh_store, [path])
    revised = CSV.replace("020-12345678", "020-87654321").replace("泾源县老年养护院,,泾源县,,,382,养老机构,\n", "")
    report = import_paths(fresh_store, [write(path, revised)])
    assert report.changes["updated"] == 1 and report.changes["retired"] == 1
    canteen = next(s for s in fresh_store.list() if s.record.title == "天河长者饭堂")
    history = fresh_store.history(canteen.record.id)
    assert [v.action for v in history] == ["insert", "update"]
    assert history[0].data["attrs"]["phone"] == "020-12345678"
    assert [s.record.title for s in fresh_store.list(status="retired")] == ["泾源县老年养护院"]


def test_json_rows_and_records(fresh_store, tmp_path):
    rows = [{"名称": "东营老年大学", "市": "东营", "电话": "0546-1"}, {"name": ""}]
    path = write(tmp_path / "rows.json", json.dumps(rows, ensure_ascii=False, indent=1))
    report = import_paths(fresh_store, [path])
    assert [s.record.title for s in fresh_store.list()] == ["东营老年大学"]
    assert len(report.skipped) == 1 and "item 2" in str(report.skipped[0])


def test_broken_json_names_the_line(fresh_store, tmp_path):
    path = write(tmp_path / "bad.json", '[\n {"id": "a",\n  "title": }\n]')
    report = import_paths(fresh_store, [path])
    assert [str(p) for p in report.skipped] == ["bad.json:3: invalid JSON: Expecting value"]


def test_unreadable_file_is_skipped_and_the_rest_imported(fresh_store, tmp_path):
    good = write(tmp_path / "good.csv", "名称,市\n南宁助浴点,南宁\n")
    binary = tmp_path / "bad.csv"
    binary.write_bytes(b"\x00\x01\x02garbage")
    undecodable = tmp_path / "mixed.txt"
    undecodable.write_bytes("第一行\n第二行\n".encode() + b"\xff\xfe\xfa\xfb\n")
    report = import_paths(fresh_store, [binary, undecodable, good])
    assert [s.record.title for s in fresh_store.list()] == ["南宁助浴点"]
    reasons = [str(p) for p in report.skipped]
    assert reasons[0].startswith("bad.csv:1: binary data")
    assert reasons[1].startswith("mixed.txt:3: neither UTF-8 nor GB18030")


def test_unsupported_and_oversized_files(fresh_store, tmp_path):
    odd = write(tmp_path / "a.xls", "x")
    big = write(tmp_path / "big.csv", "名称\n" + "x\n" * 100)
    report = import_paths(fresh_store, [odd, big], max_bytes=50)
    assert "unsupported" in str(report.skipped[0]) and "larger than 50" in str(report.skipped[1])
