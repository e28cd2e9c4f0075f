"""A document's title and date from its header, in forms the d documents of the corpus showed."""
import pytest

from knowledge.importers.govdoc import parse_document
from knowledge.importers.webpage import html_text

BODY = "第一条 为了促进养老服务发展，制定本条例。\n第二条 本条例自公布之日起施行。"


@pytest.mark.parametrize("header, date", [
    # a line holding two statements: dated by the amendment, not the 施行 before it
    ("2015年5月1日 施行根据2018年9月7日青岛市人大常委会第十一次会议《关于修改…的决定》修正", "2018-09-07"),
    # …通过并经…批准的《决定》修正: the 通过 that comes first
    ("2019年12月27日 威海市人大常委会第二十一次会议通过并经2020年1月15日山东省人大常委会批准的《决定》修正",
     "2019-12-27"),
])
def test_a_regulation_is_dated_by_its_first_history_statement_of_a_line(header, date):
    text = f"某市养老服务促进条例\n2014年12月31日 某市人大常委会会议通过\n{header}\n{BODY}"
    assert parse_document(text).date == date


def test_a_notice_issuing_a_document_after_yinfa_is_titled_by_it():
    text = "成都市人民政府办公厅印发关于加快推进养老服务发展若干措施的通知\n成办发〔2022〕28号\n各区（市）县政府：\n" + BODY
    assert parse_document(text).title == "关于加快推进养老服务发展若干措施"


def test_a_page_that_is_a_policy_interpretation_is_titled_by_it_and_dated_by_its_byline():
    page = ('<html><head><meta name="ArticleTitle" content="《关于长期护理保险的通知》政策解读"/>'
            '<meta name="PubDate" content="2023-12-29 10:47:56"/>'
            '<meta name="others" content="页面生成时间 2023-12-29 10:47:56"/><meta name="SiteName" content="某省医疗保障局"/>'
            '</head><body><div>某省医疗保障局</div><h1>《关于长期护理保险的通知》政策解读</h1>'
            '<div class="info">来源：<br>时间：<br>2022-07-04</div>'
            '<p>一、出台背景</p><p>为保障参保职工长期护理保险待遇，制定本通知。</p>'
            '<p>二、主要内容</p><p>参保人员按月缴费，每人每月0.1%。</p></body></html>')
    parsed = parse_document(html_text(page.encode()))
    assert parsed.title == "《关于长期护理保险的通知》政策解读" and parsed.date == "2022-07-04"
    assert [c.title for c in parsed.clauses] == ["出台背景", "主要内容"]  # no site name, no byline


def test_a_chapter_title_copied_without_its_number_opens_a_chapter():
    """'规划与设施建设' between 第五条 and 第六条 (a 第二章 whose marker was lost) is no line of 第五条."""
    text = ("某市养老服务促进条例\n第一条 为了促进养老服务发展，制定本条例。\n第二条 本条例适用于本市。\n"
            "规划与设施建设\n第三条 民政部门应当制定养老服务设施专项规划。\n第四条 新建住宅区应当配建养老服务设施。")
    clauses = {c.heading_path[-1]: c for c in parse_document(text).clauses}
    assert clauses["第二条"].text == "本条例适用于本市。"
    assert clauses["第三条"].heading_path == ["规划与设施建设", "第三条"]


def test_a_pages_breadcrumb_link_targets_and_cut_byline_are_no_text():
    page = ('<html><head><meta name="ArticleTitle" content="某市人民政府办公厅印发关于推进养老服务发展若干措施的通知"/>'
            '</head><body><div>某市政务服务网 通知公告 某市人民政府办公厅印发关于推进养老服务发展若干措施的通知</div>'
            '<div>政务公开/col/col15393/index.html通知公告/col/col15398/index.html</div>'
            '<div>发布时间：<span>2022-</span><span>05-</span><span>23</span> <span>15:</span><span>56</span>浏览次数：</div>'
            '<p>各区县政府：</p><p>《关于推进养老服务发展若干措施》已经市政府同意，现印发你们。</p>'
            '<p>一、优化居家社区养老服务</p><p>完善社区养老服务设施。</p></body></html>')
    parsed = parse_document(html_text(page.encode()))
    text = parsed.preamble + "".join(c.text for c in parsed.clauses)
    assert parsed.title == "关于推进养老服务发展若干措施"
    assert not any(debris in text for debris in ("政务服务网", "index.html", "浏览次数", "15:56"))
