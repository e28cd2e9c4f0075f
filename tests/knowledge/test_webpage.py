"""Saved web pages: the document is kept, the site around it (menus, breadcrumbs, widgets, footer) goes.

The article text is a real corpus document (tests/data/realdocs); the page around it is the
furniture every government site has, built here (its words are the test's, not the document's).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.importers.documents import parse_document_file
from knowledge.regions import NATIONAL

from tests.realdocs import DOCS

CHROME = ["首页", "政务公开", "办事服务", "互动交流", "当前位置", "打印本页", "关闭窗口", "版权所有", "网站标识码",
          "ICP备", "主办单位", "联系我们", "分享到", "扫一扫", "中国政府网", "相关链接"]


def saved_page(article_html: str, title: str, *, meta: bool = True) -> bytes:
    head = (f'<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="2023-03-06 10:12">'
            f'<meta name="ContentSource" content="杭州市民政局">' if meta else "")
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">{head}<title>{title}_杭州市民政局</title></head>
<body><div class="top-bar"><a href="/">无障碍浏览</a> <a href="/">长者模式</a></div>
<div class="header"><img alt="logo"><ul class="nav"><li><a href="/">首页</a></li><li><a href="/a">政务公开</a></li>
<li><a href="/b">办事服务</a></li><li><a href="/c">互动交流</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/a">政务公开</a> &gt; <a href="/n">通知公告</a></div>
<div class="article"><h1>{title}</h1><div class="info">发布时间：2023-03-06 来源：杭州市民政局 字号：[大 中 小]</div>
<div class="content">{article_html}</div>
<div class="tools"><a href="#">打印本页</a> <a href="#">关闭窗口</a> 分享到：<a>微信</a><a>微博</a></div></div>
<div class="related">相关链接：<a href="/1">中国政府网</a> | <a href="/2">浙江省人民政府</a> | <a href="/3">杭州市人民政府</a></div>
<div class="footer"><p>主办单位：杭州市民政局 <a href="/c">联系我们</a> | <a href="/m">网站地图</a></p>
<p>版权所有：杭州市民政局 浙ICP备00000000号 网站标识码：3301000000 扫一扫在手机上查看</p></div></body></html>""".encode()


@pytest.fixture
def article() -> str:
    path = DOCS / "a05_hangzhou_allowance_news.html"
    if not path.exists():
        pytest.skip(f"corpus document {path.name} is missing")
    return path.read_text(encoding="utf-8")


TITLE = "关于调整全市高龄老人生活津贴发放标准的通知"


@pytest.mark.parametrize("meta", [True, False])
def test_a_saved_page_keeps_the_document_and_drops_the_site(article, meta):
    rows, info = parse_document_file(Path("page.html"), saved_page(article, TITLE, meta=meta), None, NATIONAL)
    assert (info.title, info.region.name, info.title_basis) == (TITLE, "浙江省杭州市", "header")
    assert info.date in ("2023-03-06", "2023-03-01")
    text = "\n".join(r.title + "\n" + r.text for r in rows.records)
    assert "每人每月800元" in text
    assert [word for word in CHROME if word in text] == []


def test_page_metadata_gives_date_and_issuer(article):
    rows, info = parse_document_file(Path("page.html"), saved_page(article, TITLE), None, NATIONAL)
    assert info.date == "2023-03-06"
    assert {r.source.issuer for r in rows.records} == {"杭州市民政局"}


def test_a_link_dense_block_goes_even_without_a_telling_name():
    links = "".join(f'<a href="/{n}">栏目{n}</a>' for n in range(8))
    page = f"<html><body><div>{links}</div><h1>某县高龄津贴发放办法</h1><p>八十周岁以上老人每人每月100元。</p></body></html>"
    rows, _ = parse_document_file(Path("p.html"), page.encode(), None, NATIONAL)
    text = "\n".join(r.text for r in rows.records)
    assert "100元" in text and "栏目" not in text


CAPTION = "某县敬老院举办重阳节包饺子活动"
PICTURE = '<p><img alt="{alt}" src="/{n}.jpg"/></p>'


@pytest.mark.parametrize("alts, title", [
    ([CAPTION, CAPTION, ""], CAPTION),  # every captioned picture carries the article's title
    ([CAPTION], "九月初九重阳节的上午"),  # one caption is no proof of a title: the opening is still the guess
    ([CAPTION, "院长为老人盛饺子"], "九月初九重阳节的上午"),  # captions that differ describe pictures
])
def test_an_article_body_without_a_title_line_is_titled_by_its_pictures_caption(alts, title):
    pictures = "".join(PICTURE.format(alt=alt, n=n) for n, alt in enumerate(alts))
    body = f"<p>九月初九重阳节的上午，敬老院的老人们一起包饺子。</p>{pictures}<p>院长为每位老人盛上一碗热饺子。</p>"
    _, info = parse_document_file(Path("news.html"), body.encode(), None, NATIONAL)
    assert info.title == title


def test_a_whole_page_keeps_its_own_title_over_its_pictures_captions():
    pictures = PICTURE.format(alt=CAPTION, n=1) * 2
    page = f"<html><body><h1>重阳节敬老活动纪实</h1>{pictures}<p>老人们包饺子。</p></body></html>"
    _, info = parse_document_file(Path("page.html"), page.encode(), None, NATIONAL)
    assert info.title == "重阳节敬老活动纪实"
