"""Pre-search intents: real phrasings (voice style, typos, traditional) and the false alarms to avoid."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.intents import (
    Detected, asks_how_to_apply, choice_number, consent, detect, is_traditional, normalise,
    region_follow_up, strip_greeting, to_traditional, wants_more,
)

DEVSET = Path(__file__).resolve().parents[1] / "data" / "devset.jsonl"


def _intent(text: str) -> tuple[str | None, str | None]:
    found = detect(text)
    return (found.intent, found.kind) if found else (None, None)


@pytest.mark.parametrize("text, kind", [
    ("我妈摔倒了起不来 养老院能上门吗", "medical"),
    ("我爸在厕所摔了一跤起不来了怎么办", "medical"),
    ("嗯那个我妈刚才在家里跌倒了爬不起来", "medical"),
    ("老人倒在地上了", "medical"),
    ("我妈胸口疼得厉害", "medical"),
    ("我爸说胸痛出冷汗", "medical"),
    ("我爸喘不上气了快来人", "medical"),
    ("奶奶呼吸困难", "medical"),
    ("奶奶叫不醒了", "medical"),
    ("我爸突然昏迷了", "medical"),
    ("我妈晕倒了", "medical"),
    ("老头突然嘴歪了说话不清楚", "medical"),
    ("我爸一边手脚没力气", "medical"),
    ("我妈好像中风了", "medical"),
    ("大出血了怎么办", "medical"),
    ("我爸心脏病发作了", "medical"),
    ("老人吃东西噎住了", "medical"),
    ("要不要叫救护车", "medical"),
    ("救命啊", "medical"),
    ("我媽摔倒了", "medical"),
    ("爺爺昏迷了叫不醒", "medical"),
    ("我妈走丢了", "missing"),
    ("我爸有老年痴呆今天走失了", "missing"),
    ("老人不见了一天了", "missing"),
    ("找不到我爸了", "missing"),
    ("我奶奶早上出门到现在没回家", "missing"),
    ("我媽走丟了", "missing"),
    ("我不想活了", "self_harm"),
    ("活着没意思想不开", "self_harm"),
    ("老伴走了我也想死了算了", "self_harm"),
    ("我爸说要喝农药", "self_harm"),
])
def test_emergencies(text, kind):
    assert _intent(text) == ("emergency", kind)


@pytest.mark.parametrize("text", [
    "防跌倒扶手有补贴吗",
    "防走失手环哪里领",
    "跌倒风险评估是什么",
    "泾源县医院急救能力提升投资多少钱",
    "我没意识到要提前申请",
    "养老院有呼吸机吗",
])
def test_emergency_words_in_ordinary_questions(text):
    assert detect(text) is None


@pytest.mark.parametrize("text", [
    "我爸被人拉去交钱说是旅居养老项目，包吃包住还返利，这是不是骗局啊",
    "那个我妈老是接到电话说去海南旅居养老先交五万块钱这个靠谱吗政府管不管",
    "养老院让先交十万会员费才给床位",
    "有人推销保健品说能治百病",
    "我妈天天去听养生讲座买保健品",
    "说是民政局的打电话要验证码",
    "以房养老是不是骗局",
    "有个养老项目投资回报百分之二十靠谱吗",
    "旅居养老非法集资有人管吗",
    "他们说交两万入股养老公寓每年分红",
    "买养老卡送旅游是真的假的",
    "假借旅居養老名義詐騙怎麼辦",
    "我爸被騙了好多錢",
])
def test_fraud(text):
    assert _intent(text)[0] == "fraud"


@pytest.mark.parametrize("text", [
    "长者饭堂补贴多少钱",
    "养老院收费多少",
    "适老化改造要交钱吗",
    "养老院入住要交押金吗",
    "预订床位要先交钱吗",
    "长者饭堂吃饭多少钱",
    "那个康养项目投资多少钱",
    "我们机构想去泾源投资养老，县里给啥扶持",
    "老人去旅居养老要交多少钱",
    "旅居养老基地免费入住吗",
    "防诈骗宣传有哪些",
    "打击非法集资的政策",
])
def test_money_questions_are_not_fraud(text):
    assert detect(text) is None


@pytest.mark.parametrize("text", [
    "阿司匹林一天吃几片",
    "阿司匹林和降压药能不能一起吃",
    "降压药氨氯地平一次吃多少毫克",
    "二甲双胍饭前吃还是饭后吃",
    "俺妈血压160吃几片降压药",
    "我妈这个是什么病",
    "我爸要不要做手术",
    "血压180怎么办吃什么药",
    "老人失眠怎么办",
    "这个药有什么副作用",
    "降壓藥一次吃幾片",
])
def test_medical(text):
    assert _intent(text)[0] == "medical"


@pytest.mark.parametrize("text", [
    "医保能报销降压药吗",
    "家庭病床怎么申请",
    "医养结合是什么",
    "家庭医生签约要钱吗",
    "泾源县医院有没有老年病科",
    "如何治理养老机构乱收费",
])
def test_health_policy_is_not_medical(text):
    assert detect(text) is None


@pytest.mark.parametrize("text", [
    "儿子打我",
    "护工打老人怎么办",
    "儿媳不给饭吃",
    "子女不管我",
    "我被关在家里出不去",
    "保姆骗走了我妈的存折",
    "养老金被儿子拿走了",
    "我爸被儿子赶出家门了",
    "养老院虐待老人找谁",
    "隔壁老人被儿子打，不给饭吃",
    "兒子不給飯吃",
])
def test_abuse(text):
    assert _intent(text)[0] == "abuse"


@pytest.mark.parametrize("text", [
    "转人工", "轉人工", "人工客服", "我要跟人说", "找真人", "你们打电话给我", "给我回个电话", "我要找顾问",
])
def test_handoff(text):
    assert _intent(text) == ("handoff", None)


@pytest.mark.parametrize("text", [
    "帮我登记一下",
    "帮我找个护工",
    "想让顾问联系我",
    "能不能派人上门看看",
    "帮我妈申请高龄津贴",
    "帮我找个养老院有消息打电话给我",
    "我想代办适老化改造补贴",
    "幫我登記一下",
])
def test_refer(text):
    assert _intent(text) == ("refer", "register")


@pytest.mark.parametrize("text", [
    "就是南宁养老顾问嗯能帮老人代办事情吗",
    "我闺女在东营想学养老护理，协会培训完能帮着找工作不",
    "南宁哪里有助浴点",
    "给我联系方式",
])
def test_questions_about_services_are_not_referrals(text):
    assert detect(text) is None


@pytest.mark.parametrize("text, kind", [
    ("谢谢", "thanks"), ("謝謝", "thanks"), ("谢谢你啊", "thanks"), ("多谢多谢", "thanks"), ("感谢！", "thanks"),
    ("有用", "helpful"), ("有帮助", "helpful"), ("明白了", "helpful"), ("好的懂了", "helpful"),
    ("好的明白了谢谢", "helpful"),
    ("没用", "unhelpful"), ("不对", "unhelpful"), ("答非所问", "unhelpful"), ("没帮助", "unhelpful"),
    ("没有用谢谢", "unhelpful"), ("👍👍", "helpful"),
])
def test_feedback(text, kind):
    assert _intent(text) == ("feedback", kind)


@pytest.mark.parametrize("text, kind", [
    ("你好", "greeting"), ("您好！", "greeting"), ("在吗", "greeting"), ("早上好", "greeting"), ("hi", "greeting"),
    ("Hello", "greeting"), ("你好啊小助手", "greeting"), ("妳好", "greeting"),
    ("你是谁", "identity"), ("你是机器人吗", "identity"), ("你好你是谁啊", "identity"),
    ("你能做什么", "capabilities"), ("有什么功能", "capabilities"), ("这个怎么用", "capabilities"),
    ("菜单", "capabilities"), ("帮助", "capabilities"),
])
def test_smalltalk(text, kind):
    assert _intent(text) == ("smalltalk", kind)


@pytest.mark.parametrize("text", [
    "南宁长者饭堂有补贴吗",
    "泾源县老年养护院啥时候运营",
    "广东有几家旅居养老示范基地",
    "养老院一个月多少钱",
    "家庭病床怎么申请",
    "东营养老服务协会是干什么的",
    "你好，请问南宁长者饭堂有补贴吗",
    "谢谢你们南宁的助浴点在哪",
    "有用的政策有哪些",
    "早饭",
    "别让老人饿着，长者饭堂在哪",
    "医院不给报销吃药的钱",
    "老人不想被打扰",
    "给老人打电话关爱服务有吗",
    "脑梗后遗症康复有补贴吗",
    "政府会派人来养老院检查吗",
    "没人管的老人谁来照顾",
    "老人吃饭难怎么办",
    "我妈79了腿脚不好，在南宁能找人上门帮她洗澡吗",
    "俺家老头瘫在床上，南宁医生能上门来看不",
    "",
])
def test_ordinary_questions(text):
    assert detect(text) is None


def test_emergency_wins_over_other_intents():
    assert _intent("谢谢 我妈摔倒了起不来") == ("emergency", "medical")
    assert _intent("转人工 我爸喘不上气了") == ("emergency", "medical")


def test_detected_records_the_trigger():
    assert detect("轉人工") == Detected("handoff", None, "转人工")


@pytest.mark.parametrize("text, expected", [
    ("你好，请问南宁长者饭堂有补贴吗", "请问南宁长者饭堂有补贴吗"),
    ("您好 在吗 我想问问养老院", "我想问问养老院"),
    ("你好啊！泾源有老年大学吗", "泾源有老年大学吗"),
    ("南宁有长者饭堂吗", "南宁有长者饭堂吗"),
    ("你好", "你好"),
])
def test_strip_greeting(text, expected):
    assert strip_greeting(text) == expected


def test_normalise():
    assert normalise("轉 人 工ＡＢＣ１") == "转人工abc1"


@pytest.mark.parametrize("text, expected", [
    ("谢谢", False), ("謝謝", True), ("請問南寧長者飯堂有補貼嗎", True), ("请问南宁长者饭堂有補貼吗", False),
    ("涇源有老年大學嗎", True), ("南宁", False), ("123", False), ("", False),
])
def test_is_traditional(text, expected):
    assert is_traditional(text) is expected


def test_to_traditional_keeps_numbers_and_document_numbers():
    assert to_traditional("养老院一个月多少钱") == "養老院一個月多少錢"
    assert to_traditional("桂政办发〔2024〕12号第3条") == "桂政辦發〔2024〕12號第3條"


@pytest.mark.parametrize("text, expected", [
    ("1", 1), ("１", 1), ("回复2", 2), ("第二个", 2), ("第2条", 2), ("二", 2), ("3。", 3), ("第十个", 10),
    ("十二", 12), ("我要第三个", 3), ("两个", 2),
    ("2026年", None), ("2026", None), ("南宁", None), ("第二个养老院在哪", None), ("", None),
])
def test_choice_number(text, expected):
    assert choice_number(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("更多", True), ("还有吗", True), ("下一条", True), ("下一页", True), ("继续", True), ("还有别的吗", True),
    ("還有嗎？", True), ("南宁还有别的养老院吗", False), ("南宁长者饭堂", False),
])
def test_wants_more(text, expected):
    assert wants_more(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("怎么申请", True), ("那怎么办理呢", True), ("去哪办", True), ("要什么材料", True), ("需要带什么", True),
    ("啥时候截止", True), ("流程是啥", True), ("怎麼申請", True),
    ("多少钱", False), ("在哪里", False), ("我妈摔倒了怎么办", False),
])
def test_asks_how_to_apply(text, expected):
    assert asks_how_to_apply(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("那深圳呢？", "深圳"), ("南宁的呢", "南宁"), ("换成泾源", "泾源"), ("东营那边呢", "东营"), ("惠州呢", "惠州"),
    ("那天河区呢", "天河区"), ("那廣州呢", "广州"),
    ("那怎么申请呢", None), ("那补贴呢", None), ("那老年大学呢", None), ("那个呢", None), ("南宁有长者饭堂吗", None),
])
def test_region_follow_up(text, expected):
    assert region_follow_up(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("同意", True), ("可以", True), ("好的", True), ("行", True), ("没问题", True), ("是", True), ("嗯", True),
    ("好的麻烦你了", True), ("可以的", True),
    ("不同意", False), ("不要", False), ("算了", False), ("不用", False), ("不行", False), ("不用了谢谢", False),
    ("南宁养老院多少钱", None), ("", None),
])
def test_consent(text, expected):
    assert consent(text) is expected


def _devset() -> list[dict]:
    return [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]


SCAM_WORDS = ("骗", "返利", "交钱", "靠谱", "集资", "詐騙", "集資")
ALARMS = {"emergency", "fraud", "medical", "abuse"}


def test_devset_raises_no_false_alarms():
    """Real questions must reach the search: only scam questions may be fraud, and only the
    out-of-scope medicine questions (expect == []) may be medical."""
    wrong = []
    for case in _devset():
        found = detect(case["q"])
        if not found or found.intent not in ALARMS:
            continue
        scam = any(word in case["q"] for word in SCAM_WORDS) and found.intent == "fraud"
        medicine = case["expect"] == [] and found.intent == "medical"
        if not (scam or medicine):
            wrong.append((case["q"], found))
    assert not wrong


def test_devset_scam_and_medicine_questions_are_caught():
    for case in _devset():
        if any(word in case["q"] for word in ("骗局", "返利", "靠谱")):
            assert _intent(case["q"])[0] == "fraud", case["q"]
        if any(word in case["q"] for word in ("吃几片", "毫克", "饭前吃")):
            assert _intent(case["q"])[0] == "medical", case["q"]
