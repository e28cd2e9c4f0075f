"""Rule-based recognition of messages that must be answered *before* (and instead of) a search.

Safety comes first: an elder who fell and cannot get up needs "打120" now, not a ranked list
of policy clauses.  Then scams, medicine questions we must not answer, abuse, a wish for a
human, feedback, small talk and referral requests.  Everything else (`detect` → None) is an
ordinary question for the knowledge search.

Rules live in the data tables below so advisors can extend the vocabulary without touching
the logic.  All matching runs on `normalise(text)`: NFKC, traditional → simplified, no spaces.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import zhconv

# ── data tables ─────────────────────────────────────────────────────────────────────────────
# Benign phrasings removed before emergency matching: "防跌倒扶手", "防走失手环" are products
# and subsidies, not a fall happening now.
EMERGENCY_MASKS = (
    r"(预防|防止|避免|防)(老人)?(跌倒|摔倒|摔跤|走失|走丢)",
    r"(跌倒|摔倒|走失)(风险|评估|险|报警|监测|检测|预警|手环|定位)",
    r"急救(能力|中心|项目|站|培训|知识|设备|体系)",
)
EMERGENCY = {  # kind → patterns, checked in this order
    "self_harm": (
        r"想不开", r"轻生", r"自杀", r"不想活", r"活着没(意思|劲)", r"活不下去", r"寻死",
        r"想死(?!你)", r"跳楼", r"喝农药", r"割腕", r"一了百了", r"死了算了", r"活够了",
    ),
    "medical": (
        r"(摔|跌|倒)[^，。,.]{0,6}起不来", r"倒在地上", r"(摔|跌)(倒|了一跤|跤|伤)", r"栽倒",
        r"胸(口)?(痛|疼|闷得厉害)", r"心口(痛|疼)", r"心绞痛",
        r"喘不(上|过|动)气", r"呼吸困难", r"上不来气", r"透不过气", r"没(有)?(呼吸|心跳)(?!机|道)",
        r"昏迷", r"叫不醒", r"(晕|昏)倒", r"不省人事", r"(失去|没有?)意识(?!到)", r"抽搐",
        r"嘴(巴)?歪", r"口眼歪斜", r"(一边|半边|一侧)[的]?(手|脚|身子|身体|胳膊|腿)[^，。,.]{0,3}(没力|没劲|无力|麻|不能动|动不了)",
        r"说话(不清|含糊|不利索|大舌头)", r"口齿不清", r"(中风|脑梗|脑卒中)了", r"(好像|可能|是不是|突然)(中风|脑梗)",
        r"脑(出|溢)血了", r"(突然|突发)脑(出|溢)血", r"大出血", r"(出|流)血不止", r"血止不住", r"流了(好多|很多)血", r"吐血",
        r"心脏病(发作|犯了)", r"心梗了", r"急性心(肌)?梗", r"心脏骤停",
        r"噎(住|着)了?", r"卡(住|在)?喉咙", r"(煤气|一氧化碳)中毒", r"中毒了", r"吃错药", r"误服",
        r"救命", r"快不行了", r"(叫|打|喊)(个|辆)?救护车", r"(打|叫|拨)(了)?120",
    ),
    "missing": (
        r"走失", r"走丢", r"走散",
        r"找不(到|着)(我|俺|家里)?(的)?(老人|爸|妈|父亲|母亲|爷爷|奶奶|姥姥|姥爷|外公|外婆|老伴|老头|老太|老爷子|老太太)",
        r"(老人|爸|妈|父亲|母亲|爷爷|奶奶|姥姥|姥爷|外公|外婆|老伴|老头|老太|老爷子|老太太)[^，。,.]{0,10}(不见了|找不(到|着)了|没回(家|来)|联系不上)",
        r"人不见了",
    ),
}
# Prevention campaigns and policies are ordinary questions for the search.
FRAUD_MASKS = (r"(防|反|预防|防范|打击|整治|治理)(诈骗|诈|骗|非法集资|集资|传销)",)
FRAUD_STRONG = (
    r"骗局", r"诈骗", r"骗子", r"被骗", r"上当", r"骗钱", r"传销", r"集资",
    r"返利", r"返现", r"高(额)?回报", r"高息", r"保本", r"稳赚", r"入股", r"原始股", r"分红",
    r"投资回报", r"回报率", r"以房养老[^，。,.]{0,10}(骗|抵押|过户|理财|签)",
    r"保健品", r"养生讲座", r"会销", r"免费(领|送)(鸡蛋|礼品|米|油)",
    r"冒充", r"(假|自称|说是)[^，。,.]{0,4}(民政|社保|医保|政府|公安|警察|银行)[^，。,.]{0,10}(打电话|来电|电话|要)",
    r"要[^，。,.]{0,6}(验证码|银行卡密码|密码)", r"验证码[^，。,.]{0,6}(给|告诉|发)", r"(电话|短信)[^，。,.]{0,20}验证码",
    r"(养老|旅居)[^，。,.]{0,6}(投资|理财)[^，。,.]{0,8}(回报|收益|利息)", r"(让|叫|拉|劝)(我|俺|我妈|我爸|老人)[^，。,.]{0,6}(投资|理财|入会)",
)
# A money demand is only a warning sign with a lure or with the user's own doubt.
FRAUD_MONEY = (
    r"先(交|付|打|转)", r"交(押金|定金|会员费|保证金)", r"预(付|交|存)", r"(交|付|转|打)[^，。,.]{0,6}[一二两三四五六七八九十几\d]+万",
    r"交钱", r"(买|办)[^，。,.]{0,3}(会员卡|养老卡|床位卡)",
)
# 床位 alone is no lure: "养老院床位要交押金吗" is an ordinary question.
FRAUD_LURE = (r"旅居", r"会员", r"项目", r"包吃包住", r"返", r"免费", r"万", r"入住权", r"养老卡")
FRAUD_DOUBT = (r"靠谱", r"是不是骗", r"真的假的", r"可信", r"能信", r"正规吗", r"可靠吗", r"有没有问题", r"合法吗")

MEDICAL_DOSE = (
    r"(吃|服)(几|多少)(片|粒|颗|克|毫克|mg|袋|支|丸|滴)", r"一次(吃|服|用)(几|多少)", r"一天(吃|服|用)几(次|回)", r"剂量", r"用量",
    r"(饭前|饭后|空腹)[^，。,.]{0,3}吃", r"(能|可以)不?(能|可以)?一起吃", r"一起吃[^，。,.]{0,3}(吗|行不行)", r"同时吃",
    r"停药", r"减药", r"副作用",
)
MEDICAL_DIAGNOSIS = (
    r"(吃|用|开|打)(什么|啥)药", r"什么药(好|管用|有效)", r"(是|得了?)(什么|啥)病", r"是不是得了",
    r"(要不要|需不需要|该不该|能不能|用不用)(做|动)?手术", r"要不要住院", r"(怎么|咋|如何)治(?!理)", r"(能|可以)?治好吗", r"治得好",
    r"血(压|糖)(高压)?\d{2,3}", r"高压\d{2,3}",
    r"(头晕|头疼|头痛|发烧|发热|咳嗽|失眠|便秘|拉肚子|腹泻|浮肿|水肿|血压高|血糖高|血压低)[^，。,.]{0,6}(怎么办|咋办|怎么回事|要紧吗|严重吗)",
    r"(阿司匹林|降压药|降糖药|二甲双胍|氨氯地平|硝苯地平|胰岛素|安眠药|止痛药|头孢|布洛芬|他汀|速效救心丸|消炎药)[^，。,.]{0,8}(吃|服|用|打)",
)
# Policy words: "医保能报降压药吗" is a policy question, not medical advice.
MEDICAL_POLICY = (r"医保", r"报销", r"家庭病床", r"医养结合", r"家庭医生", r"签约", r"补贴", r"政策")

ABUSE = (
    r"虐待", r"(殴)?打(了)?(老人|我|俺|我妈|我爸|老母亲|老父亲|老太太|老头|奶奶|爷爷|父母|老伴)(?![^，。,.]{0,3}电话)",
    r"被(人|儿子|女儿|子女|儿媳|女婿|孙子|孙女|保姆|护工|老伴|家人)?(殴)?打(了|伤|骂)?(?!扰|折|电话|针|疫苗|卡|车|球|牌|开|印|包|通|听)", r"挨打", r"动手打", r"辱骂", r"骂(老人|我妈|我爸|父母)",
    r"不给(老人|他|她|我|俺)?(饭|吃|喝|水)", r"饿着(老人|他|她|我|俺)", r"让(老人|我|俺|他|她)?挨饿", r"遗弃", r"扔[^，。,.]{0,6}不管", r"赶出(家门|来|去)",
    r"(被)?(关|锁)在(家|屋|房间)", r"骗走", r"骗去", r"抢走", r"霸占",
    r"(拿走|扣着|扣了|占着|花光)[^，。,.]{0,6}(养老金|退休金|存折|工资卡|银行卡|低保|房子)",
    r"(养老金|退休金|存折|工资卡|银行卡)[^，。,.]{0,6}(被|让)[^，。,.]{0,6}(拿|扣|占|骗|花)",
)
# Neglect: a family that does not support an elder (不赡养). Reported like abuse, but no one is
# hurt this minute and the law says what can be done, so the knowledge answers first.
NEGLECT = (
    r"(子女|儿女|孩子|儿子|女儿|儿媳|女婿|我哥|我姐|我弟|我妹)[^，。,.]{0,3}(都)?不管(?!用)", r"没人管(我|他|她|老人)",
    r"不赡养", r"不(养|孝顺)(老人|父母|我|俺)",
)
# Asking what the law does (罚多少, 追究什么责任), not reporting a harm now: 养老院虐待老人罚多少
ABOUT_LAW = (r"罚多少|罚款|处罚|怎么罚|会罚|追究|法律责任|违法|犯法|判刑|坐牢|吊销|怎么处理|有什么规定",)
# The kinds of a safety intent the knowledge answers first, its safety line below (advisor/core.py):
# neglect and the law on abuse (where to report it), the rules on a scam (the warning)
ANSWERED_FIRST = {"abuse": frozenset({"law", "neglect"}), "fraud": frozenset({"law"})}
# Asking what the rules say about a scam (允许吗, 归谁查, 骗的钱能退吗), not reporting one: the
# knowledge answers (养老院不得诱导老年人参与非法集资), the warning below
ABOUT_RULES = (r"允许吗|允不允许|让不让|准不准|可以这样吗|合法吗|合不合法|归谁查|谁来查|谁查|归谁管|能退|退回|退还|退不退",)
HANDOFF_STRONG = (
    r"转人工", r"人工客服", r"人工服务", r"(找|要|接|换)人工(?!智能|关节|耳蜗)", r"^人工$", r"(找|要|转|跟|和)真人", r"真人客服",
    r"(我要|我想|让我)(跟|和|找)(人|活人)(说|聊|谈|讲)", r"不(想|要)(跟|和)机器人",
)
HANDOFF_CALLBACK = (r"找(你们)?(的)?顾问", r"找客服", r"(打|回)(个)?电话给我", r"给我(打|回)(个)?电话", r"回(个)?电话")
REFER = (
    r"(帮|给|替)(我|俺|我们|俺们)[^，。,.]{0,2}登记", r"登记一下", r"我要登记", r"我想登记",
    r"(帮|替)(我|俺|我们|俺们|咱|我家|我妈|我爸|我母亲|我父亲|老伴|我爷爷|我奶奶|家里老人|我家老人)[^，。,.]{0,4}(代办|办理?|申请|联系(?!方式|电话)|预约|报名|安排|对接)",
    r"(帮|替)(我|俺|我们|俺们|咱|我家|我妈|我爸)?找(个|一个|一家|家|位|名)?[^，。,.]{0,4}(护工|保姆|养老院|护理院|敬老院|阿姨|陪护|陪诊|钟点工|住家|照护|机构|床位|医生)",
    r"帮忙(登记|联系|申请|代办|预约|办理|安排)", r"(想|请|让)[^，。,.]{0,4}(顾问|你们|工作人员|人)[^，。,.]{0,2}联系我", r"联系我(?!们)",
    r"(能不能|能否|可不可以|可以|能|请|麻烦|给我|给俺)派(个)?人", r"(我想|我要|需要|想要|申请|请你们?)代办",
)

FEEDBACK = {  # whole-message only; in a mixed reply the first kind listed wins
    "unhelpful": ("答非所问", "没有帮助", "没帮助", "没有用", "没用", "不对", "不是我要的", "不是我问的", "不是这个意思",
                  "看不懂", "没看懂", "听不懂", "错了", "不准", "乱说", "瞎说", "不行"),
    "helpful": ("有帮助", "有用", "明白了", "懂了", "知道了", "清楚了", "了解了", "收到", "太好了", "很好", "挺好", "不错",
                "好的", "好滴", "ok", "点赞", "赞"),
    "thanks": ("谢谢", "多谢", "感谢", "谢了", "谢啦", "辛苦了", "thankyou", "thanks", "thx"),
}
SMALLTALK = {  # checked in this order: "你好，你是谁" is about identity
    "capabilities": ("你能做什么", "你能干什么", "你能干啥", "你会什么", "你会干啥", "能帮我什么", "能帮我做什么",
                     "能帮我干啥", "有什么功能", "有啥功能", "怎么用", "怎么使用", "菜单", "帮助", "help", "使用说明"),
    "identity": ("你是谁", "你是什么", "你是机器人", "是机器人吗", "你是真人", "你是人", "你叫什么", "你叫啥",
                 "是ai吗", "你是ai", "谁在回复", "你是哪个单位", "你是哪里的"),
    "greeting": ("你好", "您好", "在吗", "在不在", "早上好", "上午好", "中午好", "下午好", "晚上好", "早安", "晚安",
                 "你们好", "大家好", "老师好", "哈喽", "hello", "hi", "嗨", "早"),
}
# Words that may surround a short reply without making it a question: fillers and address terms.
FILLERS = ("那个", "就是", "这个", "小助手", "助手", "顾问", "老师", "机器人", "同志", "姑娘", "小伙子", "小妹",
           "你们", "你", "您", "哦", "噢", "嗯", "呃", "啊", "呀", "哈", "吧", "呢", "啦", "了", "的", "哇", "喔", "么")
PUNCT = re.compile(r"[\s\W_]+")
GREETING_PREFIX = re.compile(r"^(?:(?:你好|您好|在吗|在不在|早上好|上午好|下午好|晚上好|哈喽|hello|hi|嗨)[啊呀呢哈]*[,，。.!！?？~～、\s]*)+")

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CHOICE = re.compile(r"^(?:回复|回|选择?|要|看|我要|我选|就)?第?(\d{1,2}|[一二两三四五六七八九十]{1,3})(?:个|条|项|号|种|家|点)?(?:吧|呢|啊|的)?$")
MORE = ("还有别的吗", "还有其他的吗", "还有没有别的", "还有没有", "还有吗", "还有呢", "其他的呢", "别的呢", "更多",
        "下一条", "下一页", "下一个", "下页", "继续", "再来", "再看看", "接着说", "往下")
HOW_TO_APPLY = (
    r"(怎么|怎样|如何|咋)(申请|办理|报名|领|申领|预约|登记)", r"(去|到|在)哪(里|儿)?(办|申请|报名|领)", r"找谁办",
    r"(要|需要)(准备|提供|交)?(什么|啥|哪些)(材料|资料|证件|手续)", r"(需要|要)带(什么|啥)", r"带(什么|啥)(材料|证件)",
    r"(啥|什么)时候截止", r"截止", r"流程", r"手续", r"申请条件",
)
REGION_FOLLOW = (
    re.compile(r"^(?:那|那么|那你说|那要是|那如果是|如果是|要是)?(?P<r>[\u4e00-\u9fff]{2,8}?)(?:那边|那里|那儿|这边|地区|的情况|的)?(?:呢|咋样|怎么样|如何|吗)+$"),
    re.compile(r"^(?:那)?(?:换成|换到|改成|改为|换)(?P<r>[\u4e00-\u9fff]{2,8}?)(?:那边|的)?(?:呢|吧|试试|看看)?$"),
)
# Non-place words that fit "那X呢": a region follow-up never contains these.
NOT_A_PLACE = re.compile(
    r"怎|么|什|啥|哪|多少|谁|几|申请|办|钱|费|补|贴|时候|条件|材料|流程|电话|地址|养老|老人|老年|院|堂|学|中心|基地|"
    r"服务|政策|改造|电梯|床|医|药|护|餐|浴|协会|项目|个|这|那|其他|别的|还有|下一|继续|更多|我|你|他|她|谢"
)
CONSENT_NO = ("不同意", "不需要", "不愿意", "不可以", "不用了", "不用", "不要", "不行", "不了", "算了", "取消", "拒绝", "不是", "否", "no")
CONSENT_YES = ("同意", "可以", "好的", "好啊", "好滴", "好", "行", "没问题", "是的", "是", "对的", "对", "愿意", "需要", "要的",
               "要", "确定", "确认", "嗯嗯", "嗯", "ok", "yes")
POLITE = ("麻烦你了", "麻烦您了", "麻烦了", "谢谢你", "谢谢", "请")


@dataclass(frozen=True)
class Detected:
    """What kind of message this is; `trigger` is the matched text (for logs and the console)."""

    intent: str
    kind: str | None = None
    trigger: str = ""


# ── the tables, compiled once ───────────────────────────────────────────────────────────────
# The tables above stay plain strings (that is what an advisor edits); the rules match these
# compiled copies. Handing `re` the ~200 strings on every message paid a cache lookup each, and
# with slots' and the search's patterns they overflow re's 512-entry cache, so a new message
# recompiled dozens of them.
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(pattern) for pattern in patterns)


_EMERGENCY_MASKS = _compiled(EMERGENCY_MASKS)
_EMERGENCY = {kind: _compiled(patterns) for kind, patterns in EMERGENCY.items()}
_FRAUD_MASKS, _FRAUD_STRONG, _FRAUD_MONEY = _compiled(FRAUD_MASKS), _compiled(FRAUD_STRONG), _compiled(FRAUD_MONEY)
_FRAUD_LURE, _FRAUD_DOUBT = _compiled(FRAUD_LURE), _compiled(FRAUD_DOUBT)
_MEDICAL_DOSE, _MEDICAL_DIAGNOSIS = _compiled(MEDICAL_DOSE), _compiled(MEDICAL_DIAGNOSIS)
_MEDICAL_POLICY, _ABUSE, _NEGLECT = _compiled(MEDICAL_POLICY), _compiled(ABUSE), _compiled(NEGLECT)
_ABOUT_LAW = _compiled(ABOUT_LAW)
_ABOUT_RULES = _compiled(ABOUT_RULES)
_HANDOFF_STRONG, _HANDOFF_CALLBACK = _compiled(HANDOFF_STRONG), _compiled(HANDOFF_CALLBACK)
_REFER, _HOW_TO_APPLY = _compiled(REFER), _compiled(HOW_TO_APPLY)
_SPACES = re.compile(r"\s+")


# ── normalisation ───────────────────────────────────────────────────────────────────────────
@lru_cache(maxsize=1024)
def normalise(text: str) -> str:
    """One spelling for every rule: NFKC (全角 → 半角), simplified characters, no spaces, lower case.

    Remembered per text: one message goes through several rules and follow-up checks, each of
    which normalises it, and the conversion to simplified characters is the costly part (1024
    texts of at most 2000 characters: a few MB at worst)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = zhconv.convert(text, "zh-cn")
    return _SPACES.sub("", text).lower()


