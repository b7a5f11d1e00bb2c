"""The Yunnan fault-tolerance and exemption catalogue (容错免责清单), loaded as data.

Rows are keyed by the province's division code, so this runs whether or not the commission tree exists.
"""

import datetime

from django.db import migrations

YUNNAN = "530000"
IN_FORCE_FROM = datetime.date(2020, 1, 1)

ENTRIES = [
    (
        "YN-01",
        "在推进改革中因缺乏经验、先行先试出现失误，且未谋取私利的",
        "Errors from lack of experience while piloting reforms, without seeking private gain",
    ),
    (
        "YN-02",
        "在上级尚无明确限制的探索性工作中出现失误的",
        "Errors in exploratory work that higher authorities had not expressly restricted",
    ),
    (
        "YN-03",
        "在脱贫攻坚、乡村振兴等重点工作中，为完成紧急任务、因客观条件限制出现偏差的",
        "Deviations under objective constraints while completing urgent tasks in poverty alleviation "
        "and rural revitalisation",
    ),
    (
        "YN-04",
        "在处置突发事件、抢险救灾、疫情防控中因情况紧急临机决断出现失误的",
        "Errors of on-the-spot decisions in emergencies, disaster relief or epidemic prevention",
    ),
    (
        "YN-05",
        "在招商引资、项目建设中按集体决策程序推进，因政策调整或不可抗力造成损失的",
        "Losses from policy changes or force majeure in investment promotion or projects "
        "carried out under collective decision procedures",
    ),
    (
        "YN-06",
        "在生态环境保护工作中依规履职，因历史遗留问题出现失误的",
        "Errors caused by problems left over from the past while performing environmental duties by the rules",
    ),
    (
        "YN-07",
        "因国家政策调整或上级决策部署变化，未能达到预期效果的",
        "Expected results not achieved because national policy or higher-level decisions changed",
    ),
    (
        "YN-08",
        "在边境管控、民族团结进步示范区建设等工作中积极作为出现失误的",
        "Errors from active efforts in border control or building ethnic unity demonstration zones",
    ),
    (
        "YN-09",
        "主动发现并及时纠正错误，有效避免或挽回损失的",
        "Errors found and corrected on one's own initiative, avoiding or recovering the losses",
    ),
]

RETIRED = [
    (
        "YN-2016-03",
        "在改革创新中因政策界限不明确出现失误的（2016年版，已废止）",
        "Errors in reform where policy limits were unclear (2016 edition, retired)",
        datetime.date(2016, 6, 1),
        datetime.date(2019, 12, 31),
    ),
]


def load(apps, schema_editor):
    Entry = apps.get_model("accountability", "ExemptionEntry")
    for code, title, title_en in ENTRIES:
        Entry.objects.update_or_create(
            province_code=YUNNAN,
            code=code,
            defaults={"title": title, "title_en": title_en, "in_force_from": IN_FORCE_FROM, "retired": False},
        )
    for code, title, title_en, start, end in RETIRED:
        Entry.objects.update_or_create(
            province_code=YUNNAN,
            code=code,
            defaults={"title": title, "title_en": title_en, "in_force_from": start, "in_force_to": end, "retired": True},
        )


def unload(apps, schema_editor):
    Entry = apps.get_model("accountability", "ExemptionEntry")
    codes = [e[0] for e in ENTRIES] + [e[0] for e in RETIRED]
    Entry.objects.filter(province_code=YUNNAN, code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("accountability", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
