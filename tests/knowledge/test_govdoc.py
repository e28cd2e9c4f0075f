"""The government-document parser on the four real seed documents, then on small made-up
texts for each format variation the seeds show only once (brackets, dates, widths, CRLF)."""
from __future__ import annotations

import dataclasses
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from knowledge.importers.docregion import infer_region
from knowledge.importers.govdoc import clean_lines, parse_document

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
NEWS, SUMMARY, NANNING, JINGYUAN = "000", "001", "002", "003"


def seed_text(prefix: str) -> str:
    found = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not found:
        pytest.skip(f"seed {prefix}_*.txt not found in {SEEDS}; the seeds live in ../shared/seeds beside the repo")
    return found[0].read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def _parsed(prefix: str):
    return parse_document(seed_text(prefix), f"{prefix}.txt")


def seed(prefix: str):
    seed_text(prefix)  # skips when absent, before the cached parse
    return _parsed(prefix)


def numbered(document, section: str, depth: int = 3) -> dict[int, object]:
    """Clauses `depth` levels under `section`, by their own number ('17.推进…' → 17)."""
    found = [c for c in document.clauses if len(c.heading_path) == depth and c.heading_path[0] == section]
    return {int(c.heading_path[-1].split(".")[0]): c for c in found}


def all_strings(value) -> list[str]:
    if dataclasses.is_dataclass(value):
        return all_strings(dataclasses.asdict(value))
    if isinstance(value, dict):
        return all_strings(list(value.keys()) + list(value.values()))
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in all_strings(item)]
    return [value] if isinstance(value, str) else []


def units(responsible=(), lead=(), partners=()):
    return {"responsible": list(responsible), "lead": list(lead), "partners": list(partners)}


# The seeds -------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix, title, issuer, doc_no, date, region", [
    (NEWS, "粤湘渝川黔陕六省市签署旅居养老合作框架协议", "广东省民政厅", "", "2021-11-15", "广东省"),
    (SUMMARY, "东营市老年产业协会2020年工作总结", "东营市老年产业协会", "东老产协【2021】1号", "2021-01-15", "东营市"),
    (NANNING, "南宁市养老产业发展三年行动方案(2024—2026年)", "南宁市民政局", "南民发〔2024〕14号", "2024-12-26", "南宁市"),
    (JINGYUAN, "泾源县2023年健康养老产业专班工作方案", "泾源县人民政府办公室", "泾政办发〔2023〕28号", "2023-04-04", "泾源县"),
])
def test_seed_metadata(prefix, title, issuer, doc_no, date, region):
    document = seed(prefix)
    body = "\n".join([document.preamble] + [clause.text for clause in document.clauses])
    place = infer_region(document.title, document.issuer, body).region
    assert (document.title, document.issuer, document.doc_no, document.date,
            place.county or place.city or place.province) == (title, issuer, doc_no, date, region)


@pytest.mark.parametrize("prefix", [NEWS, SUMMARY, NANNING, JINGYUAN])
def test_page_debris_is_gone(prefix):
    text = "\n".join(all_strings(seed(prefix)) + [line for _, line in clean_lines(seed_text(prefix))])
    for debris in ("关闭窗口", "图片", "_GoBack", "bookmark", "打印页面", "浏览字号", "简繁转换", "搜索热词",
                   "当前位置", "阅读次数", "扫描关注", "新浪微博", "此件公开发布", "责任编辑"):
        assert debris not in text


def test_photo_captions_are_dropped_and_line_numbers_kept():
    lines = dict(clean_lines(seed_text(NEWS)))
    assert lines[7] == "粤湘渝川黔陕六省市签署旅居养老合作框架协议"
    assert "广东省民政厅厅长卓志强致辞" not in lines.values()
    assert max(lines) == 140  # the footer after 关闭窗口 (line 143) is gone


@pytest.mark.parametrize("number, parent", [
    (1, "（一）健全养老服务体系"), (7, "（一）健全养老服务体系"), (8, "（二）扩大产品质量供给"),
    (12, "（二）扩大产品质量供给"), (13, "（三）大力发展潜力产业"), (18, "（三）大力发展潜力产业"),
])
def test_nanning_measures_sit_under_their_group(number, parent):
    measures = numbered(seed(NANNING), "二、工作措施")
    assert sorted(measures) == list(range(1, 19))
    assert measures[number].heading_path[1] == parent


