"""The console's SVG charts: well-formed XML, accessible, bars in proportion, escaped, empty-safe."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from webhook.console import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text and desc is not None and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    return root


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]


def test_column_chart_heights_are_proportional():
    days = ["11-20", "11-21", "11-22"]
    root = parse(charts.column_chart(days, [charts.Series("问题", [4, 8, 2]), charts.Series("已回答", [3, 6, 0])],
                                     "每天的问题"))
    questions = [b for b in bars(root) if b.get("data-series") == "0"]
    heights = [float(b.get("height")) for b in questions]
    assert heights[1] == 2 * heights[0] == 4 * heights[2] > 0
    answered = [float(b.get("height")) for b in bars(root) if b.get("data-series") == "1"]
    assert answered[0] / heights[0] == 3 / 4 and answered[2] == 0
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "问题" in texts and "已回答" in texts and "11-21" in texts  # legend and day labels in Chinese
    assert all(float(b.get("y")) + float(b.get("height")) <= 300 for b in bars(root))
    assert root.find(f"{SVG}desc").text == "每天的问题：问题共 14；已回答共 9"


def test_bars_carry_tooltips_with_their_numbers():
    root = parse(charts.column_chart(["11-20"], [charts.Series("转人工", [3])], "转人工", unit="次"))
    (bar,) = bars(root)
    assert bar.find(f"{SVG}title").text == "11-20 转人工 3次"


def test_horizontal_bar_widths_are_proportional_and_labels_shortened():
    items = [("南宁市长者饭堂运营补助（市级财政）", 10), ("泾源", 5), ("惠州", 1)]
    root = parse(charts.horizontal_bars(items, "引用最多的记录", unit="次", label_chars=8))
    widths = [float(b.get("width")) for b in bars(root)]
    assert widths[0] == 2 * widths[1] == 10 * widths[2]
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "南宁市长者饭堂…" in labels and "10次" in labels
    tooltips = [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")]
    assert tooltips[0] == "南宁市长者饭堂运营补助（市级财政）：10次"


def test_labels_are_escaped():
    markup = str(charts.horizontal_bars([("<script>alert(1)</script>&", 2)], "标题<b>"))
    assert "<script>" not in markup and "<b>" not in markup
    root = parse(markup)
    assert any("<script>" in (t.text or "") for t in root.iter(f"{SVG}text"))  # shown as text, not markup


def test_empty_data_says_so():
    for markup in (charts.column_chart([], [charts.Series("问题", [])], "每天的问题"),
                   charts.column_chart(["11-20", "11-21"], [charts.Series("问题", [0, 0])], "每天的问题"),
                   charts.horizontal_bars([], "引用最多的记录"), charts.horizontal_bars([("南宁", 0)], "地区")):
        root = parse(markup)
        assert not bars(root)
        assert charts.EMPTY in [t.text for t in root.iter(f"{SVG}text")]


def test_sparkline():
    root = parse(charts.sparkline([0, 2, 4], "每天问题数"))
    points = root.find(f"{SVG}polyline").get("points").split()
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[0] > ys[1] > ys[2]
    parse(charts.sparkline([], "空"))
    parse(charts.sparkline([0, 0], "零"))


def test_nice_axis_top():
    assert [charts.nice_max(v) for v in (0, 1, 3, 7, 12, 48, 230)] == [1, 1, 5, 10, 20, 50, 250]


def test_chart_ids_are_unique():
    first, second = parse(charts.sparkline([1], "a")), parse(charts.sparkline([1], "a"))
    assert first.get("aria-labelledby") != second.get("aria-labelledby")


def test_axis_ticks_are_whole_numbers():
    root = parse(charts.column_chart(["11-20"], [charts.Series("问题", [3])], "每天的问题"))
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert ticks == ["0", "1", "2", "3", "4", "5"]
