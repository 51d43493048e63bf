"""Answer quality: score a reply before publication, with reasons in Chinese.
Django-free. See docs/answer-quality.md.

Four parts, each in [0, 1]:

- relevance: cosine of character bigrams of the reply and the message (letter-writing
  phrases removed), scaled so that 0.25 already counts as fully relevant;
- completeness: the share of the questions raised in the message (sentences that ask or
  demand something of the unit: not a rhetorical question, a narrative 要求, an opening or
  a closing) whose key bigrams or words the reply takes up, as written or in the reply's
  words (a synonym: 噪音 / 噪声; an abbreviation: 公厕 / 公共厕所), or that it answers in
  kind: a "when" with a date that tells when (将于…, …前, N个工作日内; not the day the letter
  came, nor a past document's date) or, in a reply saying more, with where to ask, a "why not
  yet" with when, a "how much" with an amount, a bus with the line, a "how" with the place to
  go, a "what rule" with the rule; a plea naming only whom it asks and how (恳请…责成相关部门…) is
  answered by a reply that takes up the message, a plea listing measures by one on any of them, a
  demand by a step the reply tells on the thing it is about (古桥: 将对古桥进行加固); a question of a
  kind (whether lawful, when, how much, can I) taken up on its subject wants an answer of that kind
  too, in the reply's sentences on that subject (not a date given for something else), and a sum of
  money (物业费) is matched whole, not by its 物业, while a near word is read as the reply's (驾驶室 /
  驾驶员), and so is a plea's act in the word of its family (关停 / 停止); a request to be told a list
  of things (请告知公租房的申请条件和办理地点; 需要哪些程序和材料?; 需要准备什么材料, 到哪里办理?) counts each item
  as a question, taken up in its own words where they name the thing told (流程, not any 补办 of 补办流程);
- interpretability: facts or policy (经查, 根据《…》, figures), measures taken or planned
  (已/将 + 整改, 协调, 安排, …), and a contact (a phone number or a named office) — a
  third each;
- timeliness: 1 within 15 days of the message, falling linearly to 0 at 60 days; in the product,
  1 up to the case's deadline, falling linearly to 0 at 45 days past it
  (None when the dates are unknown).

score = 100 × (0.3·relevance + 0.3·completeness + 0.3·interpretability + 0.1·timeliness),
timeliness left out (and the rest re-weighted) when unknown. Boilerplate — a reply that
says nothing beyond "已收悉 / 已转相关部门处理 / 感谢您的支持" — is flagged and capped at 20.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from functools import lru_cache

from minsheng.board.deadlines import working_days_between
from minsheng.text_cut import cut

from .places import _BEFORE_A_PLACE, _NOT_IN_NAME
from .text import LONG_NUMBER, SYNONYM_OF, in_words_of, jieba_posseg, normalize, tokenize, word_frequency

_RUN = re.compile(r"[\u3400-\u9fffA-Za-z0-9]+")
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
# a question or a demand: a question mark, a cue that asks (请问, 能否, 是否, 何时, 请告知 …) or
# one that demands (希望, 真的希望, 恳请, 建议, 请…解决/处理/查处 …; not the nouns 希望 of 祖国未来的希望, 没有希望
# and 建议 of 提出处理建议); 要求 / 请求 and the interrogative words count only as _DEMAND and _WEAK_ASK say
_DEMANDS = r"(?<!有)(?<![^真]的)希望|恳请|(?<![出提理化见诉])(?<!以上)(?<!上述)建议|请.{0,6}(?:解决|处理|查处|整治|尽快|加快|落实|回复|调查|核实|督促)"
# the words that ask, one list of each kind for every pattern below that reads them (2026-12-06: each pattern had its own
# copy): to be told, when, whether or can, and the interrogative words, which ask only in a question (``_WEAK_ASK``)
_TELL_ME_CUES = ("请问", "请告知", "请说明", "请解释", "想了解", "想咨询")
_WHEN_CUES = ("何时", "什么时候")
_WHETHER_CUES = ("能否", "可否", "是否")
_WEAK_CUES = ("多久", "为什么", "为何", "怎么", "如何", "哪里", "谁来", "有没有", "能不能")


def _either(*cues: str) -> str:
    return "|".join(cues)


_QUESTION = re.compile(_either(r"[?？]", *_TELL_ME_CUES, *_WHETHER_CUES, *_WHEN_CUES, _DEMANDS))
# the cue words alone, cut out of a question before it is matched: 请督促热力公司尽快排查原因 keeps
# 督促热力公司 (the whole match of 请.{0,6}尽快 took the unit out with it); 请 last, after the cues it begins
_CUE_WORDS = re.compile(_either(r"[?？]", *_TELL_ME_CUES, *_WHETHER_CUES, *_WHEN_CUES, *_WEAK_CUES,
                                "有何", "希望", "恳请", "请求", "要求", r"(?<!以上)(?<!上述)建议", "请"))
# an interrogative word asks only in a question (…怎么办? / 请问…如何申请); in a statement it tells
# (没过多久又坏, 去哪里都不方便, 如何把菜运出去成了难事)
_WEAK_ASK = re.compile(_either(*_WEAK_CUES))
# the cues that ask in words, not by a question mark alone
_ASKS_IN_WORDS = re.compile(_either(*_TELL_ME_CUES, *_WHETHER_CUES, *_WHEN_CUES, "多久", "多长时间", "怎么办"))
_ASKING = re.compile(_either(r"[?？吗呢]", *_TELL_ME_CUES, "想问", "咨询", "想知道"))
# 要求 / 请求 demand when the writer makes them (我们要求…, 强烈要求政府…, 请求撤销…); told of
# someone else (业主向开发商要求公示, 依法要求你提供, 无视业主要求) they ask nothing of the reply
_DEMAND = re.compile(r"(?:^|[,，:：;；、]|我们?|本人|大家|特此|强烈|再次|恳切|迫切|郑重|一致|在此|现|故|因此|为此|所以|特|"
                     r"[一二三四五]是)\s*(?:要求|请求)(?!我|本人)|(?:要求|请求)(?:政府|领导|上级|相关|有关|你们|您|贵|市|县|区|尽快)")
# a rhetorical question states, it asks for no answer: 难道…吗, 岂非…, 试问…, 这不是…吗
_RHETORICAL = re.compile(r"难道|难不成|莫非|莫不是|岂(?:非|不|能|有)|试问|何尝|凭什么|(?:天理|公道|王法)何在|谁来主持公道|还有没有(?:王法|天理)|"
                         r"(?:这|那)不是.{0,40}吗[?？!！]*$|^不是说.{0,40}吗[?？!！]*$|说这公平吗|"
                         # 谈何公道, 何以服众, 职责何在, 这是何道理, 对得起…吗, 置…于何地
                         r"谈何|何谈|何以服众|(?<!原因)(?<!问题)何在[?？!！]*$|何道理|对得起.{0,20}吗|(?:置|至|放)于何地|"
                         # asking whether the unit will look away is a reproach: 有关部门就这样坐视不理?
                         r"坐视不(?:理|管)|置之不理|置若罔闻|视而不见|不闻不问|袖手旁观|无动于衷|而不顾|于不顾|"
                         # an insinuation: 其中是否有何内幕?; a lament: 怎么就这么难啊?
                         r"内幕|猫腻|黑幕|官官相护|别有用心|(?:怎么|为什么|为何)(?:就|会|还)?(?:这么|那么|如此)难|"
                         # a lament: 这样的日子哪天是个头?
                         r"(?:何时|什么时候|哪天)(?:才)?(?:是|能)?(?:个)?(?:头|尽头)|有完没完|"
                         # whenever, not when: 什么时候来办卡就什么时候生效
                         r"什么时候[^,，。?？]{1,8}就什么时候|"
                         # the angry letter's forms, which state and ask nothing: 这合理吗? (这样收费合理吗? asks the
                         # rule), 这是一个部门该有的作风吗?
                         # 不正是…的职责所在吗? 群众的安全就不重要吗? 就没人管吗? 这还算…吗? 真的是…吗? 怎么能…呢?
                         r"^(?:这|那)(?:还|又|也|真的)?(?:合理|公平|公正|合法|合情|正常|应该|对)+(?:吗|么|嘛)[?？!！]*$|"
                         r"(?:这|那|难道|岂)?(?:还|就|也|都)?是[^,，?？]{0,24}(?:该|应该|应|所应|所该)有的[^,，?？]{0,8}吗|"
                         r"不(?:正|就|都|也|明显|恰恰)(?:是|应该|该)[^?？]{0,40}吗[?？!！]*$|"
                         r"就(?:不(?!能|可以|可)|没|能不|应该|该|活该|可以随便|能随便|随便)[^,，?？]{0,24}吗[?？!！]*$|"
                         r"(?:没|没有)人(?:管|过问|负责)(?:了)?(?:吗|呢)|还有(?:人管|王法|天理|人性|良心)吗|还管不管(?!用)|还有没有人管|"
                         # a harm feared, not asked: 万一出了事谁负责?, 如果她想不开怎么办? (not 出了问题怎么办,
                         # which may ask what to do)
                         r"(?:万一|如果|要是|假如|一旦)[^?？。!！]{0,30}(?:出(?:了)?(?:什么)?(?:事|意外|事故|人命)|"
                         r"发生(?:了)?(?:什么)?(?:意外|事故|火灾)|想不开|三长两短|闪失|伤亡)[^?？。!！]{0,10}"
                         r"(?:怎么办|谁(?:来)?(?:负责|承担)|由谁)(?=(?:呢|啊|呀)?(?:[?？!！,，。]|$))|"  # (not 由谁负责赔偿?: whose duty it is)
                         # a privilege named to accuse, never asked of: 这是谁给开锁公司的特权?, 成了法外之地吗?
                         r"(?<!哪些)(?<!什么)(?<!哪种)(?:特权|法外之地|独立王国|私人领地|后花园|提款机|摇钱树|唐僧肉|土皇帝)(?:吗|么|嘛|呢)?[?？!！]*$|"
                         r"这还(?:能|是|有|算|叫)[^,，?？]{0,24}吗[?？!！]*$|就是(?:这样|如此|这么)[^,，?？]{0,24}的吗|"
                         r"心里[^,，?？]{0,6}(?:惭愧|平衡|过意|安心|踏实)[^,，?？]{0,4}吗|(?<!请问)(?<!想问)真的(?:是|那么|这么)?[^,，?？吗]{1,12}吗[?？!！]*$|"
                         r"怎么(?:能|能够|可以|好意思)(?!办|申请|查询|报名|领取|参加)[^?？]{0,40}呢[?？!！]*$|"
                         # and in other words: a lament (怎么反而…呢, 怎么就不行了呢, 为何还要让…), a reproach that
                         # something may be done at will (能随意…吗), a verdict asked of the reader (这就是…的态度吗,
                         # 就这样…的嘛, …的健身区够吗), an accusation (还是…不作为?), a wrong told as a question
                         # (业主的权利就被一张通知拿走了?)
                         r"(?:怎么|为什么|为何)(?:就(?![读近业医诊餐学])|反而|竟然?|居然|偏偏|还要让)|怎么[^,，?？]{0,12}(?:反而|竟然|偏偏)|"
                         r"(?:能|可以)(?:随意|随便|任意|肆意|擅自|厚此薄彼)[^,，?？]{0,20}(?:吗|嘛|么)|"
                         r"(?:这|那)(?:个|种|样)?就是[^,，?？]{0,24}(?:吗|嘛)[?？!！]*$|就(?:是)?(?:这样|如此|这么)[^,，?？]{0,24}(?:吗|嘛)[?？!！]*$|"
                         r"(?<!能不)(?<!够不)够(?:吗|么|嘛)[?？!！]*$|(?:不作为|乱作为|懒政|失职|渎职)(?:吗|呢|了)?[?？!！]*$|"
                         r"(?:就|竟然?|居然)被[^,，?？吗呢]{0,30}[?？!！]+$")
# what a demand is about is said right at its cue: 满街都是乱鸣笛, 建议装鸣笛抓拍设备 is
# answered by a reply on 声纳抓拍系统, not on what the citizen told before it
_CLAUSE = re.compile(r"[^,，、:：]+")
_THANKS_FOR = r"感谢您对[^。!！]{0,20}(?:关心|支持|理解|监督|信任)"  # a form letter's thanks (also stock_phrases)
_COURTESY = re.compile(
    r"网友[“\"]?[A-Za-z0-9]*[”\"]?[:：,，]?|市民同志|尊敬的[^，。,:：]{0,10}|您好[!！,，。]?|你好[!！,，。]?|"
    r"您的留言已收悉|您的来信已收悉|留言已收悉|来信已收悉|已收悉|现将[^。:：]{0,20}(?:答复|回复)如下[:：]?|"
    rf"{_THANKS_FOR}[^。!！]{{0,12}}[。!！]?|谢谢[!！。]?|"
    r"\d{4}年\d{1,2}月\d{1,2}日|[\u3000\s]+"
)
# a title naming what the body asks about: 关于…的建议, 对…的质疑
_SUBJECT = re.compile(r"^(?:关于|对|有关)[^?？]*的(?:建议|意见|请求|诉求|咨询|投诉|质疑|举报|反映)(?:书|信)?[。!！]?$")
# a polite closing asks nothing a reply must answer: 以上建议, 望领导参考 / 希望能够采纳, 谢谢
_CLOSING = re.compile(r"^(?:(?:以上|上述|此|这些)?(?:建议|意见|想法)?|这是[^,，。]{0,30}(?:建议|意见|心声))[,，、]?\s*"
                      r"(?:望|希望|恳请|敬请|请)(?:能够?|各位)?(?:领导|政府|有关部门|相关部门|贵单位)?"
                      r"(?:参考|采纳|考虑|予以考虑|斟酌|重视|批评指正)(?:[和与并及](?:参考|采纳|考虑|重视))?"
                      r"[,，!！。]?\s*(?:谢谢|感谢)?[!！。]?$")
# an opening announces what follows, it asks nothing itself: 领导好, 提一点建议 / 我想反映一个问题 /
# 我有一个建议 / 您好, 想咨询一个问题
_OPENING = re.compile(r"^(?:尊敬的)?(?:各位)?(?:领导|书记|市长|县长|区长|局长)?(?:您|你|们)?好?[,，!！]?\s*"
                      r"(?:我|本人)?(?:想|要)?(?:提|反映|说|咨询|请教|有)(?:一下)?(?:一|几|两|三)?(?:点|个|条)?(?:小)?"
                      r"(?:建议|意见|问题|情况)[。!！:：]?$|"
                      # 在此我想请问一下; / 有3个问题, 想咨询一下。 / 请问一下, 我是城关区的居民。
                      r"^(?:在此|所以|现)?(?:我|本人)?(?:有\d+个(?:具体)?问题[,，]\s*)?(?:想|要)?(?:请问|咨询|问|了解)一下"
                      r"(?:[;；:：,，。!！]?$|[,，]\s*(?:我|本人)(?!.*(?:什么|多少|哪|怎|如何|何时|是否|能否|可否|几))[^?？吗呢]*$)")
# a quotation: words of someone else the writer cites (区长的批示: “请尽快处理…”, 答复称“…”); not the
# writer's own question quoted (咨询“小区何时通气”)
_QUOTED = re.compile(r"(?<=批复|批示|回复|答复|表示|承诺|写着|写道|通知|规定|表态|告知|说道)[:：,，]?\s*"
                     r"(?:“[^“”]{2,80}”|\"[^\"]{2,80}\")|(?<=[说称])[:：,，]?\s*(?:“[^“”]{2,80}”|\"[^\"]{2,80}\")")
# a short sentence that goes on with the question before it (否则…? 还是…? 那么…?) is part of it
_GOES_ON = re.compile(r"(?:否则|还是|那么|或者|或是|并且|而且|以及|而)(?![^?？]{30})")
# a call to the other readers (在此呼吁大家…, 希望各位网友…, 想告诉即将购买的客户…) asks nothing of the unit;
# the writer tells them (请问学校什么时候告诉家长… asks the unit when it will tell)
_TO_OTHERS = re.compile(r"呼吁大家|希望(?:各位|广大)?(?:网友|市民朋友|大家)|"
                        r"(?:我|我们|在此|特此|想|要)(?:告诉|奉劝|提醒)(?:各位|广大|大家|所有)?[^,，。]{0,12}(?:客户|网友|朋友|购房者|消费者|家长)")
# the citizen's own phone number is how to reach them, not something a reply must take up
_OWN_CONTACT = re.compile(r"(?:我的|本人|我)?(?:联系)?(?:电话|手机号?码?|联系方式)(?:号码)?(?:是|为|[:：])?\s*[\d\-—－ ]{7,}")
# 时间 asks when only as 什么时间, 具体时间, 完工时间, 时间表 …: not 抽出时间, 花费的时间, 时间很急
_WHEN = re.compile(r"何时|什么时[候间]|多久|多长时间|哪天|几时|工期|时间表|时间节点|"
                   r"(?:具体|确切|大概|大致|预计|计划|完成|完工|竣工|开工|施工|办理|发放|开通|交付|到位|到账|搬迁|拆迁|开始|结束)的?时间")
# a when feared or told, not asked: 生怕什么时候墙就倒了, 担心哪天出事, 用不了多久就要塌
_NO_WHEN = re.compile(r"(?:生怕|害怕|担心|唯恐|恐怕|说不定)[^,，。;；?？]{0,6}(?:什么时[候间]|何时|哪天)|"
                      r"(?:过不了|用不了|要不了|没过|不用|没)多久")


def _asks_when(question: str) -> bool:
    """Whether ``question`` asks when (``_WHEN``), a when feared or told (``_NO_WHEN``) aside."""
    return bool(_WHEN.search(_NO_WHEN.sub(" ", question)))


# why it is not done yet (为什么至今未拆, 为什么没有动工) is answered by when it will be: 2027年将依法关闭
_NOT_YET = re.compile(r"至今(?:还|仍|都)?(?:未|没|不)|迟迟|为什么(?:还)?(?:没有?|未|不)(?:动工|开工|开建|建设|实施|落实|兑现|拆)")
# how, where, to whom (维权的途径, 需要哪些材料, 到哪里查询, 不知道找谁, 要如何报名, 我该怎么办) is answered by
# telling the citizen where to go or what to do: 可携带相关证据到劳动保障监察机构投诉
_HOW = re.compile(r"途径|渠道|怎么办|(?:如何|怎样|怎么)(?:才能|才可以|可以|能)?(?:办理|申请|维权|处理|查询|投诉|报名|登记|缴纳|"
                  r"领取|补办|迁移?|上户|参加|享受|做|办)|该怎么|流程|手续|材料|哪里|哪个部门|找谁|去哪|到哪")
_DIRECTIVE = re.compile(r"(?:可|可以|请|建议您?|需)(?:您)?(?:携带|持|凭|到|向|通过|拨打|致电|登录|前往|联系|咨询|申请|提交)")
# told where or whom to ask (可以到所辖乡镇办公室咨询, 可与该乡直接联系): the answer to a "when" the
# replying unit cannot give itself; not the 如有疑问请致电 that closes any reply
_REFERRAL = re.compile(r"(?:^|[。;；!！])(?:(?!如有|如需|若有|如对|如您|如果|如还)[^。;；!！])*?(?:可|可以|请|建议您?)(?:您)?(?:直接)?"
                       r"(?:与|向|到|和|前往|拨打|致电)?[^,，。;；!！]{0,14}?(?:联系|咨询|了解|询问|查询)")
# a question about the basis (哪来的依据, 收费标准, 都是什么要求, 如此规定?, 按片区还是按成绩,
# 最终怎么定) is answered by the rule cited: 根据…文件规定
_BASIS = re.compile(r"依据|根据什么|标准|政策|(?:合理|合法|合规)(?:吗|么|嘛|[?？])|(?:什么|哪些|何种|哪条|如此|这样)(?:规定|要求|条件)|"
                    r"按(?:照)?什么|按[^,，。?？]{1,8}还是按|(?:怎么|如何)(?:确定|认定|计算|划分|算|定)|"
                    # why a charge (为什么还要涨价, 为何要收取押金): the rule it is made by
                    r"(?:为什么|为何)[^,，。?？]{0,12}(?:收费|收取|涨价|加价|交费|缴费|罚款)")
_CITED = re.compile(r"《[^》]{2,40}》|(?:根据|依据|按照).{0,40}(?:规定|文件|通知|办法|条例|政策|标准|方案)|标准为|"
                    # a document by its number: 楚政办发[2016]12号, 〔2019〕217号
                    r"[\[〔(（]\d{4}[\]〕)）]\s*\d{1,4}\s*号")
# a time it takes: 前期工作周期需1-2年, 约3个月
_TAKES = r"(?:需要?|约|大约|周期|为期|历时)[^。，,;；]{0,4}\d{1,2}(?:[-~至到]\d{1,2})?(?:个)?(?:工作日|天|周|个?月|年)"
# a date, a time or a time frame; whether it tells when the thing asked will be done is
# ``_when_told``'s to say (the clause it is in)
_DATE = re.compile(r"\d{1,2}月|\d{1,2}日|(?<!\d)\d+(?:个)?(?:工作日|天|周|个月)内|[一二两三四五六七八九十半]+个?(?:工作日|天|周|月|年)内|"
                   r"年底|年内|年末|月底|上半年|下半年|近期|本周|下周|下个?月|今年|明年|(?<!\d)(?:19|20)\d{2}年|" + _TAKES)
# the amount asked for (补考费是多少, 多少钱) is answered by one: 每人次200元, 可免费补考一次
_HOW_MUCH = re.compile(r"多少(?:钱|元|费)|(?:费|价|金|资|补贴|补助|标准)[^,，。?？]{0,4}多少|几块钱")
_AMOUNT = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?:万|亿)?元|免费(?!咨询|热线|电话|服务热线)|免收|不收(?:取)?(?:任何)?费")
# a bus asked for (增加一趟到第四中学的公车, 公交线路) is answered by the line opened or changed, or why
# not yet: 新开通58路, 具体走线为…
_ROUTE = re.compile(r"公交|公车|班车|线路|路线|(?<!\d)\d+路|专线|终点站|始发站|首末站")
_LINE = re.compile(r"(?:开通|新开|增开|开行|新辟|延伸|延长|调整|优化|增设|设置|加密)[^。；;]{0,10}(?:(?<!\d)\d+路|线路|路线|公交|班车|专线|站点|停靠站)|"
                   r"走线|线路走向|途经|经停|"
                   # the line named first: 58路暂无调整计划, 对现有公交线路进行优化
                   r"(?:(?<!\d)\d+路|线路|路线)[^。；;，,]{0,10}?(?:开通|调整|优化|延伸|延长|改线)")
_FORWARDED = re.compile(r"已转(?:交|至|给|办|送)?(?:相关|有关|责任|职能)?(?:部门|单位)|转(?:交|请)?(?:相关|有关)部门(?:处理|办理|研究)|"
                        r"已(?:交|转)由?.{0,10}(?:处理|办理)|正在(?:处理|调查|研究)中?|将(?:尽快|及时)?(?:处理|研究|调查)|"
                        # the form letter's other words: received, taken seriously, someone assigned, please wait
                        r"(?:您反映的问题|您的?(?:留言|来信))?(?:我们)?已(?:经)?(?:收到|知晓)|来信收到|"
                        r"(?:我们|我局|我单位|我委|我办)?(?:非常|十分)?高度重视|已安排专人(?:负责|跟进|处理|办理)?|"
                        r"正在积极(?:协调|处理|研究)(?:解决|处理)?中?|(?:将)?认真研究|妥善处理|请(?:您)?耐心等待|"
                        r"感谢您的(?:关注|监督|支持|理解|信任)(?:[与和、](?:关注|监督|支持|理解|信任))*|"
                        # passed on to a named unit, and what it is to do: 已转某镇核查、办复, 已交该单位调查
                        # 核处, 已发函交办给镇政府进行办理, 已移交区教育局
                        r"(?:(?:已经?|并|现已|已将[^,，。;；]{0,10}?)(?:发函)?(?:转交|移交|交办|转办|转(?![入正让账])|交(?![纳付费通警房款]))|转交|移交|交办)"
                        r"(?:给|至|到|由)?[^,，。;；!！]{0,20}?(?:(?:进行)?(?:处理|办理|核查|调查|核处|办复|答复|回复|研究)"
                        r"(?:[、和与](?:处理|办理|核查|调查|核处|办复|答复|回复))*|"
                        r"(?:部门|单位|局|办|所|镇|乡|街道|公司|支队|大队)(?=[,，。;；!！]|$))|"
                        # and that an answer is to follow: 有情况将及时反馈, 敬请留意后续答复
                        r"(?:如有(?:相关)?情况|办理结果|处理结果)?将(?:会)?及时(?:反馈|回复|答复)(?:发布上网)?|"
                        r"敬请(?:留意|关注)(?:后续|近期)?(?:回复|答复)|稍后会?[^,，。;；!！]{0,10}?做出(?:回复|答复)|答复反馈|调查核处")
_FACTS = re.compile(r"经查|经核实|经调查|经了解|调查核实|核查|根据|依据|按照|《[^》]{2,40}》|规定|条例|办法|政策|文件|标准|"
                    r"(?<![\d.])\d+(?:\.\d+)?(?:万|亿)?(?:元|米|平方米|户|人|天|个|年|月|%|吨|公里)")
_MEASURES = re.compile(r"(?:已|将|正在|已经|立即|尽快|责令|要求|督促|组织|安排|协调|整改|维修|清理|拆除|查处|处罚|约谈|"
                       r"施工|更换|修复|建设|落实|开展|启动|完成|纳入|申报|下发|制定)")
# the message received, in other words than 已收到 / 已知晓 (_FORWARDED): no step taken, though its 已 reads as one
# (「我们已经知道了, 已转相关部门处理」 was told 「已说明采取的措施」 beside 套话: walk of 2026-12-05); 受理, 了解 and
# 登记 only of the message (您的申请已受理 is a step)
_ACKNOWLEDGED = re.compile(r"已经?(?:知悉|知道|看到|获悉|阅悉)|"
                           r"(?:留言|来信|诉求|反映的问题|反映的情况)[^,，。;；!！]{0,6}?已经?(?:受理|了解|登记|记录)")
# a service hotline is a contact too (请致电12345, 可拨打12315): five digits 123xx, not an amount
_CONTACT = re.compile(r"(?:\d{3,4}[-—－ ]?)?\d{7,8}|0\d{2,3}[-—－]\d[\d-]{5,}|1[3-9]\d{9}|(?<![\d.])123\d\d(?!\s*[\d.元万户件个人次米平吨天年条辆起号名])|"
                      r"电话|热线|咨询|联系|致电|拨打|窗口|地址[:：]|办公室|服务中心")
_STOP_GRAMS = frozenset("您好 你好 网友 留言 收悉 问题 反映 情况 回复 答复 如下 现将 感谢 支持 关心 监督 理解 我们 工作 "
                        "部门 相关 有关 希望 请问 谢谢 领导 尊敬 市民 同志".split())

# a stop word cut out of a question leaves a gap, not bigrams across it (请相关部门核查: 核查, not 门核)
_STOP_WORDS = re.compile("|".join(sorted(_STOP_GRAMS, key=len, reverse=True)))
# how a plea asks, not what it is about: 恳请相关部门认真处理 and 希望领导重视, 尽快解决 name nothing a
# reply could echo; they ask for the message as a whole (希望尽快维修道路 still names 维修道路)
_PLEA_WORDS = re.compile(r"高度重视|重视|认真|尽快|及早|尽早|早日|及时|妥善|切实|给予|予以|给以|帮帮|帮助|帮个?忙|解决|处理|"
                         r"办理|关注|政府|出面|亲自|视察|给与|百忙之中|抽空|慎重考虑|体会百姓疾苦|为民做主|拿出实际行动|"
                         r"(?:与我|和我)?联系(?:我|本人)")  # 请尽快联系我: a reply does not echo it
# whom a plea asks and how it asks them to act (恳请各位领导责成有关部门依法履职, 恳请书记帮帮忙, 希望卫生局能够
# 重视), what it refers back to (这件事情, 我们的合理诉求, 以上问题) and whom for (老百姓, 民生): a plea
# naming nothing else asks for the message as a whole, as 恳请帮帮我们 does. Cut only to tell such a
# plea: a question that names something is matched as written (纪委为什么不管? is about the 纪委)
_ASKED_OF = re.compile(r"书记|市长|县长|区长|局长|镇长|乡长|主任|巡视组|纪委|监委|上级|各位|诸位|您们|你们|"
                       r"[\u4e00-\u9fff]{2,4}局(?=能|要|可以|给|出面)|"
                       r"责成|督促|严格执法|依法行政|依法|履职|做主|办(?:一点|点)?实事|为民办事|管一管|过问|批示|严肃处理|(?:不搞)?形式主义|"
                       r"看到(?:后|此信|留言)?|(?:到)?实地(?:查看|考察|看看|走走)|为盼|"
                       r"(?:有效|果断|切实)?采取(?:有效|果断|切实)?措施|考虑考虑|多考虑一下|体谅|着想|给(?:个|一个)?说法|指导性?意见|"
                       r"[还给][^,，。;；!！?？]{0,6}?一个[^,，。;；!！?？]{0,12}|"
                       # asking for an answer, and how soon: 作出一个正式的说明, 10个工作日内给予回复
                       r"(?:做|作|给|给予|给与)出?(?:个|一个)?[^,，。;；!！?？]{0,6}?(?:解释|说明|答复|回复|说法|交代|解答)|"
                       r"(?<!\d)(?:在)?\d+个?(?:工作日|日|天|周|个?月)内|"
                       # asking to be heeded: 希望引起领导注意, 造福于民, 解除后患
                       r"引起[^,，。;；!！?？]{0,8}?(?:注意|重视|关注)|造福|(?:解除|消除|排除)(?:后患|隐患)|"
                       r"这一?件事情?|此事|这个|这种|以上|上述|这些|棘手|(?:合理|合法)?诉求|合法权益|"
                       r"(?:抽出|抽|耽误)[^,，。;；!！?？]{0,6}?时间|倾听|(?:迫切)?心声|老百姓|百姓|群众|民生|我等|草民|小市民|普通|斟酌|各级|(?:本人|我|我们|我家)的?(?:家庭|实际|具体|特殊)情况|和谐社会|为此|因此|所以|再次|衷心地?|诚恳地?|恳切|迫切|能够")

# a concrete step or finding, which no form letter holds (not the bare 已 / 将 / 尽快 of
# 已转相关部门, 将尽快研究, 调查处理, nor 已办结 / 已完成 / 督促整改, which say nothing of what was
# done): a short reply with one (已责成物业维修, 现已恢复运行) is brief, not 套话
_CONCRETE = re.compile(r"经查|经核实|经调查|责令|责成|约谈|维修|清理|拆除|(?<!调)查处|处罚|施工|更换|修复|恢复|"
                       r"安装|疏通|清运|补发|退还")

_HAN_WORD = re.compile("[\u3400-\u9fff]+")
_MARK = re.compile("[?？]")
_PARTICLE = re.compile("[的了地得着们之]")
_NUMERAL = re.compile("[一二两三四五六七八九十百千万几多第]")

BOILERPLATE_CAP = 20
MIN_SUBSTANCE = 25  # characters left after the courtesy phrases
WORDS = 0.3  # share of a question's words in the reply
OFF_MESSAGE = 0.1  # relevance under which a reply naming things of its own is on another subject
OWN_SUBJECT = 5  # things a reply names of its own, none the message's, that put it on another subject
HITS = 5  # shared bigrams that take a long question up, whatever its length
COMMON = 1200  # jieba's frequency of the commonest abbreviation read (环保 1045; 进步 5265, 现在 34145)
WORD_CHARS = 1000  # of a question's part read in words (the longest on tipdm_replies.csv: 613)


def _grams(text: str) -> Counter:
    grams: Counter = Counter()
    for run in _RUN.findall(LONG_NUMBER.sub(" ", normalize(text))):
        for i in range(len(run) - 1):
            g = run[i:i + 2]
            if g not in _STOP_GRAMS:
                grams[g] += 1
    return grams


def _cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    dot = sum(math.log1p(v) * math.log1p(b[g]) for g, v in a.items() if g in b)
    na = math.sqrt(sum(math.log1p(v) ** 2 for v in a.values()))
    nb = math.sqrt(sum(math.log1p(v) ** 2 for v in b.values()))
    return dot / (na * nb)


# _words and _focus read a question twice or three times (its bigrams, its words, and again in
# the reply's words when it seemed unanswered): kept for the questions of the last few replies
@lru_cache(maxsize=64)
def _words(question: str) -> tuple[str, ...]:
    """The words (jieba, two characters or more) of ``_content``'s text: 希望规范药店经营 is
    规范 药店 经营, taken up by a reply on the 药店 whose bigrams 范药 and 店经 no reply holds.
    Those of its first ``WORD_CHARS`` characters: jieba reads a long run of one character in
    quadratic time (50,000 的, a message's limit, took 20 s on every reply preview)."""
    return tuple(w for w in tokenize(_cleaned(question)[:WORD_CHARS])
                 if len(w) >= 2 and _RUN.fullmatch(w) and not w.isdigit())


def _cleaned(question: str) -> str:
    return _PLEA_WORDS.sub(" ", _STOP_WORDS.sub(" ", _OWN_CONTACT.sub(" ", _CUE_WORDS.sub(" ", question))))


@lru_cache(maxsize=256)
def _content(question: str) -> tuple[str, ...]:
    """The bigrams a reply must echo to take a question up: its cue words, the citizen's own
    phone number and the stop words (领导, 您好, 我们, 相关, 部门 …) left out. Kept for the
    questions of the last few replies: whether a plea names nothing and whether the reply
    takes it up both read them."""
    return tuple(g for g in _grams(_cleaned(question)) if not g.isdigit())


@lru_cache(maxsize=64)
def _focus(question: str) -> str:
    """The part of a question its cue is in: from the clause of the first cue on, the clauses
    that name something (three bigrams or more); with only a question mark to go by, the last
    clauses. 满街都是乱鸣笛, 建议装鸣笛抓拍设备, 放在重点路口 is about
    装鸣笛抓拍设备."""
    clauses = _CLAUSE.findall(question)
    cues = [i for i, c in enumerate(clauses) if _CUE_WORDS.search(_NO_WHEN.sub(" ", re.sub(r"[?？]", "", c)))]
    if not _MARK.search(question):
        # without a question mark an interrogative word asks nothing (``_WEAK_ASK``): the part
        # is that of the demand (怎么别的车站都有座位, 所以建议车站安排几个座位: 安排几个座位)
        cues = [i for i in cues if _CUE_WORDS.search(_WEAK_ASK.sub("", clauses[i]))] or cues
    first = cues[0] if cues else None
    step = 1
    if first is None:
        first, step = len(clauses) - 1, -1
    # no bigram spans two clauses: those of the part are those of its clauses, counted as
    # they are picked (the part's text read again at each clause took minutes on a long
    # message of short clauses)
    picked: list[str] = []
    named: set[str] = set()
    i = first
    while 0 <= i < len(clauses):
        picked.append(clauses[i])
        named.update(_content(clauses[i]))
        if len(named) >= 3:
            break
        i += step
    return "，".join(picked[::step])


# the acts a plea asks for (a demand without a question mark), each family one act said in other
# words: a plea to 关停 a quarry is taken up by a reply that it 停止开采, one to 修缮 a road by one
# that it is 修复. The verb heads only, two characters: 拆 alone is also the 拆 of 拆迁
_ACTS = (
    ("关停", "关闭", "停止", "停产", "停业", "停工", "停运", "叫停", "取缔", "查封", "封停", "关掉"),
    ("维修", "修复", "修理", "整修", "修缮", "抢修", "翻修", "修补"),
    ("拆除", "拆掉", "拆毁"),
    ("退还", "返还", "退回", "退款", "退费"),
    ("安装", "加装", "增设", "设置", "装上", "设立", "配备", "安设"),
)


def _reworded(question: str, core: str, listed: bool = False) -> str:
    """The question in the reply's words, where the reply names the same thing otherwise: a
    word of ``text.SYNONYMS`` by the one of its group the reply uses (噪音 by 噪声), an act by the
    reply's word of its family (``_ACTS``: 关停 by 停止), an item of a list asked to be told
    (``listed``) by its near word (``_TOLD_WORDS``: 地点 by 地址), and an
    abbreviation by the word of the reply that spells it out (``_in_full``: 公厕 by 公共厕所) or by the one of its group
    in ``ABBREVIATIONS`` (城管 by 城市管理, no dictionary word: since review1 of 2026-12-06)."""

    question = in_words_of(in_words_of(question, core), core, ABBREVIATIONS)
    if listed:
        question = in_words_of(question, core, _TOLD_WORDS)
    if not _MARK.search(question):  # a plea's act; a question (可以退回来吗?) wants its own answer
        question = in_words_of(question, core, _ACTS)
    for word in set(_words(_focus(question))):
        # an abbreviation is a word of the dictionary (not 上要, 人车: jieba's guesses), and not a
        # common one (现在, 同时, 进步) or a number (第一, 七十): those are words of their own
        if len(word) > 3 or word in core or not _an_abbreviation(word):
            continue
        spelled = _in_full(word, core)
        if spelled:
            question = question.replace(word, spelled)
    # and the other way round: a name the question spells out in full by the reply's abbreviation of it (查扣处理 by 查处,
    # 2026-12-06: ``_reworded`` read the question's abbreviations alone)
    for short in _reply_shorts(core):
        if short not in question and _an_abbreviation(short):
            spelled = _in_full(short, question)
            if spelled:
                question = question.replace(spelled, short)
    for word in set(_words(_focus(question))):
        near = _near_word(word, core)
        if near:
            question = question.replace(word, near)
    return question


# last characters that name one thing in a near word (垃圾桶 / 垃圾箱, 隔音板 / 隔音屏, 驾驶室 / 驾驶员):
# not any other (电动门 is no 电动车, 公交车 no 公交站, 卫生间 no 卫生院)
_NEAR_ENDS = ("桶箱筒", "板屏墙", "场馆", "室员")


def _near_word(word: str, text: str) -> str | None:
    """The word of ``text`` that ``word`` names with another last character of the same kind
    (``_NEAR_ENDS``): three characters, the first two a word of their own, the whole a dictionary
    word (驾驶室 in a reply on the 驾驶员, 垃圾桶 / 垃圾箱); not a sum of money (物业费 is not the
    物业 of 物业公司: ``_MONEY_WORD``)."""
    if (len(word) != 3 or word in text or not _HAN_WORD.fullmatch(word) or _MONEY_WORD.fullmatch(word)
            or not word_frequency(word[:2])):
        return None
    for m in re.finditer(re.escape(word[:2]) + "([\u4e00-\u9fff])", text):
        near = m.group(0)
        if (near != word and word_frequency(near) and not _MONEY_WORD.fullmatch(near)
                and any(word[-1] in ends and near[-1] in ends for ends in _NEAR_ENDS)):
            return near
    return None


def _takes_up(question: str, core: str, reply_grams: Counter, lists: bool = True) -> bool:
    """A quarter of the question's bigrams in the reply (five whatever its length), or a
    quarter of those of the part its cue is in (for a plea without a question mark, also that
    part read past whom it asks and how: ``_ASKED_OF``), or 30 % of that part's words, or, where
    ``lists`` and the question is a plea listing measures, a third of one measure's bigrams."""
    key, focus = _content(question), _content(_focus(question))
    if not key or not focus:
        return False
    echoed = set(reply_grams) - _part_only(question, core)
    hits = sum(1 for g in key if g in echoed)
    if hits / len(key) >= 0.25 or hits >= HITS or sum(1 for g in focus if g in echoed) / len(focus) >= 0.25:
        return True
    # a plea's part read past whom it asks and how (恳请…为百姓做主果断采取措施: 关停该场 is about 关停该场)
    plea = () if _MARK.search(question) else _content(_focus(_ASKED_OF.sub(" ", question)))
    if plea and sum(1 for g in plea if g in echoed) / len(plea) >= 0.25:
        return True
    words = _words(_focus(question))
    if words and sum(1 for w in words if w in core) / len(words) >= WORDS:
        return True
    # a measure is taken up in words of its own, not by the place or unit it names (东山镇, 某区的)
    return lists and any(sum(1 for g in m if g in echoed) >= max(3, len(m) / 3) for m in _measures(question))


# a sum of money named after what it pays for (物业费, 停车费, 诚意金, 拆迁款, 公积金): a thing of its
# own, not the 物业 or the 停车 its first two characters name
_MONEY_WORD = re.compile(r"[\u4e00-\u9fff]{2}[费金款税价]")
_MONEY_HEAD = re.compile("[费金款税价]")


@lru_cache(maxsize=64)
def _compounds(question: str) -> tuple[str, ...]:
    """The sums of money a question names, as jieba reads them (物业费, 补考费, 公积金)."""
    # jieba reads only the clauses that may hold one (its time was a third of the scorer's)
    return tuple(w for c in _CLAUSE_OF.findall(_cleaned(question)[:WORD_CHARS]) if _MONEY_HEAD.search(c)
                 for w in tokenize(c) if _MONEY_WORD.fullmatch(w))


def _part_only(question: str, core: str) -> set[str]:
    """The bigrams of the question's compounds the reply does not name whole (物业 and 业费 of
    物业费, to a reply on the 物业 that never says 物业费), where the question does not use them
    elsewhere: a reply on the property company does not take up whether its fee is lawful."""
    missing = [w for w in set(_compounds(question)) if w not in core]
    if not missing:
        return set()
    rest = question
    for word in missing:
        rest = rest.replace(word, " ")
    return {g for w in missing for g in (w[:2], w[1:])} - set(_content(rest))


# the bigrams of a place or unit (镇党, 县委, 区的), which a measure names but a reply names too
# whatever it says
_PLACE_GRAMS = frozenset("县委 市委 区委 镇党 党委 政府 县政 市政 区政 镇政 人民 省市 市区 区的 县的 市的 镇的 "
                         "环保 街道 社区 村委 委会".split())


def _measures(question: str) -> list[tuple[str, ...]]:
    """The measures a long plea lists (恳请…协调开发商尽快回款, 严厉打击违法转包, 监督工程按期完工): its
    clauses from the demand on, each naming something (three content bigrams or more), when it
    lists three or more and asks without a question mark. A reply that takes one of them up
    answers the plea; before, it had to echo a quarter of the whole list."""
    if _MARK.search(question):
        return []
    clauses = re.split(r"[,，、;；]|并且|以及", question)
    start = next((i for i, c in enumerate(clauses) if re.search(_DEMANDS, c) or _DEMAND.search(c)), None)
    if start is None:
        return []
    named = [m for m in (tuple(g for g in _content(_ASKED_OF.sub(" ", c)) if _HAN_WORD.fullmatch(g) and g not in _PLACE_GRAMS)
                         for c in clauses[start:]) if len(m) >= 3]
    return named if len(named) >= 3 else []


def _referred(core: str) -> bool:
    """Whether the reply tells where or whom to ask, beside saying something of its own: a
    reply that only refers the citizen elsewhere (建议直接咨询教育局) answers no "when"."""
    rest = _REFERRAL.sub("", core)
    return rest != core and len("".join(_HAN_WORD.findall(_FORWARDED.sub("", rest)))) >= MIN_SUBSTANCE


def _names_nothing(question: str) -> bool:
    """A plea that names nothing (领导您好, 恳请帮帮我们; …噪音扰民, 请求领导及早解决; 恳请书记帮帮忙,
    解决这个棘手的难题; 恳请各位领导责成有关部门依法履职, 支持我们的合理诉求): fewer than two content
    bigrams, in the whole or in the part its cue is in, once whom it asks and how (``_ASKED_OF``)
    are cut from a demand without a question mark. It asks for the message as a whole."""
    if len(_content(question)) < 2 or len(_content(_focus(question))) < 2:
        return True
    if _MARK.search(question):
        return False
    plea = _ASKED_OF.sub(" ", question)

    def named(text: str) -> int:  # a bigram with a particle (民的, 的难) names nothing
        return sum(1 for g in _content(text) if not _PARTICLE.search(g))

    return named(plea) < 2 or named(_focus(plea)) < 2


# the day a message was received or passed on is no answer to "when": 于5月3日收到您的留言, 您于3月5日反映的
_RECEIVED = re.compile(r"(?:于)?(?:\d{4}年)?\d{1,2}月\d{1,2}日[^,，。;；]{0,8}?(?:收到|收悉|获悉|受理|转来|转交|转办|登记|"
                       r"来信|来电|留言|反映|投诉|咨询|提出|致信)")
# a date answers a "when" when it tells when the thing asked for will be done, or a time frame:
# in a clause that plans (将于6月开通, 预计明年完工, 定于6月10日开始, 确保年底完成, 一般在8月20日安排)
# or sets a limit (5月10日前, 10个工作日内, 周期约6个月), or tells it is done (已于5月3日修复); not
# the day a letter came (您于3月5日反映的) nor the date of a past document or step (2018年6月印发的办法,
# 今年4月曾到现场查看)
_CLAUSE_OF = re.compile(r"[^,，。;；!！?？]+")
# 将 of the future (将于, 将依法关闭, 将全面开工), not the 将 of 于6月30日将通知贴出 (把)
_PLANNED = re.compile(r"将(?:会|要)?(?:于|在|进一步|全面|逐步|尽快|加快|继续|按|依|根据|予以|开|启|完|实|建|投|组|安排|纳|争取|"
                      r"及时|适时|统一|正式)|拟|计划|预计|预定|定于|争取|力争|确保|有望|可望|即将|届时|待|一般|通常|每年|"
                      r"开始|起(?!诉|草)|(?:年|月|日|号|底|末|旬)(?:之|以)?前|(?:年|月)(?:底|末)|年内|明年|下周|下个?月")
_LIMIT = re.compile(r"(?<!\d)\d+(?:个)?(?:工作日|天|日|周|个?月|年)(?:之|以)?内|[一二两三四五六七八九十半]+个?(?:工作日|天|周|月|年)(?:之|以)?内|" + _TAKES)
_DONE = re.compile(r"(?:已(?:经)?(?:于|在)[^,，。;；]{0,14}?|(?:日|月|年|底|前)已(?:经)?(?:全部|基本)?)(?:完成|完工|竣工|建成|开通|通车|修复|恢复|发放|到位|到账|办结|投入使用|交付|解决|拆除|"
                   r"维修|更换|安装|整改|清理|疏通|退还|补发|完毕)")
# past or a document's date: 已, 去年, 曾 (已于…启动, 2018年6月印发的…办法)
_PAST = re.compile(r"已|曾|去年|前年|上年|以来|印发|发布|出台|颁布|下发|公布|制定|签订|签署|《")


def _when_told(text: str) -> bool:
    """Whether ``text`` (a reply without its dates of receipt) tells when: a date or time in a
    clause that plans, sets a limit or tells the thing is done; a time frame (10个工作日内, 周期约6个月)."""
    for clause in _CLAUSE_OF.findall(text):
        if not _DATE.search(clause):
            continue
        if _LIMIT.search(clause) or _DONE.search(clause) or _PLANNED.search(clause) and not _PAST.search(clause):
            return True
    return False


@lru_cache(maxsize=8)
def _sentence_grams(text: str) -> tuple[tuple[str, ...], tuple[frozenset[str], ...]]:
    """The sentences of a reply and the bigrams of each, read once for all its questions."""
    sentences = tuple(_SENTENCE.findall(text))
    return sentences, tuple(frozenset(_grams(s)) for s in sentences)


@lru_cache(maxsize=64)  # a question of a kind asks it of the same reply up to five times
def _on_subject(question: str, text: str) -> str:
    """The sentences of ``text`` (a reply) on the question's subject, where a question of a kind
    looks for its answer: those naming at least half as many of the question's content bigrams
    as the sentence naming the most, each with the sentence after it (关于路灯的问题。经查, 将于
    下周更换), and the one after that where it is the question quoted (疑问五: …? 答: …); the
    whole of ``text`` when no sentence names two of them (a reply in other words)."""
    named = {g for g in _content(question) if _HAN_WORD.fullmatch(g)}
    sentences, grams = _sentence_grams(text)
    shared = [len(named & g) for g in grams]
    best = max(shared, default=0)
    if best < 2:
        return text
    # the first sentence at or after each that asks nothing: a quoted question's answer follows it. Read
    # once from the end, and each sentence kept once: a reply of many questions in a row costs no more
    answer_at = [len(sentences)] * (len(sentences) + 1)
    for k in range(len(sentences) - 1, -1, -1):
        answer_at[k] = answer_at[k + 1] if _MARK.search(sentences[k]) else k
    kept: list[str] = []
    end = 0
    for i, n in enumerate(shared):
        if 2 * n >= best:  # it, the questions after it, their answer and the sentence after that
            upto = min(answer_at[i] + 2, len(sentences))
            kept.extend(sentences[max(i, end):upto])
            end = max(end, upto)
    return "".join(kept)


def _dated_about(question: str, dated: str) -> bool:
    """A sentence of the reply that tells when (``_when_told``) and names something the question
    names: where a message asks "when" twice (报名什么时候开始? 斑马线什么时候重画?), one date answers
    one of them."""
    named = set(_content(question))
    return any(_when_told(s) and named & set(_grams(s)) for s in _SENTENCE.findall(dated))


# a date with its year in a clause telling when (于2014年4月3日之前, 自2019年9月1日起): ``substance``
# drops every such date with the signature's, so the "when" rules read it without its year
_TOLD_DATE = re.compile(r"(?<=[于在至到自从止])\d{4}年(?=\d{1,2}月\d{1,2}日)|"
                        r"\d{4}年(?=\d{1,2}月\d{1,2}日(?:之前|以前|前|起|开始|至|到|以后|后|内))")


def _dates_kept(reply: str) -> str:
    """``substance`` of the reply with the dates that tell when kept (``_TOLD_DATE``)."""
    return substance(_TOLD_DATE.sub("", normalize(reply)))


# the words of the kind a question asks (whether lawful, on what basis, when) and whom it asks: what is left
# of its key words names its subject (供暖费 of 请问供暖费退费的政策依据是什么?)
_KIND_WORD = re.compile(r"合理|合法|合规|违法|违规|法律|法规|规定|政策|标准|时间|时候|计划|进度|责任|大人|领导")


# a question the body asks as another matter than the one before it (另外想问一下…, 此外…, 还有一个问题…, 顺便问一下…,
# 我还想咨询一下…): not 还有没有, which asks whether there is still
_ANOTHER_MATTER = re.compile(r"^[^,，。;；?？]{0,4}?(?:另外|此外|另(?=[问咨请想有再一])|还有(?!没有)|顺便|再者|"
                            r"(?:还|再)(?:想|要)?(?:问|咨询|请问|了解|反映)一?(?:下|个|件))")


# a question that asks in so many words: a question mark, 吗 or 呢 at its end, or when, whether, can (a second matter asked
# with no opening word is read only so: not a plea, 希望…, whose subject may be a noun of its story)
_ASKS_OWN = re.compile(_either(r"(?:[?？]|[吗呢][?？!！。]*)\s*$", *_WHEN_CUES, "多久", *_WHETHER_CUES, "能不能", "可不可以"))


_NUMBERED = re.compile(r"^\s*(?:[(（]?[0-9０-９一二三四五六七八九十]{1,2}[)）]|[0-9０-９一二三四五六七八九十]{1,2}[、,，.．:：])")
OWN_MATTER_CHARS = 40  # the longest question read as a second matter with no opening word (a short question of its own)


@lru_cache(maxsize=256)
def _subject(question: str) -> tuple[str, ...]:
    """What a question is about, besides what it asks and whom: its key words as the relevance explanation
    reads them (``_terms``: 供暖费 of 请问供暖费退费的政策依据是什么?), without the things one asks to be told
    (``_TOLD_THINGS``: 政策, 标准, 流程 …), the words of the kind asked (合法, 时间) and whom it asks
    (``_ASKED_OF``: 书记); none for a question naming nothing of its own (到底是否合理合法?)."""
    return tuple(t for t in _terms(_blanked(_ASKED_OF, question[:WORD_CHARS]))
                 if not _TOLD_THING.search(t) and not _KIND_WORD.search(t))


def _about(question: str, core: str) -> bool | None:
    """Whether the reply says the question's subject (review 2026-12-05): one of its key words (``_subject``)
    as the relevance explanation reads a key word said (``_said_in``: as written, in its synonym or by its
    head), or a word of two characters of one (线路 of 公交线路); None for a question naming nothing of its own."""
    subject = _subject(question)
    if not subject:
        return None
    return any(_said_in(t, core) or len(t) > 2 and any(g in core for g in _grams(t) if word_frequency(g))
               for t in subject)


def _akin(question: str, other: str) -> bool:
    """Whether two questions of a message are on one subject (``_subject``): one names a bigram of the other's key
    words (养老保险金 / 保险金, 老生涨价 asked twice; not 供暖费退费 / 电梯)."""
    mine, theirs = (set(_grams(" ".join(_subject(q)))) for q in (question, other))
    return bool(mine & theirs)


def _in_kind(question: str, core: str, several_whens: bool = False, dates: str = "", when: bool = False) -> bool:
    """Whether the reply gives what the question asks for, in other words than its own
    (``dates``: the reply as ``_dates_kept`` reads it, for a "when"; ``when``: a "when" whatever
    its words, an item 时间 of a list asked to be told)."""
    dated = _RECEIVED.sub("", dates or core)
    # a date told of the question's subject, not of another thing the reply tells of
    has_date = _dated_about(question, dated) if several_whens else _when_told(_on_subject(question, dated))
    return bool((when or _asks_when(question)) and (has_date or _referred(core))  # a date, a time limit, whom to ask
                or _NOT_YET.search(question) and _when_told(_on_subject(question, dated))  # "why not yet" with when
                or _HOW_MUCH.search(question) and _AMOUNT.search(_on_subject(question, core))  # "how much": an amount
                or _ROUTE.search(question) and _LINE.search(core)  # a bus asked for, with the line
                or _HOW.search(question) and _DIRECTIVE.search(core)  # "how / where" with where to go, what to do
                or _BASIS.search(question) and _CITED.search(core)  # "on what basis" with the rule
                or _CAN.search(question) and _yes_or_no(question, core))  # "can I" with a yes or a no


# can I (我能不能…, 孩子可以…吗, 是否可以, 能否)
_CAN_ASKED = r"能否|可否|能不能|可不可以|是否(?:可以|能够?|允许)"
_ASKED_END = r"(?:吗|(?<![什怎这那多])么|嘛)"  # not the 么 of a "what" or a "why" (为什么, 能做什么)
_CAN = re.compile(_CAN_ASKED + "|"
                  # and any other's (残联可以给补助吗, 路口能设岗亭吗), not the 能 of a noun (太阳能, 功能,
                  # 能源, 能力)
                  r"(?:可以|(?<![阳功性智技职体动潜效节热电])能(?![源力耗量见])够?)[^,，。?？]{0,20}" + _ASKED_END)
# can I myself (我能否…, 孩子可不可以…, 本人是否可以…): the citizen's own act, which wants a yes, a no
# or what it takes, not the 将 / 已 that answers a plea for the unit to act (能否尽快维修)
_CAN_I = re.compile(r"(?:我|我们|本人|孩子|小孩|女儿|儿子|老人|家人)(?:还|也|现在|以后)?"
                    rf"(?:{_CAN_ASKED}|(?:可以|能够?)[^,，。?？]{{0,20}}{_ASKED_END})")
_YES_NO = re.compile(r"(?:可以|能够|不能|不可以|无法|不予|不得|不允许|允许|不支持|支持)([\u4e00-\u9fff]{2})")


# a flat no: there is no such rule or aid (没有此类规定, 暂无相关政策)
_FLAT_NO = re.compile(r"(?:没有|无|暂无|未出台|不存在)(?:此类|这类|此项|该项|这方面的?|相关)(?:规定|政策|补助|补贴|项目)")


def _yes_or_no(question: str, core: str) -> bool:
    """A yes or a no on the very act a "can I" question asks (可否继续缴纳 / 可以继续缴费), or a
    flat no on its subject (没有此类规定)."""
    named = set(_content(question))
    return any(m.group(1) in named for m in _YES_NO.finditer(core)) or bool(_FLAT_NO.search(_on_subject(question, core)))


def _item_in_kind(item: str, asked_as: str, core: str, several_whens: bool, dates: str) -> bool:
    """Whether the reply gives an item of a list asked to be told (``_items``) in kind: a 时间 a date
    told of the subject (``_in_kind``'s "when"), a place where to go (可携带身份证到街道办事处办理), a
    condition or a rule the rule cited (``_CITED``, as a "what rule"; a condition also the requirements
    told: 须具有本市户籍), a cause one told (所致), an outcome
    or progress a step taken or planned (已拆除), the materials the documents to bring (携带身份证), the
    steps what to do (可携带…到…提交申请); no other item (not a 所需材料 by 可到学校报名)."""
    if _TIME_ITEM.search(item):
        return _in_kind(asked_as, core, several_whens, dates, when=True)
    if _PLACE_ITEM.search(item):  # not where to ask (如有疑问可到…咨询)
        return bool(_GO_TO.search(_CLOSING_CALL.sub(" ", core)))
    if _CAUSE_ITEM.search(item):  # not the apology for the trouble caused, nor for the reply's delay
        return bool(_CAUSE_TOLD.search(_APOLOGY.sub(" ", core)))
    if _OUTCOME_ITEM.search(item):  # progress also by the work under way (正在区民政局审批)
        return bool(_CONCRETE.search(core) or _STEP.search(core)
                    or _PROGRESS_ITEM.search(item) and re.search(_UNDER_WAY, core))
    if _MATERIAL_ITEM.search(item):
        return bool(_DOCUMENTS.search(core))
    if _STEPS_ITEM.search(item):  # not the 如有疑问请致电 that closes any reply, nor the documents to bring alone
        return bool(_DIRECTIVE.search(_BRING_ONLY.sub(_bring_only, _CLOSING_CALL.sub(" ", core))))
    return bool(_RULE_ITEM.search(item) and _CITED.search(core)
                or _CONDITION_ITEM.search(item) and _REQUIRED.search(core))


def _told_named(item: str, core: str) -> bool:
    """Whether the reply names the thing an item of a list asks to be told (流程 of 补办流程), as written or in
    its near word (``_TOLD_WORDS``: 程序, 步骤, 手续 for 流程); true of an item naming no such thing (户籍 of
    对户籍和收入有哪些要求, where the end names it)."""
    told = next((t for t in _TOLD_THINGS if item.endswith(t)), None)
    if not told or any(w in core for w in next((g for g in _TOLD_WORDS if told in g), (told,))):
        return True
    # a 时间 told by its dates, in a clause on the item (报名于6月1日至6月5日进行; review 2026-12-05), not the date the
    # letter came or another thing was done
    own = [g for g in _content(item[:-len(told)]) if _HAN_WORD.fullmatch(g)]
    return bool(_TIME_ITEM.search(told)) and any(
        _CALENDAR_DATE.search(clause) and any(g in clause for g in own)
        for clause in _CLAUSE_OF.findall(_RECEIVED.sub(" ", core)))


_CALENDAR_DATE = re.compile(r"\d{1,2}月\d{1,2}[日号]")
# a requirement told (须具有, 年龄须在18周岁以上, 不超过, 低于): what an item asked of in the end wants of its thing
_REQUIREMENT = re.compile(r"须|需|应当?|必须|不得|不能|不超过|不低于|不高于|以上|以下|低于|高于|至少|限于|年满|符合")


def _told_of(item: str, core: str) -> bool:
    """Whether the reply tells what an item asked of in the end asks (「户籍 要求」 of 对户籍和收入有哪些要求): a sentence
    naming the item's own word (户籍) and a requirement told (须具有本市户籍), the rule cited or the thing asked named
    (要求, 条件, 规定, 限制); not the 户籍 of any sentence (本小区户籍人口较多)."""
    own, of = item.split(" ", 1)
    told = next((g for g in _TOLD_WORDS if of in g), (of,))
    return any(own in s and (_REQUIREMENT.search(s) or _CITED.search(s) or any(w in s for w in told))
               for s in _SENTENCE.findall(core))


def _addressed(question: str, core: str, reply_grams: Counter, whole: bool, form_letter: bool = False,
               several_whens: bool = False, dates: str = "", asked_as: str = "", on_subject=lambda q: True) -> bool:
    """Whether the reply takes the question up: a quarter of its bigrams, either of the whole
    sentence or of the part its cue is in, read in the reply's words where it names the same
    thing otherwise; a date for a "when", a place to go or a step to take for a "how / where";
    a plea that names nothing is answered by a reply that takes up the message as a whole
    (``whole``: relevant or concrete; ``score_reply`` also counts one that answers another
    question of the message). With ``asked_as`` (``_items``: 请告知公租房的办理地点), ``question`` is an
    item of a list asked to be told (办理地点): judged on its own words however few, the kind of
    answer read from ``asked_as`` (a 时间 wants a date)."""
    asked = asked_as or question
    if asked_as and " " in question:  # an item asked of in the end (对户籍和收入有哪些要求: 「户籍 要求」)
        return not form_letter and _told_of(question, core)
    # a form letter (``form_letter``: 我单位于5月3日收到您的留言, 已转交相关部门) answers nothing in kind
    # a question in kind only where the reply is on its subject (``on_subject``: ``score_reply``'s); an item of a
    # list by its own rules, which want the thing told (``_item_in_kind``)
    if not form_letter and (_item_in_kind(question, asked_as, core, several_whens, dates) if asked_as
                            else _in_kind(question, core, several_whens, dates) and on_subject(question)):
        return True
    key, focus = _content(question), _content(_focus(question))
    if not asked_as and (len(key) < 2 or len(focus) < 2):
        return whole  # a plea that names nothing (领导您好, 恳请帮帮我们)
    # an item naming a thing told (补办流程, 报名时间) is taken up in words only where the reply names that thing, or its near
    # word (流程 / 手续): its verb alone (any 补办, any 报名) told neither the steps nor a date
    if asked_as and not _told_named(question, core):
        return False
    # a form letter takes up no measure of a plea: 已转某镇核查 names the town the plea names
    if not _takes_up(question, core, reply_grams, not form_letter):
        reworded = _reworded(question, core, bool(asked_as))
        if reworded == question or not _takes_up(reworded, core, reply_grams, not form_letter):
            return not form_letter and not asked_as and _step_on(reworded, core)
    # on the subject, and the kind of answer asked for: not a mention of the 物业 beside 核查 to
    # whether the 物业费 is lawful
    return _of_its_kind(asked, dates or core)


# a step taken or planned on a thing (将对这座桥加固, 已列入道路改造计划, 责令其拆除), which takes up a
# demand on it; not a rule quoted (应当将其纳入规划, 《…条例》) nor a word of the story (违法建设)
_STEP = re.compile(r"(?:将|已|已经|现已|正在|拟|计划|准备|立即|马上|及时|责令|责成|要求|督促)[^,，。;；]{0,12}?"
                   r"(?:维修|加固|修缮|整改|硬化|改造|修建|纳入|列入|关停|取缔|查扣|停止|暂停|调整|增设|设置|保护|防护|"
                   r"安装|拆除|修复|清理|清运|疏通|更换|处罚|查处|退还|补发)")
# what a demand is on says nothing of its own: 请求解决这个问题, 希望尽快施工
_GENERIC_OBJECT = frozenset("问题 情况 事情 部门 领导 政府 群众 百姓 居民 业主 村民 市民 工作 施工 污染 安全 "
                            "利益 权益 生活 困难 诉求 心情 时间 地方 方面 行为 现象 措施 办法 实事 民生 办理 手续".split())


@lru_cache(maxsize=64)
def _object(demand: str) -> str | None:
    """What a demand without a question mark asks something done to: the last noun of the part
    its cue is in (恳请安排人员看管这座古桥: 古桥; 希望帮忙修一条水泥路: 水泥路), not a word that names
    nothing of its own (问题, 情况, 施工)."""
    if _MARK.search(demand):
        return None
    nouns = [p.word for p in jieba_posseg().cut(_focus(demand)[:WORD_CHARS])
             if p.flag.startswith("n") and len(p.word) >= 2 and _HAN_WORD.fullmatch(p.word)]
    return nouns[-1] if nouns and nouns[-1] not in _GENERIC_OBJECT else None


def _step_on(demand: str, core: str) -> bool:
    """Whether the reply tells of a step on the thing a demand is about, in one sentence (将对古桥
    进行加固 to 恳请安排人员看管这座古桥): the object matched whole, not a
    bigram of it."""
    steps = [s for s in _SENTENCE.findall(core) if _STEP.search(s) and not _RULE_QUOTED.search(s)]
    thing = _object(demand) if steps else None  # jieba's parts of speech only where a step is told
    return bool(thing) and any(thing in s for s in steps)


_RULE_QUOTED = re.compile(r"《|应当|应该|“")


# under way (正在加紧推进, 正在区民政局审批): a "when" answered by the work going on, and the progress of a list's item
_UNDER_WAY = r"正在[^,，。;；]{0,20}(?:施工|建设|办理|推进|实施|审批|进行|论证|协调|编制|制定|申报|洽谈|谈判|筹备|研究)"
# a question of a kind wants an answer of that kind, not a word on its subject: whether something is
# lawful (是否合法, 违规吗) a verdict or the rule; how much an amount or the rule; when a date, that
# it is done or that no date is set yet; whether one can (能否, 可以…吗) a yes, a no or what it takes
_KINDS = (
    (re.compile(r"(?:是否|是不是|有没有)(?:合法|违法|违规|合规|符合(?:规定|法律|政策))|"
                r"(?:合法|违法|违规|合规)(?:吗|么|嘛|呢|[?？])").search,
     re.compile(r"合法|违法|违规|合规|违反|符合|属于|必须|规定|不存在|未发现|未(?:从事|进行|开展)|无权|有权|不得|禁止|允许|依法|"
                r"(?:根据|依据|按照).{0,40}(?:规定|文件|通知|办法|条例|政策|标准)|《")),
    (_HOW_MUCH.search, re.compile(_AMOUNT.pattern + r"|标准|(?:根据|依据|按照).{0,40}(?:规定|文件|通知|办法|条例|政策)|《")),
    (_asks_when, re.compile(r"(?:已|现已|目前已|均已)(?:经)?(?:全部|基本)?(?:完成|完工|竣工|建成|开通|通车|修复|恢复|开放|"
                       r"发放|到位|到账|解决|拆除|安装|整改|投入使用|交付|办结|退还)|"
                       # not yet, and what it waits for: 暂无计划, 待审批通过后, 谈妥后即进场, 要等上级通知
                       r"暂(?:无|未|不)|尚未|还没有|(?:无法|不能|难以|方可|才能|再)确定|不确定|为准|如期|按期|"
                       r"待[^,，。;；]{1,20}后|[^,，。;；]{1,12}(?:好|完成|批准|通过|成功)后|"
                       r"等(?:待)?[^,，。;；]{0,10}(?:通知|批复|批准|审批|确定|安排)|(?:关注|留意)[^,，。;；]{0,10}(?:公布|公告|通知|媒体|网站)|"
                       # under way: 正在加紧推进, 已纳入明年计划, 已报送区民政局
                       + _UNDER_WAY + r"|始于|"
                       r"已[^,，。;；]{0,12}(?:纳入|列入|上报|申报|报送)|(?:纳入|列入)[^,，。;；]{0,10}(?:计划|规划)|"
                       # how long it takes: 证件制作时间为10日, 两个工作日即可办结
                       r"(?:时间|周期|时长)(?:为|是|约)|(?:\d+|[一二两三四五六七八九十半]+)个?(?:工作日|日|天|周|月)(?:即可|可|能)")),
    # can I (``_CAN``): a yes, a no or what it takes (需, 应当, 符合条件)
    (_CAN.search,
     re.compile(r"可以|可(?!能)|能够?|不|无法|没有|无|暂无|具备|符合|属于|需要?|须|应当?|要|允许|同意|支持|已|将|拟|计划|纳入|免费|"
                r"(?:根据|依据|按照).{0,40}(?:规定|原则|政策|办法|文件)")),
    # can I myself (``_CAN_I``): a yes, a no, what it takes or the rule, not a bare 不 / 已 / 将
    (_CAN_I.search,
     re.compile(r"可以|能够|不能|不可|无法|不予|不得|不允许|允许|同意|符合|属于|具备|条件|需要?|须|应当|暂无|没有|免费|"
                r"(?:根据|依据|按照).{0,40}(?:规定|原则|政策|办法|文件)|《")),
)


def _when_dated(text: str) -> bool:
    """A date in a clause that tells of no past step: 于明年秋季转为公办园."""
    return any(_DATE.search(c) and not _PAST.search(c) for c in _CLAUSE_OF.findall(_RECEIVED.sub("", text)))


def _of_its_kind(question: str, core: str) -> bool:
    """Whether the reply answers in the kind ``question`` asks for (``_KINDS``); true of a
    question of no such kind."""
    kinds = [(asks, answer) for asks, answer in _KINDS if asks(question)]
    on_subject = _on_subject(question, core) if kinds else core
    return all(answer.search(on_subject) or asks is _asks_when and _when_dated(on_subject)
               for asks, answer in kinds)


def questions(text: str) -> list[str]:
    """Sentences of the message that ask something or demand something."""
    found: list[str] = []
    asked = False  # whether the sentence before was a question
    rhetorical = False  # or a rhetorical one, which its 还是…? goes on with as well
    for sentence in (s.strip() for s in _SENTENCE.findall(normalize(text))):
        if (asked or rhetorical) and _GOES_ON.match(sentence):
            if asked:
                found[-1] += sentence  # 是否必须由城建局施工? 否则不予拨款? is one question, cut at its mark
            continue
        if asked := _asks(sentence):
            # 补贴什么时候发放? 补贴什么时候发放? is asked once, not twice; nor is the end of a
            # question said again (…, 钱到哪里去了? 钱到哪里去了?)
            if not any(sentence in q for q in found):
                found.append(sentence)
        rhetorical = not asked and bool(_MARK.search(sentence) and _RHETORICAL.search(sentence))
    return found[:8]


def _asks(sentence: str) -> bool:
    """Whether a sentence asks the unit something: a cue, not only an interrogative word in a
    statement, a demand told of someone else, a rhetorical question, an opening, a closing or a
    call to the other readers."""
    if len(sentence) < 4 or _CLOSING.match(sentence) or _OPENING.match(sentence) or _TO_OTHERS.search(sentence):
        return False
    # someone else's words quoted (区长的批示: “请尽快处理…”) ask nothing of the reply, nor does a when
    # feared (生怕什么时候桥就塌了)
    sentence = _NO_WHEN.sub(" ", _QUOTED.sub("“”", sentence))
    if _QUESTION.search(sentence):  # a rhetorical question asks nothing, unless it demands too
        if not _RHETORICAL.search(sentence) or re.search(_DEMANDS, sentence):
            return True
        # or asks in another clause: 为什么坐视不管, 什么时候处理?
        rest = "".join(c for c in _CLAUSE.findall(sentence) if not _RHETORICAL.search(c))
        return bool(_ASKS_IN_WORDS.search(rest))
    if _DEMAND.search(sentence):
        return True
    # an exclamation asks nothing (怎么就办成了呢!), unless it asks why not yet (为什么至今还没有动静…!)
    return bool(_WEAK_ASK.search(sentence) and _ASKING.search(sentence) and not _RHETORICAL.search(sentence)
                and (not sentence.endswith(("!", "！")) or _NOT_YET.search(sentence)))


# praise (2026-12-06, quality review): a letter that thanks or praises (感谢, 点赞, 表扬 …; not the 谢谢 that closes many a
# complaint) and asks nothing else, whatever its type; its wishes that the good work go on (希望继续保持, 再接再厉) ask nothing
_PRAISE = re.compile(r"感谢|致谢|感激|谢意|点赞|点个赞|表扬|赞扬|称赞|赞赏|赞美|好评|锦旗|辛苦了|敬意|佩服")
_PRAISE_WISH = re.compile(r"(?:继续|一直|永远)(?:保持|发扬|努力|加油|坚持|这样)|再接再厉|越来越好|越办越好|发扬光大|保持下去|"
                          r"多(?:一些|一点|些|出)?这样的|(?:好|优良)的?(?:作风|传统|精神)")
# the thanks that close or open a request (不胜感激, 先行感谢, 感谢您百忙之中阅读): courtesy, not praise
_COURTESY_THANKS = re.compile(r"不胜感激|感激不尽|万分感激|感激万分|万分感谢|(?:先|提前|预先)(?:行)?(?:表示)?(?:感谢|致谢)|"
                              r"感谢(?:您|您们|你们|领导)?(?:在)?(?:百忙之中|抽空|阅读|关注|看)[^,，。!！.]*")
# what a letter asks of the unit beside its praise: a request, a question's words, a complaint's turn (但是…)
_NOT_PRAISE = re.compile(r"[?？]|吗|请问|能否|可否|是否|何时|什么时候|多久|为什么|怎么|如何|哪里|有没有|希望|盼望|期盼|呼吁|"
                         r"想(?:问|了解|知道|咨询|请)|"
                         r"(?<![看展观盼希期张眺])望(?!着)|查办|不顾|"
                         r"请(?!问)|恳请|恳求|要求|请求|建议|咨询|投诉|举报|反映|求助|帮帮|给予帮助|尽快|解决|处理|查处|整治|"
                         r"落实|回复|调查|核实|督促|整改|维修|但是|可是|然而|不过|却|至今|仍然|还是没|没有人|"
                         # and a problem told after the praise with no request word (review1, 2026-12-06: 另外…路灯坏了,
                         # 挂号太难了, 噪音扰民严重, 但…太贵 were read as praise only)
                         r"另外|此外|(?<![不非])但(?!愿)|太(?:贵|难|差|慢|吵|乱|脏|臭|远|少|高|久)|严重|扰民|没人管|无人管")

# a sneer (quality review, 2026-12-06): thanks or praise and the unit's buck-passing or delay in one clause (感谢你们踢皮球,
# 为…的不作为点赞, 感谢街道办拖了半年) is a complaint; not where the praise says it did not (不推诿, 从不敷衍, 办事不拖延)
_SNEERED = re.compile(r"(?<![不没无未])(?<!没有)(?<!毫无)(?:踢皮球|推诿|扯皮|敷衍|推来推去|不作为|不闻不问|置之不理|石沉大海)|"
                      r"(?<![不没])拖(?:了|延|着)|一拖再拖|还没(?!来得及)|没(?:有)?动静")
_THANKED = re.compile(_PRAISE.pattern + "|谢谢|多谢")


def _sneers(text: str) -> bool:
    return any(_THANKED.search(c) and _SNEERED.search(c) for c in _CLAUSE_OF.findall(text))


def praise_only(title: str, body: str) -> bool:
    """Whether the message only thanks or praises (``_PRAISE``, not the courtesy closing a request: ``_COURTESY_THANKS``)
    and asks nothing of the unit: each question read in it (``_asked``) a wish that the good work go on
    (``_PRAISE_WISH``: 希望社区继续保持这样的好作风), and nothing else of it asking or requesting anything
    (``_NOT_PRAISE``: a question, 请, 建议, 希望, 尽快, 解决 …) or turning to a complaint (但是, 至今), and no praise a sneer
    (``_sneers``: 感谢你们踢皮球). Such a letter is charged no completeness, as a 感谢 is not (2026-12-06)."""
    text = _COURTESY_THANKS.sub(" ", f"{title or ''}。{body or ''}"[:WORD_CHARS * 5])
    # praise said as such: in the title (表扬…, 为…点赞), twice (感谢 … 辛苦了), or with a wish that the good work go on; not
    # the one 感谢 that closes a request the patterns read no question in
    if not (_PRAISE.search(_COURTESY_THANKS.sub(" ", title or "")) or len(_PRAISE.findall(text)) >= 2
            or _PRAISE.search(text) and _PRAISE_WISH.search(text)) or _sneers(text):
        return False
    # the wishes, the thanks words and the deeds praised (及时解决了) ask nothing: read without them
    rest = "".join(s for s in _SENTENCE.findall(text) if not _PRAISE_WISH.search(s))
    return not _NOT_PRAISE.search(_PAST_DEED.sub(" ", _PRAISE.sub(" ", rest))) and all(
        _PRAISE_WISH.search(q) for q in _asked(title or "", body or ""))


# what the unit did, told in praise of it: 及时解决了, 帮忙处理好了 (a deed done, not a request)
_PAST_DEED = re.compile(r"(?:已经?|及时|很快|迅速|马上|立即|当天|连夜|帮忙|帮我们?|为我们?)[^,，。!！]{0,6}?"
                        r"(?:解决|处理|维修|整治|落实|回复|核实|调查)(?:了|好|完|掉)?")


def _asked(title: str, body: str) -> list[str]:
    """The questions of the message; a title that restates one of the body's questions
    (half its bigrams there) is not counted twice: 「公租房什么时候分配申请条件是什么」 over
    two questions in the body is two questions, not three; nor is 「建议调整楚府路桥下第一个信号灯」
    over 「建议调整此处信号灯」 in the body. A title that names the subject of the body's
    questions (「对滨河路右转道标线设置的建议」) asks nothing of its own."""
    in_body = questions(body)
    body_grams = set().union(*(_grams(q) for q in in_body))

    def restated(q: str) -> bool:  # half the title's bigrams in the body, or a body question in the title
        grams = _grams(q)
        return (not grams or sum(g in body_grams for g in grams) / len(grams) >= 0.5
                or any(b and sum(g in grams for g in b) / len(b) >= 0.5 for b in map(_grams, in_body)))

    in_title = [q for q in questions(title) if not restated(q) and not (in_body and _SUBJECT.match(q))]
    return (in_title + in_body)[:8]


def _twins(title: str, body: str, asked: list[str]) -> dict[str, list[str]]:
    """The title's question beside the body's question it says in other words (three content
    bigrams in common, the cue words and the plea's words cut: 「建议在某小区西侧建游泳馆」 over
    「建议把这块空地改建为游泳馆」): one question, taken up when either wording is. Keyed by the
    asked question (the body's), for a title restated there and not counted (``_asked``), or
    one counted that shares a body question's words."""
    body_qs = [q for q in asked if q not in questions(title)] or asked
    twins: dict[str, list[str]] = {}
    for q in questions(title):
        mine = {g for g in _content(q) if _HAN_WORD.fullmatch(g)}
        shared = max(((len(mine & set(_content(b))), b) for b in body_qs if b != q), default=(0, ""))
        if shared[0] >= 3:
            twins.setdefault(shared[1], []).append(q)
    return twins


# a request to be told a list of things (请告知公租房的申请条件和办理地点; 请问报名的时间、地点及所需材料):
# each item is a question of its own, which the reply must take up in its own words, not by the
# subject they share (a reply on the 公租房's allocation tells neither its conditions nor the place)
_TELL_ME = re.compile(r"请问|请(?:您|你们)?告(?:知|诉)|(?:希望|能否|可否)(?:能|能够)?告(?:知|诉)")
# what such an item names, its last word: something one is told (not 环保局和城管, 滨河路与黄河大桥)
_TOLD_THINGS = ("条件", "地点", "地址", "位置", "时间", "日期", "期限", "时限", "流程", "程序", "步骤", "手续", "材料",
                "资料", "证件", "标准", "费用", "金额", "价格", "进度", "进展", "结果", "方式", "办法", "渠道", "途径",
                "电话", "依据", "政策", "范围", "对象", "名单", "名额", "计划", "方案", "窗口", "原因", "内容", "要求")
# the near words a reply may tell an item by (办理地点 / 办理地址); for these items only
_TOLD_WORDS = (("地点", "地址", "位置", "窗口"), ("时间", "日期"), ("流程", "程序", "步骤", "手续"),
               ("材料", "资料", "证件"), ("费用", "收费", "价格"), ("电话", "联系方式"), ("要求", "条件", "规定", "限制"))
_TOLD_THING = re.compile("|".join(_TOLD_THINGS))
_TIME_ITEM = re.compile(r"时间|日期|期限|时限")
_PLACE_ITEM = re.compile(r"地点|地址|位置|窗口")
_RULE_ITEM = re.compile(r"条件|依据|标准|政策|要求")
# an item of a cause (具体原因) told by one (管道爆裂所致, 由于…, 因…造成); of an outcome (处理结果, 进度,
# 进展) by a step taken or planned (已于5月10日拆除, 已立案调查, 预计6月底前拆除: ``_CONCRETE``, ``_STEP``);
# of the materials by the documents to bring (携带身份证、户口簿); of the steps by what to do (可携带…到…
# 提交申请, 可通过…申请: ``_DIRECTIVE``). Read in their own words only, a reply telling them otherwise
# was scored 完整性 0 (review, 2026-12-05)
_CAUSE_ITEM = re.compile(r"原因|缘由")
_CAUSE_TOLD = re.compile(r"所致|由于|因为|原因(?:是|为|系|在于)|造成|导致|引起|系因")
# what tells no cause (review3, 2026-12-05): 给您造成的不便敬请谅解, 由于近期留言较多, 答复较晚
_APOLOGY = re.compile(r"(?:给|对)(?:您|你|群众|居民|大家|市民)[^,，。;；!！]{0,8}?(?:造成|带来|引起)[^,，。;；!！]{0,6}?"
                      r"(?:不便|困扰|麻烦)|(?:由于|因为|因)[^。;；!！]{0,15}?(?:答复|回复)(?:较晚|不及时|延迟|迟)")
_OUTCOME_ITEM = re.compile(r"结果|进度|进展")
_PROGRESS_ITEM = re.compile(r"进度|进展")
_MATERIAL_ITEM = re.compile(r"材料|资料|证件")
_DOCUMENT = (r"(?:身份证|户口[簿本]|证明|合同|复印件|原件|照片|申请表|申请书|护照|居住证|房产证|不动产权证|营业执照|证书|发票|"
             r"病历|结婚证)")
# or two documents named in one sentence, whatever the verb far before them (…需要提供…护照, …原件, …身份证明: review of
# answer quality, 2026-12-05)
_DOCUMENTS = re.compile(rf"(?:携带|提供|提交|准备|持|凭|需|须)[^。;；]{{0,20}}?{_DOCUMENT}|{_DOCUMENT}[^。;；!！?？]{{0,40}}?{_DOCUMENT}")
_STEPS_ITEM = re.compile(r"流程|程序|步骤|手续|方式|办法|渠道|途径")
# the documents to bring, told alone (需携带身份证、租房合同和照片), tell the materials, not the steps; with where
# to go or what to do with them (可携带身份证到街道办事处提交申请) they tell both (2026-12-05, fifth note)
_BRING_ONLY = re.compile(r"(?:可|可以|请|需|须)(?:您)?(?:携带|持|凭|提交|提供|准备)[^,，。;；!！]*")


def _bring_only(m: re.Match) -> str:
    """A ``_BRING_ONLY`` clause kept where it says where to go or what to do, blanked where it lists documents alone."""
    return m.group(0) if re.search(r"到|前往|至|向|通过|办理|申请", m.group(0)) else " "


# the call that closes any reply (如有疑问请致电…, 如有问题可拨打…咨询), which tells no steps (review3, 2026-12-05);
# nor where to ask, which tells no place either (review4, 2026-12-05): 如有疑问可到区住建局咨询, and without the 如有
# a clause ending in the asking (也可到区政务服务大厅咨询。; not 如需办理可到…大厅申请, nor 可到…咨询办理, nor the
# 咨询窗口 where it is done)
_ASK_AT = r"(?:到|前往|至)[^,，。;；!！]{1,20}?(?:咨询|询问|了解)(?!窗口|台|处|室|中心)"
_CLOSING_CALL = re.compile(r"(?:如有|如需|若有|如对|如您|如还有?)[^。;；!！]{0,12}?(?:请|可|可以|欢迎)(?:您)?"
                           rf"(?:拨打|致电|联系|来电|咨询|{_ASK_AT})[^。;；!！]*"
                           rf"|(?:可|可以|请|欢迎)(?:您)?{_ASK_AT}(?:相关|有关)?(?:政策|事宜|情况|详情)?(?=[,，。;；!！]|$)")
# the conditions or requirements (申请条件) told as such: 须具有本市户籍, 应当年满18周岁, 需满足…
_CONDITION_ITEM = re.compile(r"条件|要求")
_REQUIRED = re.compile(r"(?:须|需|应|必须|应当|需要)(?:同时)?(?:具有|具备|满足|符合|年满|持有|取得|缴纳|在本市|为本市|是本市)")
# where to go, which tells a place asked for: 可携带身份证到街道办事处办理, 请前往区政务大厅
_GO_TO = re.compile(r"(?:可|可以|请|需|须|应)(?:您)?(?:携带[^,，。;；]{0,20}|持[^,，。;；]{0,20})?(?:到|前往|至)[^,，。;；]{2}|"
                    # or where it is done, named (由户口所在地派出所受理, 车管所、各服务站都可进行…; review of answer quality,
                    # 2026-12-05)
                    r"由[^,，。;；]{2,20}?(?:受理|办理)|(?:所|站|局|中心|大厅|窗口|办事处)(?:均|都)?(?:可|可以)(?:进行|办理|受理|申请|申领|领取)")
_JOINED = frozenset(("和", "及", "以及", "与", "、"))
# what ends the list without naming an item: 分别是什么, 都有哪些, 是怎样的, 在哪里, 等; the part that asks (group
# ``ask``) is a cue of its own, a list without 请告知 asked by its end (申请条件和办理地点是什么?) or by its
# question mark alone (补办流程及所需材料?)
_LIST_END = re.compile(r"(?:等|等等)?(?P<ask>(?:分别|都|又|具体|究竟|到底)?(?:需要|要)?(?:是|为|有|在)?"
                       r"(?:(?:什么|哪些|哪方面)的?(?P<of>要求|条件|规定|限制)|"
                       r"什么时候|什么地方|什么|哪些|哪里|哪儿|何处|多少|怎样的?|怎么样的?)?)(?:吗|呢|啊)?$")
# or asked before its items (2026-12-05, fifth note): 办理居住证需要哪些程序和材料?, 请问有哪些条件和要求, 要准备哪些
# 资料和费用; the head is shown with each item (办理居住证需要哪些程序), not the 什么 of 为什么 or 凭什么
_LIST_HEAD = re.compile(r"(?:需要|需|要|须|应)?(?P<verb>准备|提供|提交|携带|满足|具备|具有|符合|办理|缴纳)?有?"
                        r"(?:(?<![为凭干做])什么|哪些|哪几[项个种样类]|何种)(?!时候|地方)")
# the things a head's verb governs (具备什么条件, 准备哪些材料, 缴纳哪些费用): another item is shown without it
_HEAD_FITS = {"满足": ("条件", "要求", "标准"), "具备": ("条件", "要求", "标准"), "具有": ("条件", "要求", "标准"),
              "符合": ("条件", "要求", "标准"), "准备": ("材料", "资料", "证件", "手续", "费用"),
              "提供": ("材料", "资料", "证件"), "提交": ("材料", "资料", "证件", "手续"), "携带": ("材料", "资料", "证件"),
              "办理": ("手续",), "缴纳": ("费用",)}


def _fits(head: re.Match | None, item: str) -> bool:
    """Whether a list's head (``_LIST_HEAD``) reads with ``item`` after it: one without a verb does (需要哪些程序和材料);
    具备什么 a 条件, not a 申请流程."""
    verb = head and head.group("verb")
    return not verb or item.endswith(_HEAD_FITS[verb])
# the words that open such a list and ask nothing besides it: 请问, 想咨询一下, 公租房的…是什么?
_OPENS_LIST = re.compile(_TELL_ME.pattern + r"|(?:我|本人)?想(?:咨询|了解|知道|问)(?:一下)?")
# an item that itself asks (是否会设置, 在干什么) is no item to be told
_ASKS_ITSELF = re.compile(r"是否|是不是|有没有|有无|什么|哪|如何|怎么|怎样|多少|几|吗|呢|能不能|可不可以|为何|为啥|有何|何种|何时|何处")


@lru_cache(maxsize=256)
def _items(question: str) -> tuple[tuple[str, str], ...]:
    """The items of a request to be told a list of things (``_TELL_ME`` X 和 Y, joined by 和, 及, 以及,
    与 or 、, each ending in a thing one is told: ``_TOLD_THINGS``), each as shown to the officer and as
    judged: 请告知公租房的申请条件和办理地点 gives (请告知公租房的申请条件, 申请条件) and (请告知公租房的办理地点,
    办理地点), the subject before the first item's 的 (or its words before the last) shown with each and
    judged with none. Without such a cue, a list asked by its end, the sentence's last clause: 公租房的
    申请条件和办理地点是什么? gives (公租房的申请条件是什么, 申请条件) and (公租房的办理地点是什么, 办理地点); 补办流程
    及所需材料? asks by its question mark. Nothing where the sentence asks anything else (an opening 请问 or
    想咨询一下 aside), or an item asks itself. Asked before its items (``_LIST_HEAD``: 办理居住证需要哪些程序和材料? gives
    (办理居住证需要哪些程序, 程序) and (办理居住证需要哪些材料, 材料)), or of each in the end (对户籍和收入有哪些要求:
    户籍, 收入: each judged with it, 「户籍 要求」, ``_told_of``), or clause by clause (``_items_by_clause``: 需要准备什么材料,
    到哪里办理?). A question asking one such thing alone is an item too (``_item_alone``: 户籍迁移需要哪些材料?)."""
    return _items_listed(question) or _items_by_clause(question) or _item_alone(question)


# a list asked clause by clause (需要准备什么材料, 到哪里办理?; 2026-12-05, fifth note): each clause asks one thing
# told, by 什么 / 哪些 before it (什么材料), or where (哪里 …: a 地点) or when (什么时候 …: a 时间)
_ASKS_THING = re.compile(r"(?:(?<![为凭干做])什么|哪些|哪几[项个种样类]|何种)(?P<thing>[\u4e00-\u9fff]{0,4}?(?:"
                         + "|".join(_TOLD_THINGS) + r"))$")
_ASKS_PLACE = re.compile(r"哪里|哪儿|什么地方|何处")
_ASKS_TIME = re.compile(r"什么时候|何时|什么时间")


def _asked_thing(clause: str) -> str | None:
    """The thing told that one clause of a list asked clause by clause asks for, as judged (需要准备什么材料: 材料;
    到哪里办理: 地点; 什么时候开始: 时间); None where the clause asks anything else, or more."""
    if m := _ASKS_THING.search(clause):
        thing, rest = m.group("thing"), clause[:m.start()]
    elif m := _ASKS_PLACE.search(clause) or _ASKS_TIME.search(clause):
        thing, rest = "地点" if _ASKS_PLACE.fullmatch(m.group(0)) else "时间", clause[:m.start()] + clause[m.end():]
    else:
        return None
    return None if _ASKS_ITSELF.search(rest) or _WEAK_ASK.search(rest) or _TELL_ME.search(rest) else thing


def _items_by_clause(question: str) -> tuple[tuple[str, str], ...]:
    """The items of a list asked clause by clause: the sentence's last clauses, two or more, each asking one thing
    told (``_asked_thing``), after clauses that ask nothing (an opening 请问 aside); each shown as its clause."""
    asked = _asked_clauses(question)
    if not asked or len(asked[2]) < 2:
        return ()
    asked_by, clauses, judged = asked
    return tuple((f"{asked_by if k == 0 else ''}{c}", j) for k, (c, j) in enumerate(zip(clauses, judged, strict=True)))


# a question asking one thing told alone (户籍迁移需要哪些材料?, 在哪里办理?; 2026-12-05, review of answer quality): an item
# too, judged as a list's items are, when the thing is the materials, the steps or the place where something is done
# (not any 哪里: 钱到哪里去了, 问题出在哪里). Judged as a question it was taken up by its subject alone — a reply
# naming 户籍迁移 in passing, or closing with 如有疑问请致电…, answered 「户籍迁移需要哪些材料?」
_ALONE_THING = re.compile(r"材料|资料|证件|流程|程序|步骤|手续|地点|地址|位置|窗口")
# where something is done (到哪里办理, 去哪里办社保卡, 在哪里办理换证手续, 开具证明的地方在哪里), not any where (该由哪里处理,
# 文明办到哪儿去了, 公办幼儿园在哪里, 名单在哪里查看, 公示牌在什么位置)
_DONE_VERB = r"(?:办理|办(?!公|事)|申请|报名|登记|缴纳|缴费|交费|领取|补办|提交|注册|开具|上户|落户|换证|认证)"
_DONE_WHERE = re.compile(rf"(?:哪里|哪儿|何处|什么地方|什么地点)(?:去|可以|能|才能)?{_DONE_VERB}|"
                         rf"{_DONE_VERB}[^,，]{{0,8}}?的?(?:具体)?(?:地方|地点|地址|窗口)(?:在|是)(?:哪里|哪儿|何处|什么地方)")


def _item_alone(question: str) -> tuple[tuple[str, str], ...]:
    """``_items`` of a question asking one thing told (``_ALONE_THING``) in its last clause, after clauses that
    ask nothing: the question shown whole, judged on the thing (户籍迁移需要哪些材料?: 材料; 在哪里办理?: 地点)."""
    asked = _asked_clauses(question)
    if not asked or len(asked[2]) != 1:
        return ()
    clause, thing = asked[1][0], asked[2][0]
    if not (m := _ALONE_THING.search(thing)) or not thing.endswith(m.group(0)):
        return ()
    # a place where something is done (到哪里办理), not any where
    if _PLACE_ITEM.search(thing) and not _DONE_WHERE.search(clause):
        return ()
    return ((question, thing),)


def _asked_clauses(question: str) -> tuple[str, list[str], list[str]] | None:
    """(the opening cue, the sentence's last clauses each asking one thing told, the things judged) of a question
    asking clause by clause after clauses that ask nothing; None where it asks anything else, or a thing twice."""
    if not _MARK.search(question):
        return None
    clauses = [c.group(0).strip() for c in _CLAUSE_OF.finditer(question)]
    cue = _OPENS_LIST.match(clauses[0]) if clauses else None
    asked_by = cue.group(0) if cue else ""
    if cue:
        clauses[0] = clauses[0][cue.end():].strip()
    things = [_asked_thing(c) for c in clauses]
    n = len(things)
    while n and things[n - 1]:
        n -= 1
    before = "".join(clauses[:n])
    if n == len(things) or _QUESTION.search(before) or _WEAK_ASK.search(before) or _ASKS_ITSELF.search(before):
        return None
    judged = things[n:]
    if len(set(judged)) < len(judged):
        return None
    return asked_by, clauses[n:], judged


def _items_listed(question: str) -> tuple[tuple[str, str], ...]:
    """``_items`` of a list of things joined by 和, 及, 与 or 、."""
    cue = _TELL_ME.search(question)
    clause = cue and _CLAUSE_OF.match(question, cue.end())
    if clause:
        asked_by, end, of = cue.group(0), "", None
        rest = question[:cue.start()] + question[clause.end():]
        listed = _LIST_END.sub("", clause.group(0).strip(" :："))
        head = _LIST_HEAD.search(listed)
    else:  # no cue before it: a list asked by its end (公租房的申请条件和办理地点是什么?), the last clause
        clause = next((c for c in reversed(list(_CLAUSE_OF.finditer(question)))  # not a 请告知 after it
                       if _OPENS_LIST.sub("", c.group(0)).strip()), None)
        if not clause:
            return ()
        ends = _LIST_END.search(listed := clause.group(0).strip(" :："))
        asked_by, end, of, listed = "", ends.group("ask"), ends.group("of"), listed[:ends.start()]
        head = _LIST_HEAD.search(listed)
        # an end that asks (是什么, 分别是), or none before the question mark (补办流程及所需材料?; not the 吗 of
        # 符合国家政策、环保要求吗?, which asks whether), or a head that asks before the list (需要哪些程序和材料)
        if not (_ASKS_ITSELF.search(end) or "分别" in end or head and not end
                or not end and not ends.group(0).endswith("吗") and _MARK.match(question, clause.end())):
            return ()
        rest = _OPENS_LIST.sub("", question[:clause.start()] + question[clause.end():])
    unheaded = asked_by
    if head:  # what asks is before the list: shown with each item, the list read after it
        if of or _ASKS_ITSELF.search(listed[:head.start()]):
            return ()
        ahead = re.sub(r"^(?:我们?|本人|您|你们?)", "", listed[:head.start()])  # not 「我的申请流程」
        unheaded = asked_by + ahead + ("的" if ahead and not ahead.endswith("的") else "")
        asked_by, listed = asked_by + listed[:head.end()], listed[head.end():]
    rest = _MARK.sub("", rest)
    if (_QUESTION.search(rest) or _DEMAND.search(rest) or _WEAK_ASK.search(rest) or _ASKS_IN_WORDS.search(rest)
            or _ASKS_ITSELF.search(listed) or _TELL_ME.search(listed)):
        return ()
    pieces = [(p.word, p.flag) for p in jieba_posseg().cut(listed[:WORD_CHARS])]
    runs: list[list[tuple[str, str]]] = [[]]
    for word, flag in pieces:
        if word in _JOINED:
            runs.append([])
        elif word.strip():
            runs[-1].append((word, flag))
    # each item names a thing told, or what the end asks a told thing of (对户籍和收入有哪些要求: 户籍, 收入)
    if len(runs) < 2 or any(not run or not (of or run[-1][0].endswith(_TOLD_THINGS)) for run in runs):
        return ()
    first = "".join(w for w, _ in runs[0])
    last, before = runs[0][-1][0], runs[0][:-1]
    told = of or next(t for t in _TOLD_THINGS if last.endswith(t))
    verbal = last == told and before and (before[-1][1] in ("v", "vn") or _PLEA_WORDS.fullmatch(before[-1][0]))
    # an item's verb (报名时间: 报名), shown with a bare told word after it (请问报名时间和地点: 请问报名地点; 公租房的
    # 申请时间和地点: 公租房的申请地点, review3 2026-12-05: it read 「公租房的地点」)
    verb = before[-1][0] if verbal else ""
    if "的" in first:
        subject, own = first[:first.rindex("的") + 1], first[first.rindex("的") + 1:]
    elif of:  # the last word, what the told thing is asked of (申请公租房对户籍: 户籍)
        own = last
        subject = first[:len(first) - len(own)]
    else:  # the last word, with a verb before it (公租房申请条件: 申请条件); a told word ending a longer one alone (学校地址: 地址)
        own = told if last != told else (verb + last)  # 办理流程 whole
        subject = first[:len(first) - len(own)]
    named = [own] + ["".join(w for w, _ in run) for run in runs[1:]]
    # an item names something to look for: words, or a bare thing told, judged in kind (要求, a cue word cut from its words)
    if len(set(named)) < len(named) or any(j not in _TOLD_THINGS and not any(_HAN_WORD.fullmatch(g) for g in _content(j))
                                           for j in named):
        return ()
    # an item asked of in the end is judged with what is asked of it (「户籍 要求」, ``_told_of``: review of answer quality,
    # 2026-12-05): its own word alone was taken up by any 户籍 of the reply
    judged = [f"{j} {of}" if of else j for j in named]
    # it read 「请问地点」, the officer left to guess of what; judged alone all the same. An item with its own 的 follows
    # the subject without the subject's (公积金提取的条件和需要的材料: 公积金提取需要的材料, not …提取的需要的材料). A head's
    # verb goes with the items it fits (需要具备什么条件和办理流程?: 「需要具备什么条件」, 「办理流程」; it read
    # 「需要具备什么办理流程」), another item shown after what the head asks of (申请公租房的办理流程)
    return tuple((f"{asked_by if n == 0 or _fits(head, j) else unheaded}"
                  f"{subject.removesuffix('的') if '的' in j else subject}"
                  f"{verb if n and j in _TOLD_THINGS else ''}{j}{end}", k)
                 for n, (j, k) in enumerate(zip(named, judged, strict=True)))


def substance(reply: str) -> str:
    """The reply without greetings, 已收悉, thanks and dates."""
    return _COURTESY.sub("", normalize(reply))


_STOCK_COURTESY = re.compile(rf"(?:留言|来信)?已收悉|{_THANKS_FOR}")


def stock_phrases(reply: str, most: int = 3) -> list[str]:
    """The form letter's own phrases in ``reply`` (已收悉, 已转交县住建局核查, 高度重视 …), in
    order, at most ``most``: what the officer is shown of why a reply is 套话."""
    text = normalize(reply or "")
    found = sorted([*_STOCK_COURTESY.finditer(text), *_FORWARDED.finditer(text)], key=lambda m: m.start())
    return list(dict.fromkeys(m.group(0).strip(",，。 ") for m in found))[:most]


def is_boilerplate(reply: str) -> bool:
    core = _FORWARDED.sub("", substance(reply))
    return len(re.sub(r"[^\u3400-\u9fffA-Za-z0-9]", "", core)) < MIN_SUBSTANCE and not _CONCRETE.search(core)


# timeliness: full up to this many days after the message (or up to the case's deadline) ...
ON_TIME_DAYS = 15
# ... then falling linearly to 0 this many days later
LATE_DAYS = 45
KEY_WORDS = 6  # of the message's words the relevance explanation names as said, and as not said
# nouns of time and degree that name nothing a reply should repeat (什么时候: 「时候」), and the letter's
# words for itself (提一点建议, 这是居民的心声, 合理诉求: 「未提到「心声」」 sent the officer to echo them) and
# for its type (咨询…能否退费: 「未提到「咨询」」), for the explanation alone (the relevance score reads character pairs, not these words)
_FILLER_WORDS = frozenset("时候 时期 期间 日子 目前 现在 当时 以后 以前 今年 去年 明年 每天 天天 年底 月底 "
                          "原因 结果 样子 程度 大家 人们 有关 相关 一些 这些 那些 其他 其它 所有 很多 多少 部分 "
                          "建议 意见 心声 诉求 呼声 想法 愿望 咨询 投诉 求助 举报".split())


def _blanked(pattern: re.Pattern, text: str) -> str:
    """``text`` with what ``pattern`` matches blanked out, each character by a space (the positions
    stay those of the text as written)."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _place_spans(names, written: str) -> list[tuple[int, int]]:
    """Where the places ``names`` (``hotspots.extract_places`` of the whole message: 富康家园, 石长铁路,
    育才二小) lie in ``written``, each occurrence, the longest first where two overlap; a name that is a
    verb (安居: the key of 安居小区, 小区 trimmed) with the 小区 written after it where a name begins (住在安居小区,
    安居小区路灯…; not 开发商赔偿小区业主)."""
    from .hotspots import TRIMMED_WORDS  # noqa: PLC0415 (only for the reply form's explanation)

    spans: list[tuple[int, int]] = []
    for name in sorted(names, key=len, reverse=True):
        for m in re.finditer(re.escape(name), written):
            start, end = m.span()
            if _a_verb(name) and (not start or not _HAN_WORD.match(written[start - 1])
                                  or written[start - 1] in _BEFORE_A_PLACE):
                end = (re.compile(TRIMMED_WORDS).match(written, end) or m).end()
            if not any(start < e and s < end for s, e in spans):
                spans.append((start, end))
    return spans


# how common a verb an estate is named by may be (安居 142, 宜居 56, 兴旺 357 in jieba's dictionary): a commoner
# one read as a name before 小区 acts on the estate (邻近 888, 加紧 1,040, 赔偿 1,072, 保持 10,261: 保持小区文明)
NAME_VERB_MAX = 500


@lru_cache(maxsize=1024)
def _a_verb(name: str) -> bool:
    """Whether jieba reads ``name`` as one verb, rare enough to name an estate (安居: ``NAME_VERB_MAX``)."""
    pieces = jieba_posseg().lcut(name, HMM=False)
    return len(pieces) == 1 and pieces[0].flag == "v" and word_frequency(name) <= NAME_VERB_MAX


# jieba's parts of speech that no place name holds (time words, verbs, particles, pronouns,
# conjunctions): a place read past one begins after it (前年过年前京珠高速: 京珠高速, 就读滨江小学: 滨江小学)
_NOT_IN_PLACE = ("t", "v", "u", "r", "c", "y", "x")


def _whole_places(spans, pieces, written: str) -> list[tuple[int, int]]:
    """``spans`` of places begun where a word begins: after a word of the text read across a place's
    start, or after a word inside it that no name holds (``_NOT_IN_PLACE``, a stop word cut out) but
    for the name of an estate (安居 of 安居小区: not 「小区」); one left shorter than two characters is none."""
    from .hotspots import TRIMMED_WORDS  # noqa: PLC0415 (only for the reply form's explanation)

    whole = []
    for start, end in spans:
        for _word, flag, s, e in pieces:
            if s < start < e or (start <= s and e <= end and e < end and flag.startswith(_NOT_IN_PLACE)
                                 and not (flag == "v" and re.fullmatch(TRIMMED_WORDS, written[e:end]))):
                start = max(start, e)
        if end - start >= 2:
            whole.append((start, end))
    return whole


def _terms(written: str, place_names=()) -> list[str]:
    """The key words of ``written`` (a title or a body) in order, as the message wrote them: jieba's
    nouns, places and verbal nouns, a piece of a place the message names (``place_names``) read as the
    whole place (家园 of 富康家园: 「富康家园」), a word no dictionary knows joined to the
    noun after it (益丰 药房: 「益丰药房」); a piece of one character, the rest of a word cut out as a letter-writing
    word (人民 of 人民政府, 人员 of 工作人员) and a piece of no word that begins or ends as a function word
    does (将人 of 市将人民路) dropped."""
    from .hotspots import _ADMIN  # noqa: PLC0415 (a region mark, A市 or A3区, is no key word)

    cleaned = _blanked(_ADMIN, _blanked(_PLEA_WORDS, _blanked(_STOP_WORDS, _blanked(_OWN_CONTACT, written))))
    pieces, at = [], 0
    for p in jieba_posseg().cut(cleaned):
        pieces.append((p.word, "x" if p.word.isspace() else p.flag, at, at + len(p.word)))
        at += len(p.word)
    places = _whole_places(_place_spans(place_names, written), pieces, written)
    terms: list[str] = []
    run: list[tuple[str, str]] = []  # adjacent nouns outside any place, with their parts of speech
    named_places: set[tuple[int, int]] = set()

    def close_run() -> None:
        # a word no dictionary knows is joined to the noun after it (益丰 药房: 「益丰药房」), or to the one
        # before it when last; the others stand alone: the whole run joined named 「小区益丰药房」, and a
        # title of nouns around a person's name (nr, joined to none) as one key word
        i, joined_last = 0, False
        while i < len(run):
            word, flag = run[i]
            unknown = not word_frequency(word) and not flag.startswith("nr")
            if unknown and i + 1 < len(run) and not run[i + 1][1].startswith("nr"):
                terms.append(word + run[i + 1][0])
                i, joined_last = i + 2, True
                continue
            if unknown and i and not joined_last and not run[i - 1][1].startswith("nr"):
                terms[-1] += word
            else:
                terms.append(word)
            i, joined_last = i + 1, False
        run.clear()

    last_end = -1
    for word, flag, start, end in pieces:
        if not (flag.startswith(("n", "vn")) and _HAN_WORD.fullmatch(word)):
            close_run()
            continue
        if place := next(((s, e) for s, e in places if s < end and start < e), None):
            close_run()
            if place not in named_places:
                named_places.add(place)
                terms.append(written[place[0]:place[1]])
            continue
        if len(word) < 2 or _cut_from(word, start, end, cleaned, written):
            close_run()
            continue
        if start != last_end:
            close_run()
        run.append((word, flag))
        last_end = end
    close_run()
    places_named = {written[s:e] for s, e in named_places}
    return [t for t in terms if t in places_named or (
        t not in _GENERIC_OBJECT and t not in _FILLER_WORDS
        and (word_frequency(t) or t[0] not in _NOT_IN_NAME and t[-1] not in _NOT_IN_NAME))]


def _cut_from(word: str, start: int, end: int, cleaned: str, written: str) -> bool:
    """Whether ``word`` is the rest of a dictionary word whose other part was cut out as a
    letter-writing word (人民 of 人民政府, 人员 of 工作人员, 监管 of 监管部门)."""
    for n in (2, 3, 4):
        if cleaned[end:end + n].isspace() and word_frequency(written[start:end + n]):
            return True
        if start >= n and cleaned[start - n:start].isspace() and word_frequency(written[start - n:end]):
            return True
    return False


def _key_words(title: str, body: str) -> list[str]:
    """The message's key words for the relevance explanation (``_terms``: nouns, places and verbal
    nouns, whole as the message wrote them), the letter-writing words, region marks and the citizen's
    phone number left out; the title's first, then the commonest in the message."""
    from .hotspots import extract_places  # noqa: PLC0415 (only for the reply form's explanation)

    title_words: set[str] = set()
    counts: Counter = Counter()
    place_names = extract_places(f"{title}。{body}")
    for part, text in (("title", title), ("body", body)):
        for word in _terms(substance(text)[:WORD_CHARS], place_names):
            counts[word] += 1
            if part == "title":
                title_words.add(word)
    order = list(counts)  # first seen first
    return sorted(counts, key=lambda w: (w not in title_words, -counts[w], order.index(w)))