def test_nanning_measure_has_title_text_and_line():
    measure = numbered(seed(NANNING), "二、工作措施")[2]
    assert measure.heading_path[-1] == "2.扩大老年助餐服务" and measure.title == "扩大老年助餐服务"
    assert measure.text.startswith("结合嵌入式社区养老服务设施") and measure.line == 15


@pytest.mark.parametrize("number, expected", [
    (1, units(["市民政局", "市发展改革委", "市财政局", "市住建局", "市自然资源局", "各县(市、区)人民政府", "开发区管委会"])),
    (6, units(["市卫健委", "各县(市、区)人民政府", "开发区管委会"])),  # written without the word 责任单位
    (17, units(["市住建局", "市民政局", "市交通运输局", "市自然资源局", "市数据局", "市卫健委", "市商务局",
                "市委金融办", "市市政园林局", "市体育局", "市文广旅局"])),
])
def test_nanning_units(number, expected):
    measure = numbered(seed(NANNING), "二、工作措施")[number]
    assert measure.units == expected
    assert "责任单位" not in measure.text and "分工负责" not in measure.text and measure.text.endswith("。")


def test_nanning_interpretation_is_its_own_part():
    document = seed(NANNING)
    paths = [c.heading_path for c in document.clauses]
    assert ["政策解读"] in paths and ["政策解读", "一、制定背景"] in paths and ["政策解读", "二、主要内容"] in paths
    assert paths.count(["一、行动目标"]) == 1
    part = next(c for c in document.clauses if c.heading_path == ["政策解读"])
    assert "政策解读" in part.title and part.text.startswith("2024年12月26日")


def test_nanning_preamble_leaves_out_the_letterhead():
    preamble = seed(NANNING).preamble
    assert preamble.startswith("经市人民政府同意") and preamble.endswith("现制定行动方案如下。")
    assert "南民发" not in preamble and "2024年12月26日" not in preamble


def test_jingyuan_tasks_and_the_misnumbered_group():
    document = seed(JINGYUAN)
    tasks = numbered(document, "二、重点任务")
    assert sorted(tasks) == list(range(1, 19))
    assert {tasks[n].heading_path[1] for n in (3, 4, 5)} == {"（二）促进医养康养融合发展"}
    groups = [c.heading_path[1] for c in document.clauses if len(c.heading_path) == 2 and c.heading_path[0] == "二、重点任务"]
    assert [g[:3] for g in groups] == ["（一）", "（二）", "（三）", "（四）", "（五）", "（六）"]


@pytest.mark.parametrize("number, expected", [
    (1, units(["县民政局"], partners=["各乡（镇）"])),
    (3, units(["县卫健局"])),  # its line starts with a [bookmark: _GoBack] artefact
    (4, units(["县卫健局"], partners=["各乡（镇）", "县直各部门（单位）"])),
    (16, units(["县教体局", "民政局", "组织部（老干部局）"])),
    (18, units(["县民政局", "卫健局"], partners=["县财政局", "人社局"])),
])
def test_jingyuan_units(number, expected):
    task = numbered(seed(JINGYUAN), "二、重点任务")[number]
    assert task.units == expected
    assert "单位" not in task.text


def test_jingyuan_appendix_table():
    document = seed(JINGYUAN)
    [row] = document.table_rows
    assert list(row.cells) == ["产业类别", "包抓专班", "牵头部门", "配合部门", "年度发展目标", "产业链重大项目（万元）",
                               "2023年工作目标及完成节点", "年内重点对接引进目标企业及计划", "备注"]
    assert row.cells["牵头部门"] == "民政局 卫健局" and row.cells["产业类别"] == "辅助产业 健康养老"
    assert row.cells["包抓专班"] == "专班负责人：李静 专班成员：拜春霞 于清海"
    assert row.cells["配合部门"].startswith("发改局、科技局、") and row.cells["配合部门"].endswith("各乡（镇）")
    assert "计划投资3039万元" in row.cells["产业链重大项目（万元）"].splitlines()[0]
    assert len(row.cells["2023年工作目标及完成节点"].splitlines()) == 6 and row.cells["备注"] == ""
    assert row.caption == "2023年健康养老产业专班工作方案表" and row.line == 96
    assert not any("专班负责人" in c.text or "附件" in c.text for c in document.clauses)


