"""Personal numbers are masked wherever they sit in a message; other numbers are left alone."""
import pytest

from knowledge.privacy import find_phone, mask, mask_ids, mask_phone


@pytest.mark.parametrize("text, expected", [
    ("13812345678", "138****5678"),
    ("我妈电话13812345678，麻烦回个电话", "我妈电话138****5678，麻烦回个电话"),
    ("手机 138 1234 5678 找王阿姨", "手机 138****5678 找王阿姨"),
    ("手机138-1234-5678", "手机138****5678"),
    ("打１３８１２３４５６７８", "打138****5678"),
    ("+86 13812345678", "138****5678"),
    ("联系电话0771-12345678", "联系电话0771-****5678"),
    ("街道办（0771）2345678转社工", "街道办0771-****5678转社工"),
    ("北京010-62345678", "北京010-****5678"),
    ("广州020 83345678", "广州020-****5678"),
    ("座机077112345678", "座机0771-****5678"),
    ("两个号码13800001111和13900002222", "两个号码138****1111和139****2222"),
])
def test_mask_phone(text, expected):
    assert mask_phone(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("身份证450102195001011234", "身份证4501**********1234"),
    ("身份证号是45010219500101123x，帮我查", "身份证号是4501**********123X，帮我查"),
    ("64042419481203001X", "6404**********001X"),
    ("身份证 450102 19500101 1234", "身份证 4501**********1234"),
    ("４５０１０２１９５００１０１１２３４", "4501**********1234"),
])
def test_mask_ids(text, expected):
    assert mask_ids(text) == expected


@pytest.mark.parametrize("text", [
    "高龄津贴每月5000元，2026年1月起发放",
    "依据南府办〔2024〕14号文件",
    "南民发〔2024〕14号，2024-12-26印发",
    "床位1200张，补助300元/人/月，咨询时间9:00-17:30",
    "订单号1381234567890123",  # 16 digits: not a phone, not an ID
    "12345678901",  # eleven digits but not a mobile prefix
    "4501021950010112345",  # nineteen digits: no ID inside
    "泾源县2023年第28号",
])
def test_other_numbers_are_untouched(text):
    assert mask(text) == text
    assert find_phone(text) is None


def test_mask_applies_everything_and_ids_win_over_phones():
    text = "身份证450102195001011234，手机13812345678，座机0771-12345678"
    assert mask(text) == "身份证4501**********1234，手机138****5678，座机0771-****5678"
    assert mask("") == "" and mask(None) == ""


@pytest.mark.parametrize("text, phone", [
    ("我的电话是138 0000 1234，请联系我", "13800001234"),
    ("电话：１３８－００００－１２３４", "13800001234"),
    ("+86 139 1234 5678", "13912345678"),
    ("打0771-12345678找李主任，或者13800001234", "0771-12345678"),
    ("先打13800001234，不行就0771-12345678", "13800001234"),
    ("(010)62345678", "010-62345678"),
    ("身份证450102195001011234 手机13912345678", "13912345678"),
    ("没有号码", None),
    ("", None),
])
def test_find_phone(text, phone):
    assert find_phone(text) == phone
