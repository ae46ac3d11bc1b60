"""Plain-word service queries (issue 18, "Plain language"): what citizens type for a service,
each with the official terms of the service items it should reach.

Written apart from the table (``indexer/data/plain_language.txt``), phrased the way citizens
type — whole questions, particles, their own verbs — from the demo cluster's service items
(``exchange/data/demo_templates.json``, ``TOPICS[..]["services"]``) and from common 政务服务 items
the demo lacks. ``split`` is :func:`indexer.plain_language.split` of the query text: the
matching rules were tuned on ``dev`` queries and table pairs only; report on ``test``.

``demo`` says whether one of the official terms is a service item of the demo cluster (so
that an evaluation on the demo can expect a service guide to be found at all).
"""

from dataclasses import dataclass
from functools import cache

from exchange.demo.templates import TOPICS
from indexer.plain_language import split


@dataclass(frozen=True)
class ServiceQuery:
    text: str
    officials: tuple[str, ...]

    @property
    def split(self) -> str:
        return split(self.text)

    @property
    def demo(self) -> bool:
        return any(term in demo_services() for term in self.officials)


@cache
def demo_services() -> frozenset[str]:
    return frozenset(s for topic in TOPICS.values() for s in topic.get("services", ()))


_QUERIES = [
    # The demo's own service items.
    ("公积金怎么取出来", "住房公积金提取"),
    ("离职了公积金能取吗", "住房公积金提取"),
    ("租房可以取公积金吗", "住房公积金提取"),
    ("公积金贷款买房", "住房公积金个人住房贷款申请"),
    ("用公积金贷款要什么条件", "住房公积金个人住房贷款申请"),
    ("换城市工作公积金怎么转", "住房公积金异地转移接续"),
    ("去外地看病怎么报销", "医保异地就医备案"),
    ("在外地住院医保能用吗", "医保异地就医备案"),
    ("农村医保怎么交", "城乡居民医保参保登记"),
    ("给孩子买医保", "城乡居民医保参保登记"),
    ("高血压糖尿病门诊报销", "门诊特殊病慢性病待遇认定"),
    ("慢性病卡怎么办", "门诊特殊病慢性病待遇认定"),
    ("社保卡怎么办", "社会保障卡申领"),
    ("社保卡丢了怎么补", "社会保障卡申领"),
    ("农民怎么交养老保险", "城乡居民养老保险参保登记"),
    ("换工作社保怎么转", "养老保险关系转移接续"),
    ("社保从外省转回来", "养老保险关系转移接续"),
    ("家里房子是危房有补助吗", "农村危房改造补助申请"),
    ("脱贫户贷款", "脱贫人口小额信贷申请"),
    ("野猪吃了庄稼谁赔", "野生动物致害补偿申请"),
    ("种咖啡有补贴吗", "咖啡种植补贴申报"),
    ("开旅行社要什么手续", "旅行社设立许可"),
    ("想当导游怎么办证", "导游证申领"),
    ("上山烧荒要批准吗", "野外用火审批"),
    ("砍自家的树要审批吗", "林木采伐许可证核发"),
    ("孩子转学怎么办", "义务教育阶段转学办理"),
    ("孩子上小学报名", "适龄儿童入学登记"),
    ("孩子上学报名", "适龄儿童入学登记"),
    ("怎么考教师证", "教师资格认定"),
    ("开公司要跑几个部门", "企业开办“一窗通办”"),
    ("开个小饭馆要办什么证", "个体工商户登记", "食品经营许可"),
    ("开个小卖部", "个体工商户登记"),
    ("营业执照地址变了", "营业执照变更登记"),
    ("查政府文件怎么申请", "政府信息公开申请"),
    ("手机上的电子身份证", "电子证照申领"),
    ("打新冠疫苗预约", "新冠病毒疫苗接种预约"),
    ("孩子疫苗本丢了", "预防接种证补办"),
    ("失业了去哪登记", "失业登记"),
    ("没工作了怎么领钱", "失业登记", "失业保险金申领"),
    ("自己创业贷款", "创业担保贷款申请"),
    ("考个技能证书", "职业技能等级认定"),
    ("工厂排污要办什么证", "排污许可证申领"),
    ("办厂要做环评吗", "建设项目环境影响评价审批"),
    # Common 政务服务 items the demo lacks.
    ("新生儿上户口", "出生登记"),
    ("刚生的孩子怎么上户口", "出生登记"),
    ("生孩子要办什么", "生育登记", "出生医学证明"),
    ("准生证在哪里办", "生育服务证", "生育登记"),
    ("生二胎要登记吗", "生育登记"),
    ("出生证丢了", "出生医学证明补发"),
    ("领结婚证要带什么", "结婚登记"),
    ("离婚去哪里办", "离婚登记"),
    ("结婚证丢了怎么补", "补领婚姻登记证"),
    ("身份证丢了怎么办", "居民身份证补领"),
    ("身份证快过期了", "居民身份证换领"),
    ("户口迁到城里", "户口迁移"),
    ("买了房子能落户吗", "购房落户"),
    ("外地人办居住证", "居住证办理"),
    ("退休金在哪里领", "基本养老金申领"),
    ("退休要办什么手续", "职工正常退休（职）申请"),
    ("驾照到期怎么换", "机动车驾驶证期满换证"),
    ("驾照丢了怎么补", "机动车驾驶证补领"),
    ("新车怎么上牌", "机动车注册登记"),
    ("二手车过户流程", "机动车转移登记"),
    ("房产证怎么办", "不动产登记", "不动产权证书"),
    ("房子过户要交什么税", "不动产转移登记", "契税申报"),
    ("房贷还完了怎么解押", "不动产抵押权注销登记"),
    ("个税怎么退", "个人所得税综合所得汇算清缴"),
    ("个体户怎么报税", "纳税申报"),
    ("开发票去哪里", "代开增值税发票"),
    ("廉租房怎么申请", "公共租赁住房申请"),
    ("老楼加电梯", "既有住宅加装电梯"),
    ("动用维修基金", "住宅专项维修资金使用"),
]

SERVICE_QUERIES = [ServiceQuery(text, tuple(officials)) for text, *officials in _QUERIES]


def service_queries(half: str | None = None) -> list[ServiceQuery]:
    """The queries, or only those of one half (``"dev"`` or ``"test"``)."""
    return [q for q in SERVICE_QUERIES if half is None or q.split == half]