def test_dongying_sections_and_signature():
    document = seed(SUMMARY)
    sections = [c for c in document.clauses if len(c.heading_path) == 1]
    assert [c.heading_path[0][:2] for c in sections] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    assert sections[0].title == "坚持高点定位,理清发展思路"
    assert document.preamble.startswith("东营市老年产业协会于2020年1月16日召开大会")
    assert sections[-1].text.endswith("再求新发展。")  # the signature and date are metadata


def test_news_page_splits_into_paragraphs_and_enumerations():
    document = seed(NEWS)
    assert document.preamble == "" and all(len(c.heading_path) <= 1 for c in document.clauses)
    marked = {c.heading_path[0]: c for c in document.clauses if c.heading_path[:1] in (["一是"], ["二是"], ["三是"])}
    assert sorted(marked) == ["一是", "三是", "二是"]
    assert marked["二是"].text.startswith("推动旅居养老产业务实合作")
    assert any(c.text == "根据合作框架协议,六省市将在以下方面开展紧密合作。" for c in document.clauses)
    follow_up = next(c for c in document.clauses if c.heading_path == ["又讯"])
    assert follow_up.title == "广东省首批“旅居养老”示范基地认定揭晓"


def test_guangdong_bases():
    institutions = seed(NEWS).institutions
    assert [i.number for i in institutions] == list(range(1, 12))
    assert Counter(i.city for i in institutions) == {"广州": 3, "深圳": 2, "佛山": 1, "中山": 1, "江门": 1, "惠州": 2, "揭阳": 1}
    fifth = institutions[4]
    assert (fifth.name, fifth.city, fifth.line) == ("深圳市任达爱心护理院", "深圳", 104)  # city carried forward
    assert {i.caption for i in institutions} == {"2021年广东省旅居养老示范基地认定结果"}


# Made-up texts ---------------------------------------------------------------------------

NOTICE = "某市民政局\n关于做好老年人关爱工作的通知\n{doc_no}\n各区民政局：请遵照执行。\n某市民政局\n{date}\n一、工作要求\n{body}\n"


def notice(doc_no="某民发〔2025〕3号", date="2025年3月1日", body="加强关爱。"):
    return NOTICE.format(doc_no=doc_no, date=date, body=body)


@pytest.mark.parametrize("doc_no", [
    "南民发〔2024〕14号", "泾政办发〔2023〕28号", "东老产协【2021】1号", "某民发[2024]3号", "某民发(2024)3号",
    "某民发（2024）3号", "某民发［2024］3号", "某民发﹝2024﹞3号", "某民发〔2024〕第3号", "某民发〔２０２４〕３号",
])
def test_doc_no_is_returned_as_written(doc_no):
    assert parse_document(notice(doc_no=doc_no)).doc_no == doc_no


def test_doc_no_quoted_in_the_body_is_not_the_documents():
    assert parse_document(notice(doc_no="", body="根据《意见》（国办发〔2024〕1号）执行。")).doc_no == ""


@pytest.mark.parametrize("written, iso", [
    ("2024年12月26日", "2024-12-26"), ("2021-11-15 13:57:10", "2021-11-15"), ("2023年4月4日", "2023-04-04"),
    ("2023.4.4", "2023-04-04"), ("２０２３年４月４日", "2023-04-04"), ("2023 年 4 月 4 日", "2023-04-04"),
    ("2023/04/04", "2023-04-04"), ("二〇二三年四月四日", "2023-04-04"), ("二〇二四年十二月二十六日", "2024-12-26"),
])
def test_signature_dates(written, iso):
    document = parse_document(notice(date=written))
    assert document.date == iso and document.issuer == "某市民政局"
    assert written not in document.preamble


def test_web_byline_gives_date_and_issuer():
    page = "当前位置：首页 > 通知公告\n某市养老服务补贴发放\n2024-05-06 10:00 来源：某市民政局 阅读次数：12\n今年起发放补贴。\n"
    document = parse_document(page)
    assert (document.title, document.date, document.issuer) == ("某市养老服务补贴发放", "2024-05-06", "某市民政局")
    assert [c.text for c in document.clauses] == ["今年起发放补贴。"]


def test_crlf_and_full_width_digits():
    document = parse_document(notice(body="１．完善设施。新建３处。\n（１）城区\n２．加强管理。").replace("\n", "\r\n"))
    paths = [c.heading_path for c in document.clauses]
    assert paths[1:] == [["一、工作要求", "1.完善设施"], ["一、工作要求", "1.完善设施", "（1）城区"], ["一、工作要求", "2.加强管理"]]
    assert [c.line for c in document.clauses] == [7, 8, 9, 10]
    assert document.clauses[1].text == "新建３处。" and not any("\r" in s for s in all_strings(document))