def _said_in(word: str, core: str) -> bool:
    """Whether the reply says ``word``, as written, in its synonym (噪音 / 噪声), by its head
    (``_heads``: 县城垃圾站 said as 垃圾站) or by its abbreviation or in full (``_abbreviated``: 驾校 as 驾培机构,
    公交车 as 公共汽车, 医疗保险 as 医保; since 2026-12-06)."""
    return (word in core or any(other in core for other in SYNONYM_OF.get(word, ()))
            or any(head in core for head in _heads(word)) or _abbreviated(word, core))


# a public service named by its abbreviation in one text and in full, or by another abbreviation, in the other, where
# neither spells the other out in order (驾校 / 驾培 / 驾驶培训机构) or the full name is no dictionary word (公共汽车 for
# 公交, 城市管理 for 城管): a small table of the government's words, read as a word's group in ``_said_in``
ABBREVIATIONS = (
    ("驾校", "驾培", "驾驶培训", "驾驶员培训", "驾驶人培训", "驾驶学校"),
    ("公交", "公共汽车", "公共交通"),
    ("城管", "城市管理"),
    ("低保", "最低生活保障"),
    ("公租房", "公共租赁住房"),
    ("车管所", "车辆管理所"),
    ("新农合", "新型农村合作医疗"),
    ("监管", "监督管理"),
    # 2026-12-06 (quality review): the units and services a letter names most by their short names, and an illness whose
    # short name keeps a whole word of its full one (精神病: 精神 疾病), which ``_in_full`` cannot read; no short name
    # that is also a piece of everyday words (人大 of 老人大多: the completeness reads a group's word inside any other)
    ("村委会", "村委", "村民委员会"),
    ("居委会", "居委", "居民委员会"),
    ("人社局", "人社部门", "人力资源和社会保障局", "人力资源社会保障局"),
    ("住建局", "住建部门", "住房和城乡建设局", "住房城乡建设局"),
    ("发改委", "发改局", "发展和改革委员会", "发展改革委", "发展和改革局", "发展改革局"),
    ("市监局", "市场监管局", "市场监督管理局"),
    ("卫健委", "卫健局", "卫生健康委", "卫生健康委员会", "卫生健康局"),
    ("交警", "交通警察"),
    ("社保", "社会保险"),
    ("医保", "医疗保险", "医疗保障"),
    ("公积金", "住房公积金"),
    ("物业", "物业服务企业", "物业服务人"),
    ("房管局", "房产管理局", "房屋管理局"),
    ("残联", "残疾人联合会"),
    ("妇联", "妇女联合会"),
    ("廉租房", "廉租住房"),
    ("经适房", "经济适用房", "经济适用住房"),
    ("网约车", "网络预约出租汽车"),
    ("精神病", "精神疾病"),
)
# jieba's frequency of the commonest word of a message read in a word of the reply that spells it out (``_in_full``: 公厕
# 41, 计生 56, 幼教 31): since the review of 2026-12-06's abbreviations (later that day) not the everyday words whose
# characters begin an unrelated word's (原价 87 in 原油价格, 打人 338 in 打捞人员, 农户 402 in 农村户口, 任教 964 in 任课教师,
# 申报 1101 in 申请报告), each read before as said; the 监管 of 监督管理 (1144) is in the table above
SPELLED_OUT = 60


