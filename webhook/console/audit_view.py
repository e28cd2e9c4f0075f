"""The audit log in an advisor's words: every action the console records, and every detail it
keeps, by a Chinese name — so an admin reads 修改记录 · 改了：正文, not record_update fields=….
"""
from __future__ import annotations

from knowledge.accounts import ROLE_LABELS
from knowledge.audit import AuditEntry
from knowledge.cases import KIND_LABELS as CASE_KINDS, STATUS_LABELS
from webhook.console.display import actor, person
from webhook.console.records_form import KIND_LABELS as RECORD_KINDS

ACTION_LABELS = {
    "login": "登录", "login_failed": "登录失败", "logout": "退出",
    "user_add": "添加用户", "user_role": "改角色", "user_password": "重置密码", "user_enable": "启用用户",
    "user_disable": "停用用户", "user_unlock": "解锁用户",
    "record_create": "新建记录", "record_update": "修改记录", "record_retire": "停用记录", "record_restore": "恢复记录",
    "record_revert": "恢复旧版本", "import": "导入", "unanswered_handled": "未答问题标为已处理",
    "unanswered_to_record": "由未答问题新建记录", "synonym_add": "添加同义词", "lexicon_synonym_add": "添加同义词",
    "lexicon_dictionary": "修改词典", "lexicon_synonyms": "修改同义词", "lexicon_colloquial_add": "添加口语说法",
    "lexicon_colloquial_edit": "修改口语说法", "lexicon_colloquial_delete": "删除口语说法",
    "reveal": "查看完整号码（对话）", "takeover": "接管对话", "conversation_reply": "顾问回复", "resume": "交还机器人",
    "urgent_seen": "紧急事项已看到",
    "case_create": "登记案件", "case_status": "改案件状态", "case_reopen": "重新打开案件", "case_edit": "改需求/说明",
    "case_assign": "分配案件", "case_note": "案件备注", "case_due": "改到期日", "case_reveal": "查看完整号码（案件）",
    "canned_add": "添加常用回复", "canned_remove": "删除常用回复", "conversation_note": "对话备注",
    "document_edit": "修改文件信息", "resend": "重发未送达的消息", "answer_wrong": "标为答错了",
}
DETAIL_LABELS = {
    "kind": "类别", "title": "标题", "fields": "改了", "version": "版本", "restored": "恢复的版本", "count": "条数",
    "channel": "渠道", "sent": "已发出", "chars": "字数", "notified": "已通知老人", "status": "状态", "previous": "原状态",
    "assignee": "负责人", "phone": "留了电话", "chat_user": "聊天用户", "due_date": "到期日", "need": "改了需求",
    "summary": "改了说明", "role": "角色", "reason": "原因", "to": "对应词", "to_word": "对应词", "source": "来自",
    "added": "新增", "removed": "删除", "words": "词数", "groups": "组数", "records": "记录", "inserted": "新增",
    "updated": "更新", "unchanged": "未变", "retired": "停用", "skipped": "跳过",
    "holder": "原接管人", "resolved": "已解决的工单", "key": "消息", "ok": "成功", "note": "说明", "client": "来源地址",
    "locked": "已锁定", "message": "消息编号", "issuer": "发文机关", "doc_no": "文号", "date": "日期", "region": "地区",
    "written": "书面写法", "before": "原来的书面写法", "was": "原来的口语说法",
}
CHANNEL_LABELS = {"wechat": "微信公众号", "wecom": "企业微信", "api": "网页/接口"}
REASON_LABELS = {"bad_credentials": "用户名或密码不对", "locked": "账号已锁定", "disabled": "账号已停用"}
SOURCE_LABELS = {"unanswered": "未答问题"}
VALUE_WORDS = {"kind": {**RECORD_KINDS, **CASE_KINDS}, "status": STATUS_LABELS, "previous": STATUS_LABELS,
               "channel": CHANNEL_LABELS, "role": ROLE_LABELS, "reason": REASON_LABELS, "source": SOURCE_LABELS}
PERSON_ACTIONS = ("reveal", "takeover", "conversation_reply", "resume", "conversation_note", "resend", "answer_wrong")  # targets that are chat users


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, "其他操作")


def details(entry: AuditEntry) -> list[tuple[str, str]]:
    """(label, value) pairs; yes/no in words, codes by their names."""
    return [(DETAIL_LABELS.get(key, "其他"), _value(key, value)) for key, value in entry.detail.items()]


def target(entry: AuditEntry) -> str:
    return person(entry.target) if entry.action in PERSON_ACTIONS else entry.target


def who(entry: AuditEntry) -> str:
    return actor(entry.actor)


def _value(key: str, value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(" ".join(map(str, item)) if isinstance(item, list) else str(item) for item in value) or "无"
    return VALUE_WORDS.get(key, {}).get(str(value), str(value))