@pytest.mark.parametrize("line", [
    "1+3+X产业布局全面推进。", "2024—2026年全面推进。", "2.47万亩中药材全部种植。", "0.14张床位达标。",
    "一是加强领导。", "3、4月份开展督查。", "2023年完成建设。",
])
def test_not_a_heading(line):
    document = parse_document(notice(body=line))
    assert [c.heading_path for c in document.clauses] == [["一、工作要求"]]
    assert document.clauses[0].text == line


@pytest.mark.parametrize("written, element, title", [
    ("(一)健全体系", "（一）健全体系", "健全体系"), ("（一）健全体系", "（一）健全体系", "健全体系"),
    ("1、完善设施", "1.完善设施", "完善设施"), ("1．完善设施", "1.完善设施", "完善设施"),
    ("1. 完善设施", "1.完善设施", "完善设施"), ("(1)城区", "（1）城区", "城区"), ("（１）城区", "（1）城区", "城区"),
])
def test_heading_markers_are_canonical(written, element, title):
    clause = parse_document(notice(body=written)).clauses[-1]
    assert (clause.heading_path, clause.title) == (["一、工作要求", element], title)


def test_decimal_looking_items_in_a_numbered_run_are_headings():
    document = parse_document(notice(body="1.80至89周岁每人每月100元。\n2.90周岁以上每人每月300元。"))
    assert [c.heading_path[-1] for c in document.clauses] == ["一、工作要求", "1.80至89周岁每人每月100元", "2.90周岁以上每人每月300元"]


def test_misnumbered_group_heading_is_relevelled():
    body = "（一）甲组\n1.子一\n（2） 乙组\n2.子二\n（三）丙组\n3.子三"
    paths = [c.heading_path for c in parse_document(notice(body=body)).clauses]
    assert ["一、工作要求", "（二）乙组", "2.子二"] in paths


def test_real_item_list_under_a_task_stays_nested():
    body = "（一）甲组\n1.子一\n（1）细一\n（2）细二\n（二）乙组"
    paths = [c.heading_path for c in parse_document(notice(body=body)).clauses]
    assert ["一、工作要求", "（一）甲组", "1.子一", "（2）细二"] in paths and ["一、工作要求", "（二）乙组"] in paths


def test_articles_under_chapters():
    text = "某市养老服务条例\n第一章 总则\n第一条 为了规范养老服务，制定本条例。\n第二条 本条例适用于本市。\n第二章 服务\n第三条 政府提供服务。"
    document = parse_document(text)
    assert document.title == "某市养老服务条例"
    assert [c.heading_path for c in document.clauses] == [
        ["第一章 总则"], ["第一章 总则", "第一条"], ["第一章 总则", "第二条"], ["第二章 服务"], ["第二章 服务", "第三条"]]
    assert document.clauses[1].title == "" and document.clauses[1].text == "为了规范养老服务，制定本条例。"


@pytest.mark.parametrize("line, expected", [
    ("1.甲事项。做好甲。(责任单位:市民政局、市财政局,各县(市、区)人民政府按职责分工负责)",
     units(["市民政局", "市财政局", "各县(市、区)人民政府"])),
    ("1.甲事项。做好甲。（市卫健委、开发区管委会按职责分工负责）", units(["市卫健委", "开发区管委会"])),
    ("1.甲事项。做好甲。（牵头单位：市民政局；配合单位：市财政局、市卫健委）",
     units(lead=["市民政局"], partners=["市财政局", "市卫健委"])),
    ("1.甲事项。做好甲。责任单位：县民政局", units(["县民政局"])),
    ("1.甲事项。做好甲。\n牵头部门：县民政局\n配合部门：各乡（镇）", units(lead=["县民政局"], partners=["各乡（镇）"])),
])
def test_units_are_attached_and_removed_from_text(line, expected):
    clause = parse_document(notice(body=line)).clauses[-1]
    assert (clause.title, clause.text, clause.units) == ("甲事项", "做好甲。", expected)


def test_bracketed_remark_is_not_units():
    clause = parse_document(notice(body="做好甲（详见附件）。")).clauses[-1]
    assert clause.text == "做好甲（详见附件）。" and clause.units == units()