def _bare(text: str) -> str:
    """The message without punctuation: what remains to judge whether a short reply is 'whole'."""
    return PUNCT.sub("", normalise(text).replace("👍", "赞"))


def _residue(text: str, words: tuple[str, ...]) -> tuple[str, str]:
    """Remove the vocabulary and fillers; return (what is left, first word found)."""
    rest, found = _bare(text), ""
    for word in sorted(words, key=len, reverse=True):
        if word in rest:
            found = found or word
            rest = rest.replace(word, "")
    for filler in FILLERS:
        rest = rest.replace(filler, "")
    return rest, found


def _whole(text: str, words: tuple[str, ...], slack: int = 1) -> str:
    """The trigger when `words` make up (nearly) the whole message, else ""."""
    rest, found = _residue(text, words)
    if len(found) == 1:  # "早", "嗨": too short to stand beside other words
        slack = 0
    return found if found and len(rest) <= slack else ""


def _search(patterns: tuple[re.Pattern, ...], text: str) -> str:
    """The first pattern's match text, or "" when none matches."""
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return match.group(0)
    return ""


# ── the detectors, in priority order ────────────────────────────────────────────────────────
def _emergency(text: str) -> Detected | None:
    """Anywhere in the message: an emergency outranks every other thing the user asked."""
    for mask in _EMERGENCY_MASKS:
        text = mask.sub("，", text)
    for kind, patterns in _EMERGENCY.items():
        hit = _search(patterns, text)
        if hit:
            return Detected("emergency", kind, hit)
    return None