def _an_abbreviation(word: str) -> bool:
    """A dictionary word, not a common one nor a number, that may abbreviate a longer name (``_reworded``'s rule)."""
    return bool(_HAN_WORD.fullmatch(word)) and 0 < word_frequency(word) <= COMMON and not _NUMERAL.search(word)


def _abbreviated(word: str, core: str) -> bool:
    """Whether ``core`` names ``word`` by its abbreviation or in full (review 2026-12-06): another word of its group
    in ``ABBREVIATIONS`` (驾培 for 驾校, 公共汽车 for 公交车); a short word in full (``_in_full``: 公厕 in 公共厕所); or a
    long word by a word of the reply that abbreviates it (社保 of 社会保险, 环保 of 环境保护; a word as jieba cuts the
    reply: no 市道 of 全市道路 for 市政道路)."""
    if any(_of_group(word, w) and any(o in core for o in group if o not in word or w == word)
           for group in ABBREVIATIONS for w in group):
        return True
    if 2 <= len(word) <= 3 and _an_abbreviation(word):
        return word_frequency(word) <= SPELLED_OUT and _in_full(word, core) is not None
    return (len(word) >= 4 and bool(word_frequency(word)) and word[0] in core
            and any(word.startswith(_in_full(short, word) or "-") for short in _reply_words(core)
                    if short[0] == word[0] and short not in word and len(short) <= 3 and _an_abbreviation(short)))