@pytest.mark.parametrize("head, title", [
    ("关于印发《某市养老服务方案》的通知\n某发〔2024〕1号\n某市养老服务方案\n", "某市养老服务方案"),
    ("关于印发某市养老服务三年行动方案(2024—2026年)的通知\n某市养老服务三年行动方案\n(2024—2026年)\n",
     "某市养老服务三年行动方案(2024—2026年)"),
    ("关于印发《某县 2023 年养老服务\n工作方案》的通知\n", "某县2023年养老服务工作方案"),
    ("关于做好高温天气老年人关爱工作的通知\n", "关于做好高温天气老年人关爱工作的通知"),
    ("关于做好高温天气老年人关爱工作的通知_某市民政局\n关于做好高温天气老年人关爱工作的通知\n", "关于做好高温天气老年人关爱工作的通知"),
])
def test_title_rule(head, title):
    document = parse_document(head + "各区：现印发给你们。\n一、要求\n做好工作。")
    assert document.title == title
    assert document.preamble == "各区：现印发给你们。"


@pytest.mark.parametrize("head, issuer", [
    ("某县人民政府办公室文件\n关于做好养老工作的通知\n", "某县人民政府办公室"),
    ("某市民政局关于做好养老工作的通知\n", "某市民政局"),
    ("关于做好养老工作的通知\n", "某市老龄协会"),  # from the signature
])
def test_issuer_sources(head, issuer):
    text = head + "各区：请执行。\n一、要求\n做好工作。\n某市老龄协会\n2024年1月2日"
    assert parse_document(text).issuer == issuer


def test_tab_table_with_names_gives_institutions():
    text = notice() + "附件：示范基地名单\n序号\t所属地市\t机构名称\n1\t广州\t甲颐养院\n2\t\t乙护理院\n"
    document = parse_document(text)
    assert [(i.number, i.city, i.name, i.caption) for i in document.institutions] == [
        (1, "广州", "甲颐养院", "示范基地名单"), (2, "广州", "乙护理院", "示范基地名单")]
    assert not any("颐养院" in s for c in document.clauses for s in all_strings(c))


def test_word_table_with_wrapped_cells_gives_rows():
    text = notice() + "\n附件1\n重点项目表\n\n\t项目\n类别\n\t牵头部门\n\t备注\n\n\t养老\n改造\n\t民政局\n卫健局\n\t\n\n"
    document = parse_document(text)
    assert [(r.cells, r.caption) for r in document.table_rows] == [
        ({"项目类别": "养老改造", "牵头部门": "民政局 卫健局", "备注": ""}, "重点项目表")]
    assert not any("附件" in s or "民政局 卫健局" in s for s in all_strings(document.clauses))


def test_tab_indented_paragraphs_are_not_a_table():
    document = parse_document(notice(body="\t这是第一段，用制表符缩进，写得相当长以免被当作表头。\n\t这是第二段，也用制表符缩进，同样写得很长。"))
    assert document.table_rows == [] and len(document.clauses[0].text.splitlines()) == 2


def test_enumeration_needs_two_markers():
    page = "某市召开养老工作会议\n会议要求，一是加强领导，二是压实责任。\n会议强调一是关键。\n"
    clauses = parse_document(page).clauses
    assert [(c.heading_path, c.text) for c in clauses] == [
        ([], "会议要求，"), (["一是"], "加强领导，"), (["二是"], "压实责任。"), ([], "会议强调一是关键。")]


@pytest.mark.parametrize("raw, kept", [
    ("[bookmark: _GoBack]责任单位：县卫健局", "责任单位：县卫健局"),
    ("（此件公开发布）", None), ("(责任编辑:曹清)", None), ("图片9.jpg图片10.jpg", None),
    ("打印页面 关闭窗口", None), ("搜索热词: 婚姻登记 低保", None), ("　　全文共三部分。", "全文共三部分。"),
])
def test_clean_lines(raw, kept):
    lines = clean_lines(f"第一行标题\n{raw}\n")
    assert lines == [(1, "第一行标题")] + ([(2, kept)] if kept else [])


def test_caption_after_a_picture_is_dropped_but_prose_is_not():
    lines = clean_lines("图片1.jpg\n\n厅长致辞\n图片2.jpg\n会议指出，要加强合作。\n")
    assert lines == [(5, "会议指出，要加强合作。")]


def test_source_name_is_the_title_of_last_resort():
    assert parse_document("加强关爱。", "某市养老补贴办法.txt").title == "某市养老补贴办法"