def _fraud(text: str) -> Detected | None:
    """Strong scam words alone; a money demand only with a lure or the user's own doubt. Kind
    "law": the question asks what the rules say about it (ANSWERED_FIRST)."""
    for mask in _FRAUD_MASKS:
        text = mask.sub("，", text)
    hit = _search(_FRAUD_STRONG, text)
    if not hit:
        money = _search(_FRAUD_MONEY, text)
        if money and (_search(_FRAUD_DOUBT, text) or (money != "交钱" and _search(_FRAUD_LURE, text))):
            hit = money
    asks_rules = _search(_ABOUT_LAW, text) or _search(_ABOUT_RULES, text)
    return Detected("fraud", "law" if asks_rules else None, hit) if hit else None


def _medical(text: str) -> Detected | None:
    """Doses always; diagnoses and drugs unless the question is about a health *policy*."""
    hit = _search(_MEDICAL_DOSE, text)
    if not hit and not _search(_MEDICAL_POLICY, text):
        hit = _search(_MEDICAL_DIAGNOSIS, text)
    return Detected("medical", None, hit) if hit else None


def _abuse(text: str) -> Detected | None:
    """Harm under way (kind None); a question on what the law does about it ("养老院虐待老人
    罚多少": kind "law"); neglect (不赡养: kind "neglect"). The last two are answered from the
    knowledge first (ANSWERED_FIRST)."""
    hit = _search(_ABUSE, text)
    if hit:
        return Detected("abuse", "law" if _search(_ABOUT_LAW, text) else None, hit)
    hit = _search(_NEGLECT, text)
    return Detected("abuse", "neglect", hit) if hit else None