def _of_group(word: str, name: str) -> bool:
    """Whether ``word`` names ``name`` of a group of ``ABBREVIATIONS``: holds it (公交车 of 公交, 住房公积金 of itself), not as
    the first word of a sum of money (物业费 is no 物业: ``_MONEY_WORD``)."""
    return name in word and (name == word or not _MONEY_WORD.fullmatch(word))


@lru_cache(maxsize=8)
def _reply_words(core: str) -> frozenset[str]:
    """The reply's words as jieba cuts it, read once for all the key words of its message."""
    return frozenset(tokenize(core[:WORD_CHARS * 5]))


@lru_cache(maxsize=8)
def _reply_shorts(core: str) -> frozenset[str]:
    """The reply's words of two or three characters as jieba cuts it, and the halves of its words of four (查处 of 依法查处)."""
    words = _reply_words(core)
    return frozenset({w for w in words if 2 <= len(w) <= 3} | {h for w in words if len(w) == 4 for h in (w[:2], w[2:])})


def _in_full(short: str, text: str) -> str | None:
    """The word of ``text`` that spells ``short`` out in full, or None: a dictionary word holding its characters in
    order, each beginning a dictionary word of two or three characters that runs to the next (公厕 in 公共厕所: 公共 厕所;
    医保 in 医疗保险; the last of three a word of one character too); not a character inside a word (工程量 is no 工程质量:
    程质 量, 人行道 no 人行横道), nor words that make no name together (城管 is no 城区管网). The one rule of both
    readers, the relevance explanation's (``_abbreviated``) and completeness's (``_reworded``), since 2026-12-06: the
    second had its own, looser (``_spelled_out``: 违建 read in 违法建设, 公车 in 公交车)."""
    start = text.find(short[0])
    while start != -1:
        at = [start]
        for char in short[1:]:
            found = text.find(char, at[-1] + 2, at[-1] + 4)
            if found == -1:
                break
            at.append(found)
        else:
            ends = (1, 2, 3) if len(short) >= 3 else (2, 3)
            if all(word_frequency(text[a:b]) for a, b in zip(at, at[1:], strict=False)):
                for n in ends:
                    if (at[-1] + n <= len(text) and word_frequency(text[at[-1]:at[-1] + n])
                            and (word_frequency(text[start:at[-1] + n])
                                 or _two_acts(short, text[start:at[-1]], text[at[-1]:at[-1] + n]))):
                        return text[start:at[-1] + n]
        start = text.find(short[0], start + 1)
    return None


