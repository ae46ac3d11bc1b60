"""The key lines of a service guide (办事指南) that a service card shows: who may apply, what to
bring, where to go, whom to call — read from the body's labelled lines (``办理条件：…``).

>>> body = ("三、申请条件：年满16周岁。\\n四、申请材料：1.身份证；2.照片。\\n"
...         "七、收费标准：不收费。办理地点：施甸县政务服务中心3号窗口。咨询电话：0875-8122345。")
>>> for line in key_lines(body):
...     print(line.label, line.text)
办理条件 年满16周岁
申请材料 1.身份证；2.照片
办理地点 施甸县政务服务中心3号窗口
咨询电话 0875-8122345
"""

import re
from dataclasses import dataclass

# The card's lines, in the order shown, each with the labels guides use for it.
LABELS = (
    ("办理条件", ("办理条件", "申请条件", "受理条件", "申办条件")),
    ("申请材料", ("申请材料", "所需材料", "申报材料", "办理材料", "提交材料")),
    ("办理地点", ("办理地点", "受理地点", "办理地址", "办公地址", "服务窗口")),
    ("咨询电话", ("咨询电话", "联系电话", "咨询方式")),
)
MAX_CHARS = 120


@dataclass(frozen=True)
class KeyLine:
    label: str
    text: str


def key_lines(body: str) -> list[KeyLine]:
    """The card's lines a guide's body has, each at most :data:`MAX_CHARS` characters."""
    lines = []
    for label, names in LABELS:
        pattern = re.compile(rf"(?:{'|'.join(names)})\s*[：:]\s*([^。\n]+)")
        found = pattern.search(body)
        if found:
            text = found.group(1).strip(" ；;，,")
            if len(text) > MAX_CHARS:
                text = text[: MAX_CHARS - 1] + "…"
            if text:
                lines.append(KeyLine(label, text))
    return lines
