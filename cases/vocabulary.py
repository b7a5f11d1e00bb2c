"""Real discipline-inspection vocabulary for demo and scale data (summaries, allegations, units)."""

PROBLEMS = [
    ("违规收受管理服务对象礼品礼金", "integrity", "other"),
    ("在工程项目招投标中串通投标、插手干预", "integrity", "procurement"),
    ("救灾物资采购中随意取消中标结果", "work", "procurement"),
    ("违规发放津贴补贴", "integrity", "other"),
    ("优亲厚友违规认定低保对象", "mass", "social_security"),
    ("截留挪用扶贫项目资金", "integrity", "rural"),
    ("征地拆迁补偿款发放不公开", "mass", "rural"),
    ("违规经商办企业", "integrity", "other"),
    ("公款吃喝、公款旅游", "integrity", "other"),
    ("对群众诉求推诿扯皮、吃拿卡要", "mass", "employment"),
    ("落实耕地保护政策不力", "work", "ecology"),
    ("学校食堂“校园餐”采购中收受回扣", "integrity", "education"),
    ("套取医保基金", "law", "medical"),
    ("形式主义、官僚主义问题突出", "work", "other"),
    ("违规组织大操大办婚丧喜庆事宜", "life", "other"),
    ("招聘考试中违规操作、弄虚作假", "organisational", "employment"),
    ("环境监管执法中失职失责", "work", "ecology"),
    ("虚报冒领农业补贴资金", "integrity", "rural"),
]

UNITS = [
    ("区应急管理局", "局长"),
    ("区教育体育局", "副局长"),
    ("区卫生健康局", "科长"),
    ("区自然资源局", "股长"),
    ("区人力资源和社会保障局", "副局长"),
    ("区民政局", "科长"),
    ("区住房和城乡建设局", "局长"),
    ("区生态环境分局", "副局长"),
    ("区医疗保障局", "局长"),
    ("镇人民政府", "镇长"),
    ("镇人民政府", "副镇长"),
    ("街道办事处", "主任"),
    ("村民委员会", "主任"),
    ("区农业农村局", "副局长"),
]

ORGANISATIONS = ["党委", "党组", "党支部", "领导班子"]

GIVEN_NAMES = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国志红"
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"

REPORTER_RELATIONS = ["投标公司员工", "本村村民", "单位职工", "知情群众", "服务对象", "退休干部"]