def _handoff(text: str) -> Detected | None:
    hit = _search(_HANDOFF_STRONG, text)
    return Detected("handoff", None, hit) if hit else None


def _callback(text: str) -> Detected | None:
    """'打电话给我' without a need to register: someone should call, that is a handoff."""
    hit = _search(_HANDOFF_CALLBACK, text)
    return Detected("handoff", None, hit) if hit else None


def _refer(text: str) -> Detected | None:
    hit = _search(_REFER, text)
    return Detected("refer", "register", hit) if hit else None


def _short_reply(raw: str) -> Detected | None:
    """Feedback and small talk count only when they are (nearly) the whole message."""
    for intent, table in (("feedback", FEEDBACK), ("smalltalk", SMALLTALK)):
        if _whole(raw, tuple(w for words in table.values() for w in words)):
            bare = _bare(raw)
            for kind, words in table.items():  # mixed replies: the first kind listed wins
                hit = next((w for w in sorted(words, key=len, reverse=True) if w in bare), "")
                if hit:
                    return Detected(intent, kind, hit)
    return None


def answered_first(detected: Detected | None) -> bool:
    """Whether the knowledge answers this safety intent before its safety line (ANSWERED_FIRST)."""
    return bool(detected) and detected.kind in ANSWERED_FIRST.get(detected.intent, ())


