"""The default preference vocabulary.  Admins extend it; this only ensures the defaults
exist (after every migrate, and after a test-database flush), never overwrites edits."""

VOCABULARY = [
    # (code, category, group, label, order)
    ("bed-king", "room", "bed type", "King bed", 10),
    ("bed-twin", "room", "bed type", "Twin beds", 11),
    ("non-smoking", "room", "smoking", "Non-smoking room", 20),
    ("smoking", "room", "smoking", "Smoking room", 21),
    ("high-floor", "room", "floor", "High floor", 30),
    ("low-floor", "room", "floor", "Low floor", 31),
    ("pillow-feather", "room", "pillow", "Feather pillow", 40),
    ("pillow-hypoallergenic", "room", "pillow", "Hypoallergenic pillow", 41),
    ("pillow-firm", "room", "pillow", "Firm pillow", 42),
    ("minibar-empty", "room", "minibar", "Empty minibar", 50),
    ("minibar-soft-drinks", "room", "minibar", "Soft drinks only in minibar", 51),
    ("quiet-room", "room", "quiet", "Quiet room away from lift", 60),
    ("accessible-room", "room", "accessibility", "Wheelchair-accessible room", 70),
    ("diet-vegetarian", "dining", "diet", "Vegetarian", 10),
    ("diet-halal", "dining", "diet", "Halal", 11),
    ("diet-gluten-free", "dining", "diet", "Gluten-free", 12),
    ("allergy-nuts", "dining", "allergy", "Nut allergy", 20),
    ("breakfast-chinese", "dining", "breakfast", "Chinese breakfast", 30),
    ("breakfast-early", "dining", "breakfast", "Early breakfast", 31),
    ("newspaper", "amenities", "newspaper", "Daily newspaper", 10),
    ("extra-towels", "amenities", "bathroom", "Extra towels", 20),
    ("bathrobe-kids", "amenities", "bathroom", "Children's bathrobe", 21),
    ("tea-kettle", "amenities", "in-room", "Tea kettle and green tea", 30),
    ("late-checkout", "amenities", "service", "Late check-out when possible", 40),
]

# Chinese labels of the defaults (admins edit them like the English ones).
LABELS_ZH = {
    "bed-king": "大床",
    "bed-twin": "双床",
    "non-smoking": "无烟房",
    "smoking": "吸烟房",
    "high-floor": "高楼层",
    "low-floor": "低楼层",
    "pillow-feather": "羽绒枕",
    "pillow-hypoallergenic": "防过敏枕",
    "pillow-firm": "硬枕",
    "minibar-empty": "清空迷你吧",
    "minibar-soft-drinks": "迷你吧仅放软饮",
    "quiet-room": "远离电梯的安静房间",
    "accessible-room": "无障碍客房",
    "diet-vegetarian": "素食",
    "diet-halal": "清真",
    "diet-gluten-free": "无麸质",
    "allergy-nuts": "坚果过敏",
    "breakfast-chinese": "中式早餐",
    "breakfast-early": "提早供应早餐",
    "newspaper": "每日报纸",
    "extra-towels": "加毛巾",
    "bathrobe-kids": "儿童浴袍",
    "tea-kettle": "电水壶和绿茶",
    "late-checkout": "尽可能延迟退房",
}

# Preferences that reveal health, religion or a disability: stored only with the guest's
# consent to sensitive preferences, or marked as an operational need with a reason.
SENSITIVE_CODES = frozenset(
    {"accessible-room", "diet-halal", "diet-gluten-free", "allergy-nuts", "pillow-hypoallergenic"}
)


def ensure_default_vocabulary(**kwargs) -> None:
    from .models import PreferenceType

    existing = set(PreferenceType.objects.values_list("code", flat=True))
    PreferenceType.objects.bulk_create(
        [
            PreferenceType(
                code=code,
                category=category,
                group=group,
                label=label,
                label_zh=LABELS_ZH.get(code, ""),
                sort_order=order,
                is_sensitive=code in SENSITIVE_CODES,
            )
            for code, category, group, label, order in VOCABULARY
            if code not in existing
        ]
    )
    # Defaults created before labels had a Chinese column get theirs (an admin's own
    # Chinese label is never overwritten).
    unlabelled = list(PreferenceType.objects.filter(code__in=LABELS_ZH, label_zh=""))
    for preference_type in unlabelled:
        preference_type.label_zh = LABELS_ZH[preference_type.code]
    if unlabelled:
        PreferenceType.objects.bulk_update(unlabelled, ["label_zh"])
