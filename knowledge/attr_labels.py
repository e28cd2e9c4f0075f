"""Chinese names for the facts (attrs) a record carries: the keys stay English in the data (the
importers and the answer composer use them), people read these names everywhere they are shown
or edited. A key with no name here is shown as it was written (an unknown CSV column is usually
Chinese already).
"""
from __future__ import annotations

# Facts an advisor fills in most often; the record form gives each its own labelled input.
COMMON = {
    "who": "申请对象", "eligibility": "申请条件", "how_to_apply": "办理方式", "office": "办理部门",
    "deadline": "截止日期", "address": "地址", "phone": "电话", "hours": "开放时间", "price": "收费",
    "type": "类型", "street": "街道",
}
ATTR_LABELS = {
    **COMMON,
    "amount": "金额", "amount_yuan": "金额（元）", "beds": "床位数", "name": "名称", "city": "城市",
    "province": "省份", "district": "区县", "county": "县", "town": "乡镇", "telephone": "电话", "tel": "电话",
    "opening_hours": "开放时间", "institution": "机构", "fee": "收费", "description": "说明", "category": "类别",
    "designated_by": "认定单位", "designated_on": "认定日期", "batch": "批次", "bases": "基地数",
    "list_no": "名单序号", "list_nos": "名单序号", "target": "目标", "period": "时间段", "people": "人数",
    "target_year": "目标年份", "operation_target": "运营目标", "total_bases_six_provinces": "六省基地总数",
    "status": "进展", "households": "户数", "date": "日期", "pre_job_training_rate": "岗前培训率",
    "tender_deadline": "招标截止", "opened": "开业时间", "partner": "合作单位", "days": "天数",
    "rules": "规则", "street_centers": "街道服务中心", "township_center_coverage": "乡镇中心覆盖率",
    "new_housing_service_rooms": "新建小区服务用房", "old_housing_service_rooms": "老旧小区服务用房",
    "nursing_bed_ratio": "护理型床位占比", "training_classes": "培训班", "monthly_visit_rate": "每月探访率",
    "hospice_wards": "安宁疗护病区", "acceptance_deadline": "验收截止", "signed_on": "签署日期",
    "per_city": "每市", "founded": "成立时间", "supervisor": "主管单位", "supervisors": "主管单位",
    "sessions": "届数", "session": "届次", "employed": "就业人数", "destination": "目的地", "organizer": "主办单位",
    "assessors": "评估人员", "places": "地点", "companies": "企业", "planned_year": "计划年份",
    "medical_staff": "医护人员", "duration": "时长", "public_welfare_posts": "公益岗位", "measures": "措施数",
    "brands_regional": "区级品牌", "brands_national": "国家级品牌", "public_institution_rating_target": "公办机构评级目标",
    "standards_compliance": "达标情况", "related_doc_no": "相关文号", "related_doc_date": "相关文件日期",
    "inspection_date": "检查日期", "funding": "资金", "task_count": "任务数",
    "health_management_rate_65plus": "65岁以上健康管理率", "county_kangyang_centers": "县级康养中心",
    "age": "年龄", "target_2023": "2023年目标", "brand": "品牌", "compliance_rate": "达标率", "clinics": "诊所",
    "brands": "品牌", "nursing_beds_per_1000": "每千名老人护理床位", "homestay_area": "民宿面积",
    "self_drive_camps": "自驾营地", "brand_products": "品牌产品", "planting_area": "种植面积",
    "herb_brands": "中药材品牌", "food_medicine_products": "药食同源产品", "events": "活动",
    "target_enterprises": "目标企业", "trainees": "培训人数", "reporting": "报送要求", "leader": "负责人",
    "members": "成员", "industry_category": "行业类别", "projects": "项目", "work_targets": "工作目标",
    "enterprises": "企业", "parts": "组成", "prep_deadline": "准备截止", "venue": "地点", "parties": "参与方",
    "signers": "签署方", "provinces": "省份", "documents": "文件", "total_bases": "基地总数",
    "guangdong": "广东", "liaoning": "辽宁", "heilongjiang": "黑龙江", "jiangxi": "江西", "guangxi": "广西",
    "jilin": "吉林", "procedure": "程序",
}
BY_LABEL = {label: key for key, label in reversed(ATTR_LABELS.items())}  # first key wins for shared names


def label(key: str) -> str:
    return ATTR_LABELS.get(key, key)


def key_of(written: str) -> str:
    """The attr key for what an advisor typed: a Chinese name or the key itself."""
    return BY_LABEL.get(written, written)