@lru_cache(maxsize=4096)
def _one_verb(word: str) -> bool:
    """A word jieba's dictionary tags a verb, whole (查处, 查扣, 处理; not 违法 nor 建设, nouns of a verb)."""
    pieces = jieba_posseg().lcut(word, HMM=False)
    return len(pieces) == 1 and pieces[0].flag == "v"


def _two_acts(short: str, first: str, second: str) -> bool:
    """Whether ``first`` ``second``, no dictionary word, spell the verb ``short`` out as two acts one after the other (查处 in
    查扣处理: 查扣 处理; 2026-12-06, quality review): the full name of an act, not of a thing (城管 is no 城区管网)."""
    return len(short) == 2 and _one_verb(short) and _one_verb(first) and _one_verb(second)


# what leads a place's name without naming it: a region (城关镇, 县城, A区) or, in a place read too long, a
# number or a time (几天塘湖村)
_REGION_LEADS = ("ns", "m", "t")
_REGION_LAST = frozenset("区县市镇乡省城")
# a company or an office is named by its name: 有限公司 and 物业公司 name none (水务有限公司, 某某物业公司),
# nor 服务中心, 办公室 or 管理局 one (政务服务中心 is not the 社区卫生服务中心)
_NO_FACILITY = ("公司", "集团", "中心", "办公室", "局", "委员会", "办事处")