def detect(text: str) -> Detected | None:
    """The pre-search intent of a message, or None for an ordinary question."""
    norm = normalise(text)
    if not norm:
        return None
    for rule in (_emergency, _fraud, _medical, _abuse, _handoff, _refer, _callback):
        found = rule(norm)
        if found:
            return found
    return _short_reply(text)


def strip_greeting(text: str) -> str:
    """"你好，请问…" → "请问…", so a greeting in front of a question does not hide the question."""
    stripped = GREETING_PREFIX.sub("", (text or "").strip(), count=1)
    return stripped if stripped.strip() else text


# ── traditional characters ──────────────────────────────────────────────────────────────────
def _han(text: str) -> list[str]:
    return [c for c in text if "\u4e00" <= c <= "\u9fff"]


def _changed(text: str, variant: str) -> int:
    """How many Han characters zhconv rewrites when converting to `variant`."""
    return sum(1 for c in _han(text) if zhconv.convert(c, variant) != c)


def is_traditional(text: str) -> bool:
    """True when the writer used traditional characters, so we should answer in them.

    A couple of characters zhconv changes can occur in simplified writing by accident
    (a typo, a copied name); we want a clear share and more traditional than simplified-only
    characters.
    """
    han = _han(text)
    if not han:
        return False
    trad, simp = _changed(text, "zh-cn"), _changed(text, "zh-hant")
    return trad > simp and trad / len(han) >= 0.2


