"""Texts of Aliyun SMS (阿里云短信) and of the replies members send back (退订, STOP, 1 for an event)."""

MESSAGES: dict[str, dict[str, str]] = {
    # --- Aliyun settings, checked with Aliyun before anything is sent ---
    "aliyun.sign_rejected": {
        "en": "Aliyun does not accept the signature \"{sign}\" (channels.sms.sign_name): {detail}",
        "zh": "阿里云不接受签名“{sign}”（channels.sms.sign_name）：{detail}",
    },
    "aliyun.sign_rejected.hint": {
        "en": "Write the signature exactly as approved in the Aliyun SMS console (without 【】), or wait for its "
              "approval. Nothing was sent.",
        "zh": "请按阿里云短信控制台中已审核通过的签名原样填写（不带【】），或等待审核通过。没有发送任何消息。",
    },
    "aliyun.template_unknown": {
        "en": "{setting}: Aliyun has no template {template_code} ({detail})",
        "zh": "{setting}：阿里云没有模板 {template_code}（{detail}）",
    },
    "aliyun.template_unknown.hint": {
        "en": "Copy the template code (模板CODE, e.g. SMS_123456789) from the Aliyun SMS console into config.yaml. "
              "Nothing was sent.",
        "zh": "请从阿里云短信控制台复制模板CODE（如 SMS_123456789）到 config.yaml。没有发送任何消息。",
    },
    "aliyun.template_not_approved": {
        "en": "{setting}: Aliyun has not approved template {template_code} ({detail})",
        "zh": "{setting}：阿里云模板 {template_code} 尚未审核通过（{detail}）",
    },
    "aliyun.template_not_approved.hint": {
        "en": "Wait for the approval, or use an approved template. Nothing was sent.",
        "zh": "请等待审核通过，或换用已通过的模板。没有发送任何消息。",
    },
    "aliyun.template_variables": {
        "en": "{setting}: template {template_code} takes the variables {found} at Aliyun, config.yaml declares {declared}",
        "zh": "{setting}：阿里云模板 {template_code} 的变量是 {found}，config.yaml 声明的是 {declared}",
    },
    "aliyun.template_variables.hint": {
        "en": "Make `variables:` in config.yaml list exactly the ${{...}} names of the approved template. "
              "Nothing was sent.",
        "zh": "请让 config.yaml 中的 `variables:` 与已审核模板中的 ${{...}} 变量名完全一致。没有发送任何消息。",
    },
    # --- members' replies, read at the start of today and refresh ---
    "replies.read": {
        "en": "{new} SMS replies read: {opt_out} opt-outs (recorded, no more SMS to them), {confirm} event "
              "confirmations, {other} for staff (see \"{sheet}\")",
        "zh": "读取到 {new} 条短信回复：退订 {opt_out} 条（已记录，不再发短信），确认参加活动 {confirm} 条，"
              "待店员处理 {other} 条（见“{sheet}”）",
    },
}