@lru_cache(maxsize=1024)
def _heads(word: str) -> tuple[str, ...]:
    """The shorter names a reply may call the key word ``word`` by: its last word, a facility of three
    characters or more that the dictionary knows (垃圾站 of 县城垃圾站, 卫生院 of 城关镇卫生院; no company or office), and the
    rest after a region, a number or a time that leads it (塘湖村 of 几天塘湖村, 人民医院 of 第一人民医院), of
    three characters or more too: 垃圾 names no 垃圾站, 家园 no 富康家园."""
    pieces = jieba_posseg().lcut(word, HMM=False)
    if len(pieces) < 2:
        return ()
    heads = []
    if len(last := pieces[-1].word) >= 3 and word_frequency(last) and not last.endswith(_NO_FACILITY):
        heads.append(last)
    first = pieces[0]
    rest = word[len(first.word):]
    if len(rest) >= 3 and (first.flag.startswith(_REGION_LEADS) or first.word[-1] in _REGION_LAST):
        heads.append(rest)
    return tuple(dict.fromkeys(heads))


def _quoted(items) -> str:
    return "、".join(f"「{w}」" for w in items)


def _and(items: list[str]) -> str:
    return "和".join(items) if len(items) < 3 else "、".join(items[:-1]) + "和" + items[-1]