def to_traditional(text: str) -> str:
    """Character-level conversion ("zh-hant"): "zh-tw" would also swap vocabulary (信息 → 資訊)
    and so alter quoted policy titles; digits and 〔2024〕 brackets pass through unchanged."""
    return zhconv.convert(text, "zh-hant")


# ── follow-up recognisers for the conversation layer ────────────────────────────────────────
def _cn_number(token: str) -> int | None:
    """一…九十九 (also 两) → int; None for anything else."""
    if token.isdigit():
        return int(token)
    if "十" not in token:
        return CN_DIGITS.get(token) if len(token) == 1 else None
    tens, _, ones = token.partition("十")
    if (tens and tens not in CN_DIGITS) or (ones and ones not in CN_DIGITS) or "十" in ones:
        return None
    return CN_DIGITS.get(tens, 1) * 10 + CN_DIGITS.get(ones, 0)


def choice_number(text: str) -> int | None:
    """"2", "回复2", "第二个", "二" → the chosen item; "2026年" and long numbers → None."""
    match = CHOICE.match(_bare(text))
    if not match:
        return None
    number = _cn_number(match.group(1))
    return number if number and 1 <= number <= 50 else None


def wants_more(text: str) -> bool:
    """"还有吗" / "下一条": more results for the previous question, not a new one."""
    return bool(_whole(text, MORE, slack=1))


