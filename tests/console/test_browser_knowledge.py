"""In a real browser: edit a record and see the bot's answer change in the hit test; import a
CSV through the upload form and watch the progress bar reach the summary; the lexicon editor.
Screenshots of each knowledge page are saved as test artefacts."""
from __future__ import annotations

import re
from pathlib import Path

from tests.console.conftest import ADMIN, ADVISOR, browser_login, screenshot

QUESTION = "东营老年产业协会什么时候成立的"
NEW_FACT = "会址在东营区府前大街88号"


def hit_test_reply(page) -> str:
    page.goto(f"/console/hittest/?q={QUESTION}")
    return page.locator("[data-testid=reply]").inner_text()


def test_edit_a_record_and_see_the_answer_change_in_the_hit_test(page):
    browser_login(page, ADVISOR)
    page.goto("/console/records/")
    page.fill("input[name=region]", "东营")
    page.click("button:has-text('筛选')")
    page.wait_for_url("**/console/records/?*region=*")
    screenshot(page, "records_list")
    page.click("a:has-text('东营市老年产业协会：2020年1月16日成立')")
    page.wait_for_url("**/console/records/dy-association")
    assert "东老产协【2021】1号" in page.inner_text("main")

    assert NEW_FACT not in hit_test_reply(page)

    page.goto("/console/records/dy-association/edit")
    text = page.input_value("textarea[name=text]")
    page.fill("textarea[name=text]", text.replace("正式成立", f"正式成立，{NEW_FACT}"))
    page.fill("input[name=valid_to]", "2030-12-31")
    screenshot(page, "record_edit")
    page.click("button:has-text('保存')")
    page.wait_for_url("**/console/records/dy-association")
    assert "已保存第 2 版" in page.inner_text("main")
    assert page.locator("table.history ins", has_text=NEW_FACT).count() == 1
    screenshot(page, "record_view")

    assert NEW_FACT in hit_test_reply(page)


def test_validation_errors_stay_on_the_form(page):
    browser_login(page, ADVISOR)
    page.goto("/console/records/new")
    page.fill("input[name=title]", "白云区助浴点")
    page.fill("textarea[name=text]", "白云区助浴点为行动不便的老人提供上门助浴。")
    page.fill("input[name=region]", "火星")
    page.fill("input[name=amount_yuan]", "三十元")
    page.click("button:has-text('保存')")
    assert "不认识的地区「火星」" in page.inner_text("main")
    assert "金额（元）只能填数字" in page.inner_text("main")
    assert page.input_value("input[name=title]") == "白云区助浴点"
    page.fill("input[name=region]", "白云区")
    page.fill("input[name=amount_yuan]", "30")
    page.fill("input[name=source_title]", "白云区助浴服务目录")
    page.click("button:has-text('保存')")
    page.wait_for_url(re.compile(r"/console/records/service-\d{8}-\d+$"))
    assert "广东省广州市白云区" in page.inner_text("main")


def test_import_a_csv_and_watch_the_progress_bar_reach_the_summary(page, tmp_path):
    rows = "".join(f"青秀区长者饭堂{i}号点,南宁,青秀区,民族大道{i}号,0771-55{i:05d},\n" for i in range(300))
    csv = "名称,市,区,地址,电话,床位\n" + rows + ",南宁,,没有名称,,\n江南区颐养院,南宁,江南区,星光大道2号,0771-6666666,一百\n"
    path = Path(tmp_path) / "南宁助餐点.csv"
    path.write_text(csv, encoding="utf-8")
    browser_login(page, ADMIN)  # bulk import is an admin action
    page.goto("/console/import/")
    page.set_input_files("input[type=file]", str(path))
    page.click("button:has-text('开始导入')")
    page.wait_for_url(re.compile(r"/console/import/[0-9a-f]{16}$"))
    assert page.locator("progress").count() == 1
    page.wait_for_selector("#import-summary", timeout=30_000)
    bar = page.locator("progress")
    assert bar.get_attribute("value") == bar.get_attribute("max")
    summary = page.inner_text("#import-summary")
    assert "跳过的内容（2 处）" in summary and "没有名称" in summary and "床位「一百」不是整数" in summary
    assert re.search(r"新增\s*300", summary)
    screenshot(page, "import")
    page.goto("/console/import/")
    assert "南宁助餐点.csv" in page.inner_text("table.imports")


def test_an_oversize_file_is_refused_before_upload(page, tmp_path, app):
    app.config["ADVISOR_IMPORT_MAX_BYTES"] = 1000
    path = Path(tmp_path) / "大文件.csv"
    path.write_text("名称\n" + "养老院\n" * 500, encoding="utf-8")
    browser_login(page, ADMIN)
    page.goto("/console/import/")
    page.set_input_files("input[type=file]", str(path))
    assert "文件太大" in page.inner_text("#too-big")


def test_lexicon_add_a_synonym(page):
    browser_login(page, ADVISOR)
    page.goto("/console/lexicon/")
    assert "长者饭堂 老年食堂 助餐点" in page.input_value("textarea[name=synonyms]")
    page.fill("input[name=word]", "搓澡")
    page.fill("input[name=to_word]", "助浴")
    page.click("#add-synonym button:has-text('添加')")
    page.wait_for_selector(".flash.success")
    assert "已添加同义词" in page.inner_text(".flash.success")
    assert "搓澡" in page.input_value("textarea[name=synonyms]")
    screenshot(page, "lexicon")