def _past_due(due_at, replied_at) -> str:
    """A reply past the case's deadline, in working days as the case's header counts them (its
    「已超期 3 个工作日」, ``working_days_between``): it said 「已超过答复期限 3.3 天」 in calendar days beside
    it. None yet (the deadline's day, or rest days since): 「已超过答复期限」 alone, as the header."""
    days = working_days_between(due_at, replied_at)
    return f"已超过答复期限 {days} 个工作日" if days else "已超过答复期限"


def _explained(result: dict, title: str, body: str, core: str, asked_at, replied_at, due_at) -> dict[str, str]:
    """What each part short of full marks found and what it misses, in plain Chinese (the
    reply form shows it beside the part; the score is not touched). Full marks: no entry."""
    short = {name: result[name] is not None and round(result[name] * 100) < 100
             for name in ("relevance", "completeness", "interpretability", "timeliness")}
    said: dict[str, str] = {}
    if short["relevance"]:
        words = _key_words(title or "", body or "")
        named = [w for w in words if _said_in(w, core)][:KEY_WORDS]
        left = [w for w in words if not _said_in(w, core)][:KEY_WORDS]
        if not words:
            said["relevance"] = "留言中没有可比对的关键词, 按答复与留言的字词重合度计"
        elif not named:
            said["relevance"] = f"答复未提到留言中的关键词, 如{_quoted(left)}"
        else:
            said["relevance"] = f"答复提到了留言中的{_quoted(named)}" + (f", 未提到{_quoted(left)}" if left else "")
    if result.get("praise"):  # another type, read as a thanks by its words
        said["completeness"] = "留言只表达感谢或称赞, 未提出问题或诉求, 不计完整性 (按满分计)"
    elif result.get("thanks"):  # full marks, said all the same: the officer would wonder why
        said["completeness"] = "感谢留言未提出问题或诉求, 不计完整性 (按满分计)"
    elif short["completeness"]:
        n, done = result["questions"], result["questions_addressed"]
        if not n:
            said["completeness"] = "留言未提出明确的问题或诉求, 按答复与留言的相关性计"
        else:
            missed = result["missed"]
            said["completeness"] = (f"留言提出 {n} 个问题或诉求, 已回应 {done} 个"
                                    + (f", 未回应{_quoted(missed[:3])}" + (" 等" if len(missed) > 3 else "") if missed else ""))
    if short["interpretability"]:
        kinds = (("facts", "核实的事实或政策依据"), ("measures", "采取的措施"), ("contact", "联系方式 (电话或办理窗口)"))
        found = [label for key, label in kinds if result[key]]
        lacking = [label for key, label in kinds if not result[key]]
        said["interpretability"] = ("已说明" + _and(found) + ", " if found else "") + "未说明" + _and(lacking)
    if short["timeliness"] and asked_at and replied_at:
        if due_at is not None:
            # the part counts calendar days past the deadline, the words beside it working days: 「18 个工作日
            # (超期 45 天为 0)」 read as 60 % beside a 44 % (walk of 2026-12-05). The days it counts are said
            late = (replied_at - due_at).total_seconds() / 86400
            said["timeliness"] = f"{_past_due(due_at, replied_at)} (超期 {late:.1f} 天, 满 {LATE_DAYS} 天为 0)"
        else:
            days = (replied_at - asked_at).total_seconds() / 86400
            said["timeliness"] = f"距留言提交已 {days:.1f} 天, 超过 {ON_TIME_DAYS} 天 ({ON_TIME_DAYS + LATE_DAYS} 天为 0)"
    return said