def asks_how_to_apply(text: str) -> bool:
    """How to apply / which papers / deadline: the caller answers from the current record."""
    return bool(_search(_HOW_TO_APPLY, normalise(text)))


POINTS_BACK = re.compile(r"^(?:那|那么)?(?:它|它们|这家|那家|这个地方|那个地方|这里|那里|这儿|那儿|该机构|这个机构|这个院|那个院)")


def points_back(text: str) -> bool:
    """'它地址在哪儿', '这家电话多少': about the thing the last answer named, not a new search."""
    return bool(POINTS_BACK.search(_bare(text)))


LEANS_ON_LAST = re.compile(r"^(?:那|那么|那要是|那如果|要是|如果|假如|还有|另外|再|然后|其他|别的)|(?:呢|的呢|咋办|怎么办)[?？]?$")


def leans_on_last(text: str) -> bool:
    """'那90岁的呢', '要是情节严重呢', '改建扩建的呢': a question that only makes sense with the
    one before it. Structural: the caller decides with the previous question's words."""
    return bool(LEANS_ON_LAST.search(_bare(text))) or len(_bare(text)) <= 6


def region_follow_up(text: str) -> str | None:
    """"那深圳呢" → "深圳": the previous question asked again for another place.

    Structural only (no gazetteer here); the caller should confirm the name with
    `knowledge.regions.resolve` before switching region.
    """
    bare = _bare(text)
    for pattern in REGION_FOLLOW:
        match = pattern.match(bare)
        if match and not NOT_A_PLACE.search(match.group("r")):
            return match.group("r")
    return None


def consent(text: str) -> bool | None:
    """Yes/no to a question we asked (e.g. "要不要帮您登记？"); None when it is neither."""
    bare = _bare(text)
    for word in POLITE:
        bare = bare.replace(word, "")
    for answer, words in ((False, CONSENT_NO), (True, CONSENT_YES)):
        rest, found = _residue(bare, words)
        if found and len(rest) <= 1:
            return answer
    return None
