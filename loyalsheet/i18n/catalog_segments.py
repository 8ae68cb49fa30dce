"""Texts of the segments: names of quadrants, stages and RFM groups, and the reasons for each assignment.

``seg.<kind>.<value>`` names a segment; ``seg.why.<code>`` says why a member is (or is not) in one.
``seg.period.*`` are nested in reasons that name the spend they count ("in the last 12 months").
"""

MESSAGES: dict[str, dict[str, str]] = {
    # --- names ---
    "seg.quadrant.confidant": {"en": "confidant", "zh": "知己"},
    "seg.quadrant.butterfly": {"en": "butterfly", "zh": "蝴蝶"},
    "seg.quadrant.barnacle": {"en": "barnacle", "zh": "藤壶"},
    "seg.quadrant.stranger": {"en": "stranger", "zh": "陌生人"},
    "seg.stage.potential": {"en": "potential", "zh": "潜在"},
    "seg.stage.new": {"en": "new", "zh": "新客"},
    "seg.stage.growing": {"en": "growing", "zh": "成长"},
    "seg.stage.mature": {"en": "mature", "zh": "成熟"},
    "seg.stage.declining": {"en": "declining", "zh": "衰退"},
    "seg.stage.lapsed": {"en": "lapsed", "zh": "流失"},
    "seg.rfm.champions": {"en": "champions", "zh": "冠军客户"},
    "seg.rfm.loyal": {"en": "loyal", "zh": "忠诚客户"},
    "seg.rfm.potential_loyalists": {"en": "potential loyalists", "zh": "潜力客户"},
    "seg.rfm.new": {"en": "new customers", "zh": "新客户"},
    "seg.rfm.promising": {"en": "promising", "zh": "有望客户"},
    "seg.rfm.need_attention": {"en": "need attention", "zh": "需关注客户"},
    "seg.rfm.about_to_sleep": {"en": "about to sleep", "zh": "将沉睡客户"},
    "seg.rfm.at_risk": {"en": "at risk", "zh": "有流失风险"},
    "seg.rfm.cant_lose": {"en": "can't lose them", "zh": "不能失去的客户"},
    "seg.rfm.hibernating": {"en": "hibernating", "zh": "沉睡客户"},
    "seg.rfm.lost": {"en": "lost", "zh": "已流失客户"},
    "seg.yes": {"en": "yes", "zh": "是"},
    "seg.no": {"en": "no", "zh": "否"},
    "seg.from.median": {"en": "median", "zh": "中位数"},
    "seg.from.settings": {"en": "set in config.yaml", "zh": "config.yaml 设定"},
    "seg.period.window": {"en": "in the last {months} months", "zh": "近{months}个月"},
    "seg.period.lifetime": {"en": "to date", "zh": "累计"},
    # --- quadrants ---
    "seg.why.confidant": {
        "en": "confidant: {visits} visits (> {visits_threshold}) and spend {spend} (> {spend_threshold}) in the last {months} months",
        "zh": "知己：近{months}个月到店 {visits} 次（多于 {visits_threshold}），消费 {spend}（高于 {spend_threshold}）",
    },
    "seg.why.butterfly": {
        "en": "butterfly: {visits} visits (≤ {visits_threshold}) but spend {spend} (> {spend_threshold}) in the last {months} months",
        "zh": "蝴蝶：近{months}个月到店 {visits} 次（不多于 {visits_threshold}），但消费 {spend}（高于 {spend_threshold}）",
    },
    "seg.why.barnacle": {
        "en": "barnacle: {visits} visits (> {visits_threshold}) but spend {spend} (≤ {spend_threshold}) in the last {months} months",
        "zh": "藤壶：近{months}个月到店 {visits} 次（多于 {visits_threshold}），但消费 {spend}（不高于 {spend_threshold}）",
    },
    "seg.why.stranger": {
        "en": "stranger: {visits} visits (≤ {visits_threshold}) and spend {spend} (≤ {spend_threshold}) in the last {months} months",
        "zh": "陌生人：近{months}个月到店 {visits} 次（不多于 {visits_threshold}），消费 {spend}（不高于 {spend_threshold}）",
    },
    "seg.why.no_quadrant": {
        "en": "no quadrant: no visit in the last {months} months",
        "zh": "无象限：近{months}个月没有到店",
    },
    # --- RFM ---
    "seg.why.rfm": {
        "en": "{group}: R{r} F{f} M{m} (last visit {days} days ago; {visits} visits and spend {spend} {period})",
        "zh": "{group}：R{r} F{f} M{m}（最近一次到店在 {days} 天前；{period}到店 {visits} 次，消费 {spend}）",
    },
    "seg.why.no_rfm": {"en": "no RFM score: no visit yet", "zh": "无 RFM 评分：尚未到店"},
    "seg.why.no_rfm_window": {
        "en": "no RFM score: no visit in the last {months} months",
        "zh": "无 RFM 评分：近{months}个月没有到店",
    },
    # --- lifecycle ---
    "seg.why.potential": {"en": "potential: registered, no purchase yet", "zh": "潜在：已登记，尚未消费"},
    "seg.why.potential_joined": {
        "en": "potential: registered on {joined}, no purchase yet",
        "zh": "潜在：{joined} 登记，尚未消费",
    },
    "seg.why.lapsed": {
        "en": "lapsed: no visit for {days} days (> {limit})",
        "zh": "流失：已 {days} 天没有到店（超过 {limit} 天）",
    },
    "seg.why.new": {
        "en": "new: first visit on {first}, {days} days ago (≤ {limit})",
        "zh": "新客：{first} 首次到店，{days} 天前（不超过 {limit} 天）",
    },
    "seg.why.declining": {
        "en": "declining: {recent} visits in the last {half} months against {earlier} in the {half} months before (< {share}%)",
        "zh": "衰退：近{half}个月到店 {recent} 次，之前{half}个月 {earlier} 次（不到 {share}%）",
    },
    "seg.why.mature": {
        "en": "mature: {visits} visits since {first} ({days} days; mature from {min_visits} visits and {min_days} days)",
        "zh": "成熟：自 {first} 起到店 {visits} 次（{days} 天；满 {min_visits} 次且满 {min_days} 天为成熟）",
    },
    "seg.why.growing": {
        "en": "growing: {visits} visits since {first} ({days} days; mature from {min_visits} visits and {min_days} days)",
        "zh": "成长：自 {first} 起到店 {visits} 次（{days} 天；满 {min_visits} 次且满 {min_days} 天为成熟）",
    },
    # --- valued members gone quiet ---
    "seg.why.quiet": {
        "en": "gone quiet: no visit for {days} days, usually every {interval} days (> {factor}x)",
        "zh": "沉默：已 {days} 天没有到店，平时约每 {interval} 天来一次（超过 {factor} 倍）",
    },
    "seg.why.quiet_in_rhythm": {
        "en": "in rhythm: last visit {days} days ago, usually every {interval} days (≤ {factor}x)",
        "zh": "节奏正常：最近一次到店在 {days} 天前，平时约每 {interval} 天来一次（不超过 {factor} 倍）",
    },
    "seg.why.quiet_too_soon": {
        "en": "not quiet yet: last visit {days} days ago, usually every {interval} days; quiet from {min_days} days",
        "zh": "尚不算沉默：最近一次到店在 {days} 天前，平时约每 {interval} 天来一次；满 {min_days} 天才算",
    },
    "seg.why.quiet_no_rhythm": {
        "en": "rhythm unknown: fewer than {min} visits",
        "zh": "到店节奏未知：到店不足 {min} 次",
    },
    "seg.why.quiet_not_valued": {
        "en": "not among the valued members: the top {share}% by spend {period} start at {cut}",
        "zh": "不在重要会员之列：{period}消费前 {share}% 的会员从 {cut} 起",
    },
    "seg.why.no_spend": {"en": "no spend {period}", "zh": "{period}没有消费"},
    # (a reason left out where it is never shown: the refresh worker's answer)
    "seg.why.not_kept": {"en": "(not kept)", "zh": "（未保留）"},
    # --- whales ---
    "seg.why.whale": {
        "en": "whale: spend {spend} {period}, in the top {share}% (from {cut})",
        "zh": "大客户：{period}消费 {spend}，位列前 {share}%（{cut} 起）",
    },
    "seg.why.not_whale": {
        "en": "not a whale: the top {share}% by spend {period} start at {cut}",
        "zh": "非大客户：{period}消费前 {share}% 的会员从 {cut} 起",
    },
    # --- preferences ---
    "seg.why.main_category": {
        "en": "{category} buyer: {pct}% of spend in the last {months} months (≥ {min}%)",
        "zh": "偏好{category}：占近{months}个月消费的 {pct}%（不低于 {min}%）",
    },
    "seg.why.mixed": {
        "en": "mixed: the largest category, {category}, is {pct}% of spend in the last {months} months (< {min}%)",
        "zh": "多品类：占比最高的{category}占近{months}个月消费的 {pct}%（低于 {min}%）",
    },
    "seg.why.no_category": {
        "en": "no category: no spend in the last {months} months",
        "zh": "无偏好品类：近{months}个月没有消费",
    },
    "seg.why.uncategorised": {
        "en": "no category: the spend in the last {months} months was typed without categories",
        "zh": "无偏好品类：近{months}个月的消费都没有填写品类",
    },
    "seg.why.age_band": {"en": "age {age}: band {band}", "zh": "{age} 岁：{band} 岁年龄段"},
    "seg.why.age_no_band": {"en": "age {age}: in no band", "zh": "{age} 岁：不在任何年龄段"},
    "seg.why.age_unknown": {"en": "age unknown: no birth year", "zh": "年龄未知：没有出生年份"},
}
