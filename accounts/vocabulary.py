"""The default expected-value drivers and the default sales roadmap (the hotel sales cycle
with its 26 key nodes), in English and Simplified Chinese.

Directors edit both as data (the roadmap settings page, the admin); this only ensures the
defaults exist — after every migrate and after a test-database flush — and never
overwrites an edit or brings back what was switched off.
"""

# code, English, Chinese, order
VALUE_DRIVERS = [
    ("price", "Price", "价格", 10),
    ("location", "Location", "地理位置", 20),
    ("flexibility", "Flexibility (cancellation, changes)", "灵活性（取消与更改）", 30),
    ("billing", "Billing (direct billing, monthly invoice)", "结算方式（挂账、月结）", 40),
    ("meeting-space", "Meeting space", "会议场地", 50),
    ("service", "Service quality", "服务品质", 60),
    ("room-quality", "Room quality", "客房品质", 70),
    ("loyalty-benefits", "Loyalty benefits for travellers", "常客礼遇", 80),
    ("transport", "Airport and office transfers", "机场与办公室接送", 90),
    ("safety", "Safety and duty of care", "安全保障", 100),
]

# stage code, English, Chinese, order, milestones must be ticked in order,
# [(milestone code, English, Chinese)]
ROADMAP = [
    (
        "prospect",
        "Prospect",
        "潜在客户开发",
        10,
        True,
        [
            ("identify-account", "Account identified and qualified", "识别并确认目标客户"),
            ("map-decision-unit", "Decision makers and bookers identified", "理清决策链与预订人"),
            ("first-contact", "First contact made", "完成首次接触"),
            ("needs-volume", "Travel needs and volume understood", "了解差旅需求与用房量"),
        ],
    ),
    (
        "site-visit",
        "Site visit",
        "实地考察",
        20,
        True,
        [
            ("invite-inspection", "Site inspection invited", "邀请实地考察"),
            ("inspection-done", "Site inspection hosted", "完成实地考察"),
            ("inspection-feedback", "Feedback from the inspection recorded", "记录考察反馈"),
        ],
    ),
    (
        "proposal",
        "Proposal",
        "方案呈现",
        30,
        True,
        [
            ("expected-value", "Expected value and drivers scored", "评估客户期望价值"),
            ("discovery", "Pressures, goals and challenges explored", "探索外部压力、业务目标与内部挑战"),
            ("competitors", "Competitors and our position assessed", "评估竞争对手与我方定位"),
            ("unique-proposal", "Unique proposal written", "撰写独特价值方案"),
            ("proposal-presented", "Proposal presented to the decision maker", "向决策人呈现方案"),
        ],
    ),
    (
        "follow-up",
        "Follow-up",
        "跟进",
        40,
        False,
        [
            ("objections", "Objections answered", "解答客户异议"),
            ("internal-alliance", "Account team (internal alliance) set up", "建立内部联盟（客户团队）"),
            ("high-level-contact", "High-level relationship established", "建立高层关系"),
            ("terms-negotiated", "Rates and terms negotiated", "完成价格与条款谈判"),
        ],
    ),
    (
        "contract",
        "Contract",
        "签约",
        50,
        True,
        [
            ("agreement-sent", "Agreement sent", "发送协议"),
            ("agreement-signed", "Agreement signed", "签署协议"),
            ("rates-loaded", "Rate codes loaded at the hotels", "房价代码已录入酒店系统"),
        ],
    ),
    (
        "fulfilment",
        "Fulfilment",
        "履约",
        60,
        False,
        [
            ("bookers-briefed", "Bookers briefed on how to book", "培训预订人员"),
            ("first-stays", "First travellers stayed", "首批客人入住"),
            ("first-review", "First production review held", "完成首次产量回顾"),
        ],
    ),
    (
        "regular-visits",
        "Regular visits",
        "定期拜访",
        70,
        False,
        [
            ("quarterly-review", "Quarterly business review held", "完成季度业务回顾"),
            ("satisfaction-check", "Traveller satisfaction checked", "回访客人满意度"),
            ("level-reviewed", "Relationship level reviewed", "复核客户关系等级"),
            ("renewal", "Renewal negotiated", "完成续约谈判"),
        ],
    ),
]


def ensure_defaults(using="default", **kwargs) -> None:
    from django.db import connections

    from .models import RoadmapMilestone, RoadmapStage, ValueDriver

    tables = connections[using].introspection.table_names()
    if not {ValueDriver._meta.db_table, RoadmapMilestone._meta.db_table} <= set(tables):
        return  # migrated back below the tables (``migrate accounts zero``)
    drivers = set(ValueDriver.objects.values_list("code", flat=True))
    ValueDriver.objects.bulk_create(
        [
            ValueDriver(code=code, name=name, name_zh=name_zh, sort_order=order)
            for code, name, name_zh, order in VALUE_DRIVERS
            if code not in drivers
        ]
    )
    stages = {s.code: s for s in RoadmapStage.objects.all()}
    milestones = set(RoadmapMilestone.objects.values_list("code", flat=True))
    for code, name, name_zh, order, in_order, steps in ROADMAP:
        stage = stages.get(code)
        if stage is None:
            stage = RoadmapStage.objects.create(
                code=code, name=name, name_zh=name_zh, sort_order=order, requires_order=in_order
            )
        RoadmapMilestone.objects.bulk_create(
            [
                RoadmapMilestone(stage=stage, code=m_code, name=m_name, name_zh=m_zh, sort_order=10 * (i + 1))
                for i, (m_code, m_name, m_zh) in enumerate(steps)
                if m_code not in milestones
            ]
        )