def score_reply(title: str, body: str, reply: str, asked_at: dt.datetime | None = None,
                replied_at: dt.datetime | None = None, due_at: dt.datetime | None = None,
                explain: bool = False, thanks: bool = False) -> dict:
    """Score ``reply`` to the message (``title``, ``body``). Returns a dict with
    ``score`` (0–100), the four parts, ``boilerplate`` and ``reasons`` (Chinese).
    Timeliness counts from ``due_at`` (the case's deadline, extensions included) when given,
    else 15 days from ``asked_at``. With ``explain`` (the reply form), also ``explained``: for
    each part short of full marks, what it found and what is missing (``_explained``). ``thanks``: the
    message is a 感谢, which asks for nothing: no question is read in it and completeness is full."""
    reply = reply or ""
    message_text = f"{title or ''}。{body or ''}"
    core = substance(reply)
    reasons: list[str] = []

    relevance = min(1.0, _cosine(_grams(message_text), _grams(core)) / 0.25)
    if relevance < 0.4:
        reasons.append("答复与留言内容关联不大, 未针对留言反映的具体问题作答")

    asked = _asked(title or "", body or "")
    reply_grams = _grams(core)
    boilerplate = is_boilerplate(reply)
    concrete = not boilerplate and bool(_CONCRETE.search(core))
    # a plea that names nothing is answered by a reply that takes up the message: one that is
    # relevant, names a concrete step, or answers another of its questions (恳请书记帮帮忙 beside
    # the question the reply answers in other words than the message's)
    twins = _twins(title or "", body or "", asked)
    for body_q, title_qs in list(twins.items()):  # either way round: the title's taken up by the body's
        for t in title_qs:
            twins.setdefault(t, []).append(body_q)
    # a request to be told a list of things counts each item as a question (``_items``), taken up in its
    # own words alone: not by a title or a body question saying the list again
    item_of = {shown: judged for q in asked for shown, judged in _items(q)}
    listed = {q for q in {*asked, *twins} if _items(q)}
    twins = {q: [t for t in ts if t not in listed] for q, ts in twins.items() if q not in listed}
    asked = [shown for q in asked for shown in ([s for s, _ in _items(q)] if q in listed else [q])]
    several_whens = sum(1 for q in asked if _asks_when(q) or q in item_of and _TIME_ITEM.search(item_of[q])) > 1
    dates = _dates_kept(reply)

    # an answer in kind (a rule cited, a date, an amount, where to go) answers a question only where the reply is on
    # its subject (review 2026-12-05: a reply on a lift citing 《物业管理条例》 had 完整性 100% against a question on
    # the basis of a heating fee's refund): where it says the question's subject (``_about``: since 2026-12-06 by its
    # abbreviation or in full too) or, relevant to the message (40 % or more), where the title does not name it (until
    # 2026-12-06 any relevant reply was on every question's subject); not where it is on another subject, under ``OFF_MESSAGE`` and naming
    # ``OWN_SUBJECT`` things of its own or more (key words as the relevance explanation reads them, not the things one
    # asks to be told nor the words of a kind: 规定, 标准, 时间) and none of the message's (a terse answer, 预计6月底前
    # 完成施划, names too few to be on another subject); nor, for a question naming a subject the reply does not say,
    # where it says that of another question of the message on a subject apart, whose answer the one given is. A
    # question on the subject of another the reply says (its twin in the title, or one sharing a bigram of its key
    # words, ``_akin``: 保险金 beside 养老保险金) is on the reply's subject, in whatever words (私家车 / 机动车)
    @lru_cache(maxsize=1)
    def elsewhere() -> bool:
        said = {w for w in _key_words(title or "", body or "") if _said_in(w, core)}
        own = {t for t in _terms(core[:WORD_CHARS]) if not _TOLD_THING.search(t) and not _KIND_WORD.search(t)}
        return not said and len(own - set(_terms(message_text[:WORD_CHARS]))) >= OWN_SUBJECT

    # a question asked as a matter of its own with no opening word (小区门口的垃圾站什么时候清理? after a street lamp's story:
    # quality review, 2026-12-06): it asks in so many words (``_ASKS_OWN``), its subject (``_subject``) is first named where it
    # is asked, in neither the title nor the body before it, and no other question of the letter is on it (``_akin``)
    def own_matter(question: str) -> bool:
        subject = _subject(question)
        if (not subject or not _ASKS_OWN.search(question) or len(question) > OWN_MATTER_CHARS
                or _NUMBERED.match(question)):  # a numbered list asks of one matter (1, 现在的政策…? 2、…?)
            return False
        # on the title's matter in its own words (two bigrams of the title or more), or taken up by the reply in some words
        title_grams = _grams(title or "")
        key = _content(question)
        if sum(g in title_grams for g in key) >= 2 or any(g in reply_grams and g not in title_grams for g in key):
            return False
        at = (body or "").find(question[:20])
        before = f"{title or ''}。{(body or '')[:max(at, 0)]}"
        before_grams = _grams(before)
        if any(t in before or any(g in before_grams for g in _grams(t)) for t in subject):
            return False
        return not any(_akin(q, question) for q in {*asked, *twins} if q != question)

    @lru_cache(maxsize=64)
    def on_subject(question: str) -> bool:
        own = _about(question, core)
        if own:
            return True
        # a reply relevant to the message is off a question's subject only where the letter raises it as a matter of its
        # own: the title names it (供暖费 of 小区电梯停运, 另咨询供暖费退费), or the body asks it as another (另外想问一下,
        # 路面什么时候重新铺设? beside the street lamp of the title: ``_ANOTHER_MATTER``, since 2026-12-06), not a noun of its
        # story as jieba reads it (卡内余额 of a question on the loan the title asks of, 户籍科 of one on the 非转农 policy
        # the reply cites: review 2026-12-06)
        if (relevance >= 0.4 and not any(t in (title or "") for t in _subject(question))
                and not _ANOTHER_MATTER.match(question) and not own_matter(question)):
            return True
        others = [q for q in {*asked, *twins} if q != question]
        kin = {q for q in others if q in twins.get(question, ()) or _akin(q, question)}
        return any(_about(q, core) for q in kin) or not (relevance < OFF_MESSAGE and elsewhere()) and (
            own is None or not any(_about(q, core) for q in others if q not in kin))

    taken_up = {q: _addressed(item_of.get(q, q), core, reply_grams, relevance >= 0.4 or concrete, boilerplate,
                              several_whens, dates, q if q in item_of else "", on_subject)
                for q in {*asked, *(t for ts in twins.values() for t in ts)}}
    # an item (请问地点) is a question however short, not a plea naming nothing that any relevant reply takes up
    pleas = {q for q in asked if not _MARK.search(q) and q not in item_of and _names_nothing(q)}
    whole = not boilerplate and (relevance >= 0.4 or concrete or any(ok for q, ok in taken_up.items() if q not in pleas))
    # a body question is taken up in its own words or in the title's, where the title says it again
    addressed = [taken_up[q] or any(taken_up[t] for t in twins.get(q, ())) or (q in pleas and whole) for q in asked]
    # a letter that only thanks or praises, of any type, asks nothing either (``praise_only``: quality review, 2026-12-06)
    praise = not thanks and praise_only(title or "", body or "")
    if thanks or praise:  # a 感谢 asks nothing of the unit: its 希望这样的好作风继续保持 is no demand to answer (walk, 2026-12-06)
        asked, addressed = [], []
    completeness = (1.0 if thanks or praise else sum(addressed) / len(addressed) if addressed
                    else (1.0 if relevance >= 0.4 else relevance))
    missed = [q for q, ok in zip(asked, addressed, strict=True) if not ok]
    if missed:
        missed = [cut(q, 30, mark_within=True) for q in missed]  # cut, and seen to be
        reasons.append(f"留言提出的 {len(asked)} 个问题中有 {len(missed)} 个未回应, 如「{missed[0]}」")

    has_facts = bool(_FACTS.search(core))
    # passing the message on (已转相关部门处理, 将尽快处理) is no measure taken: its 已 and 将 are not read
    has_measures = bool(_MEASURES.search(_ACKNOWLEDGED.sub(" ", _FORWARDED.sub(" ", core))))
    has_contact = bool(_CONTACT.search(core))
    interpretability = (has_facts + has_measures + has_contact) / 3
    if not has_facts:
        reasons.append("未说明调查核实的事实或依据的政策法规")
    if not has_measures:
        reasons.append("未说明已采取或将采取的具体措施")
    if not has_contact:
        reasons.append("未提供联系电话或办理窗口, 群众无法进一步咨询")

    timeliness = None
    if asked_at and replied_at:
        days = (replied_at - asked_at).total_seconds() / 86400
        timeliness = (None if days < 0 else 1.0 if days <= ON_TIME_DAYS
                      else max(0.0, 1 - (days - ON_TIME_DAYS) / LATE_DAYS))
        if days < 0:  # a data error: the timeliness is unknown, not perfect
            reasons.append("答复时间早于留言时间, 请核对时间; 未计及时性")
        elif due_at is not None:  # the case's own deadline: working days, extensions granted
            late = (replied_at - due_at).total_seconds() / 86400
            timeliness = 1.0 if late <= 0 else max(0.0, 1 - late / LATE_DAYS)
            if late > 0:
                reasons.append(_past_due(due_at, replied_at))
        elif days > 15:
            reasons.append(f"距留言提交已 {days:.1f} 天, 超过 15 天")  # true of a preview too (答复用时 read as sent)

    parts = [(0.3, relevance), (0.3, completeness), (0.3, interpretability)]
    if timeliness is not None:
        parts.append((0.1, timeliness))
    score = 100 * sum(w * v for w, v in parts) / sum(w for w, _ in parts)

    if boilerplate:
        score = min(score, float(BOILERPLATE_CAP))  # 20.0: every score is written with its decimal
        # the phrases of this reply, not the same two examples whatever it says (高度重视, 认真研究)
        said = "".join(f"“{p}”" for p in stock_phrases(reply))
        reasons.insert(0, f"答复为套话 ({said}), 没有实质内容" if said else "答复内容过少, 没有实质内容")
    result = {
        "score": round(score, 1),
        "relevance": round(relevance, 3),
        "completeness": round(completeness, 3),
        "interpretability": round(interpretability, 3),
        "timeliness": None if timeliness is None else round(timeliness, 3),
        "facts": has_facts,
        "measures": has_measures,
        "contact": has_contact,
        "questions": len(asked),
        "questions_addressed": sum(addressed),
        "boilerplate": boilerplate,
        "thanks": thanks or praise,  # completeness not charged: the reply form says why
        "praise": praise,  # not a 感谢 by its type, read as one by its words (``praise_only``)
        "reasons": reasons,
        "missed": missed,  # every question not taken up, as the reason quotes the first: the reply form lists them
    }
    if explain:
        result["explained"] = _explained(result, title, body, core, asked_at, replied_at, due_at)
    return result
