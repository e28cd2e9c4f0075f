"""The knowledge commands as an operator uses them: init, import, records, export."""
import json

from click.testing import CliRunner

from webhook.cli import main


def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def test_init_loads_starter_knowledge_idempotently(data_dir):
    first = run("init")
    assert first.exit_code == 0, first.output
    count = len(json.loads(run("records", "list", "--json").stdout))
    assert count > 100
    again = run("init")
    assert "新增 0，更新 0" in again.output
    assert len(json.loads(run("records", "list", "--json").stdout)) == count


def test_records_list_json_fields_and_filters(data_dir):
    run("init")
    records = json.loads(run("records", "list", "--json", "--region", "南宁").stdout)
    assert records and all(r["region"].startswith("广西壮族自治区南宁市") for r in records)
    for field in ("id", "kind", "title", "region", "doc_no", "date", "text"):
        assert all(field in record for record in records), field
    assert {r["doc_no"] for r in records} == {"南民发〔2024〕14号"} and {r["date"] for r in records} == {"2024-12-26"}
    subsidies = json.loads(run("records", "list", "--json", "--kind", "subsidy").stdout)
    assert subsidies and {r["kind"] for r in subsidies} == {"subsidy"}


def test_records_show_with_history(data_dir, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("名称,市,电话\n南宁助浴点,南宁,0771-1\n", encoding="utf-8")
    run("import", str(path))
    path.write_text("名称,市,电话\n南宁助浴点,南宁,0771-2\n", encoding="utf-8")
    run("import", str(path))
    record_id = json.loads(run("records", "list", "--json").stdout)[0]["id"]
    shown = run("records", "show", record_id)
    assert "0771-2" in shown.output and "v1 insert by cli" in shown.output and "v2 update by cli" in shown.output
    assert run("records", "show", "no-such-id").exit_code != 0


def test_export_round_trips_through_import(data_dir, tmp_path, monkeypatch):
    run("init")
    exported = run("export").stdout
    path = tmp_path / "export.json"
    path.write_text(exported, encoding="utf-8")
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "other"))
    result = run("import", str(path))
    assert result.exit_code == 0 and "跳过 0 处" in result.output
    again = json.loads(run("export").stdout)
    strip = lambda rs: sorted(({k: v for k, v in r.items() if k not in ("created_at", "updated_at")} for r in rs),
                              key=lambda r: r["id"])
    assert strip(again) == strip(json.loads(exported))


def test_import_reports_skips_and_exits_nonzero_when_nothing_imported(data_dir, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(bad)])
    assert result.exit_code == 1 and "bad.json:1: invalid JSON" in result.output


def test_unknown_region_option_is_refused(data_dir, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("名称\nx\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(path), "--region", "火星"])
    assert result.exit_code == 2 and "火星" in result.output
