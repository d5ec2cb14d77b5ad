"""Issue 11's table: real-shaped sentences and the redaction slots a careful reader counts in them.

Most sentences are taken or adapted from redacted documents on template (范文/文库) sites, read
through the search tool; ``source`` names the page, or "issue 11" for a form the issue lists.
Each case's ``slots`` are the slots expected, in text order, as ``(mask, type, detail)``:

- ``mask`` is the slot's own text with whitespace removed.  A slot made of several mask runs and
  what joins them (``x.x``, ``X/X/XX``, ``XX年X月X日``, ``× ×``) is ONE slot whose mask runs from its
  first mask character to its last, and over a date's closing 月/日 (``X年X月``, ``X月X日``).
  A year slot's mask is only the hidden digits (``20xx年`` ->
  ``xx``); digits beside a mask are not part of it (``×.5亿元`` -> ``×``).  A blank left where a
  number was deleted (``生产总值 亿元``) is a slot whose mask is "".
- ``type`` is number | ordinal | year | date | code | place | person | formula | unknown.
- ``detail`` is the unit for a number as ``rules/units.txt`` reads it (its longest entry wins:
  ``x个村`` -> 个村), exactly as written (traditional ``萬元`` stays ``萬元``: the
  issue wants the original characters shown), the level for a place, "" otherwise.
- ``today`` (optional) says what the current code gets wrong; the test turns it into a strict
  xfail, so remove it when a fix makes the case pass.

How the ambiguous cases were decided (as a careful human reader would):

- A place's level comes from the administrative word after it: 省 province; 市/州/盟/地区
  prefecture; 县/区/旗 (and 开发区, 府办发 of a county office) county; 镇/乡/街道/苏木 town;
  村/社区/村委会/居委会 village.  ××县 in a county's own report is county.
- A bare place name (``xx在应对挑战中…``, ``树**新形象``) takes the level of the unit the text
  speaks for (全县/县政府 -> county, 全镇/镇党委 -> town).  A named feature that is not an
  administrative unit (a road, a scenic spot) is a place of level "unknown".
  ``×市第×届人民代表大会`` is the congress of the document's own (county-level) city: county.
- A hidden name of a company, project, school, office or party branch is "unknown": it is neither
  the document's place nor a person (×××党支部, ***农业发展有限公司, ××处).
- A person is any hidden name next to 同志, a title (书记, 镇长, 市长) or after a surname (张某,
  王××), never a place and never the unit 人.
- ``formula``: a mask over fixed political text that identifies nobody: 党的XX大, XXX新时代…思想,
  落实XXX精神, and the self-censored 党 of 镇X委 / **建 / **员.
- A count of years (``连续X年``, ``X年跨X亿``) is a number with unit 年; a calendar year
  (``20xx年``, ``××年工作``, ``**年，我镇…``) is a year; a year with its month and/or day hidden is
  a date; a hidden month alone (``X月，获评…``) is a date too.
- 第x位 / x届x次全会 are ordinals; a document number's sequence is not a slot here.
- Not masks: 某 meaning "a certain" (某重点项目), ``?`` standing for lost quote marks (?三个代表?),
  a bullet glyph at the start of a line, Markdown bold, x/X inside Latin words and codes, a page's
  close button, × between numbers, uploader handles, 1+X.
"""
from __future__ import annotations

ISSUE = "issue 11"

GAOZIPU = "https://gaozipu.com/jianghuafanwen/63443.html"
QIRDY = "http://m.7rdy.cn/news/48836.html"
WNWK = "https://wnwk.com/doc/1314921.html"
WENGZUN = "https://wengzun.com/zhuantifanwen/zhenxingxiangzhen/11143.html"
XUEXUE6 = "http://www.xuexue6.com/bgzj/k03395/6114828_4.html"
XINYU = "https://www.xinyuwenchuang.cn/doc/78016.html"
WENKUHUB = "https://www.wenkuhub.com/?p=114632"
FWSIR = "https://fwsir.com/Article/html/Article_20140724170155_270859.html"
MINGYAN_TRAD = "https://www.mingyanjiaju.org/fanwen/banniangongzuozongjie/1592916323277298.htm"
DESK33 = "https://desk33.com/d-1783886.html"
FANWEN118 = "https://www.fanwen118.com/info_22/fw_3498238.html"
MISHU = "https://1mishu.com/article/zhongjibaogao/zhengfubaogao/200804/85771.html"
SUCAI198 = "https://sucai198.com/lingdaojianghua/2022/08/30588_3.html"
ALATIKU = "https://m.alatiku.com/fanwen/yanjiang/2qgx3y.html"
GONGWK = "https://www.gongwk.com/doc/582268.jhtml"
DAWENGE = "https://dawenge.com/jihuazongjie/123517.html"
HYYWX = "https://hyywx.com/wenku/a/41-63362-0.html"
FLYSKY = "http://flyskyemperor.com/gongzuojihua/2021/1026/88719.html"
WDCZX = "http://wdczx.cn/n17054c15.aspx"
INTERLIB = "http://ulib.interlib.cn/tcshop/1111/product/6503127.html"
CAIYES = "http://t5.caiyes.cn/thread-73869-1-1.html"
BAIWEN5 = "https://baiwen5.com/tips/160586.html"
ZAIXIAN = "https://m.010zaixian.com/shiyongwen/gongzuojihua/257017_2.htm"
NUOHA = "http://www.nuoha.cn/book/chapter/99235/8.html"
DOCS360 = "https://360docs.net/doc/2816020024.html"
XUEWENYA = "http://xuewenya.com/jihuashu/1078321.html"
DOCZJ = "https://doczj.com/doc/c53712411.html"
GWXT = "http://gwxt.net/forum.php?action=printable&mod=viewthread&tid=9590"
GLAYUN = "http://m.glayun.com/zongjie/409351.html"
GZSHINE = "http://gz-shine.com/yanjianggao/jingxuanyanjianggao/2712659_2.htm"
FUDAOKE = "https://www.fudaoke.com/exam/2242519.html"
TAOTAO = "https://61taotao.com/office/34530.html"
WENDANG96 = "http://96sk.com/post/37214.html"
WM114 = "https://www.wm114.cn/wen/5/8718.html"


# What the current code gets wrong, in words shared by the cases' ``today`` marks.
BLANK = "a blank left for a deleted number is not a slot"


def wrong(*what: str) -> str:
    return "issue 11: " + "; ".join(what)


def case(text: str, *slots: tuple[str, str, str], source: str = ISSUE, today: str = "") -> dict:
    """``today`` says what the current code gets wrong: the test marks the case a strict xfail
    with that reason, so a fix that makes it pass fails the suite until the mark is removed."""
    return {"text": text, "slots": list(slots), "source": source, "today": today}


def num(mask: str, unit: str) -> tuple[str, str, str]:
    return (mask, "number", unit)


def place(mask: str, level: str) -> tuple[str, str, str]:
    return (mask, "place", level)


def kind(mask: str, slot_type: str) -> tuple[str, str, str]:
    return (mask, slot_type, "")


CASES: list[dict] = [
    # --- long and short x runs in a county report (gaozipu) ---------------------------------
    case("20xx年，预计实现地区生产总值xxx亿元，年均增长x.x%；",
         kind("xx", "year"), num("xxx", "亿元"), num("x.x", "%"), source=GAOZIPU),
    case("人均地区生产总值突破xx万元；", num("xx", "万元"), source=GAOZIPU),
    case("财政总收入xx.x亿元、一般公共预算收入xx.x亿元，年均分别增长x.x%和x.x%；",
         num("xx.x", "亿元"), num("xx.x", "亿元"), num("x.x", "%"), num("x.x", "%"), source=GAOZIPU),
    case("城镇常住居民人均可支配收入xxxxx元，农村常住居民人均可支配收入xxxxx元。",
         num("xxxxx", "元"), num("xxxxx", "元"), source=GAOZIPU),
    case("金融机构存贷款余额xxxx亿元，年均增长xx.x%，不良贷款率x.xx%，保持全市最低水平。",
         num("xxxx", "亿元"), num("xx.x", "%"), num("x.xx", "%"), source=GAOZIPU),
    case("在全国综合竞争力百强县(市)中排名第xx位。", kind("xx", "ordinal"), source=GAOZIPU),
    case("五年来，县政府坚决贯彻上级决策部署，是xx在应对挑战中负重前行、奋发有为的五年。",
         place("xx", "county"), source=GAOZIPU),
    case("“企业数字化制造、行业平台化服务”的“xx模式”全省推广。",
         place("xx", "county"), source=GAOZIPU),
    case("@所有人,加入我们\n×\n\n人民代表大会政府工作报告(区县)", source=GAOZIPU),
    case("固定资产投资xxx亿元，年均增长x.x%；社会消费品零售总额xxx亿元。",
         num("xxx", "亿元"), num("x.x", "%"), num("xxx", "亿元"), source=GAOZIPU),
    # --- a county's speech on the city's report (7rdy) ----------------------------------------
    case("xx市长作的《政府工作报告》，通篇贯穿着市委x届x次全会精神。",
         kind("xx", "person"), kind("x", "ordinal"), kind("x", "ordinal"), source=QIRDY),
    case("必将开启加快建设xxxxxxxx的现代化xxx的新征程。",
         kind("xxxxxxxx", "unknown"), kind("xxx", "unknown"), source=QIRDY,
         today=wrong("xxx after 现代化 (a phrase, not a name) is called the county")),
    case("深刻诠释了“十三五”时期全市经济社会发展取得的重大成就和202x年工作取得的显著成效。",
         kind("x", "year"), source=QIRDY),
    case("《报告》提出了要“加快建设x个中心”，在安排202x年工作目标时提出了x个方面工作。",
         num("x", "个"), kind("x", "year"), num("x", "个"), source=QIRDY),
    case("特别是“加快xx县xxxxxxx项目建设”等工作要求，既是对xx工作的充分肯定。",
         place("xx", "county"), kind("xxxxxxx", "unknown"), place("xx", "county"), source=QIRDY),
    case("过去的一年，xx县的发展也经受了不少的困难和挑战。", place("xx", "county"), source=QIRDY),
    # --- a town yearbook (wnwk) ---------------------------------------------------------------
    case("党委书记:xx党委副书记、镇长:xx党委委员、人大主席:xx",
         kind("xx", "person"), kind("xx", "person"), kind("xx", "person"), source=WNWK),
    case("xx镇位于xx市最南端，南与xx县交界，北接xx镇，西界xx乡，总面积x平方公里。",
         place("xx", "town"), place("xx", "prefecture"), place("xx", "county"), place("xx", "town"),
         place("xx", "town"), num("x", "平方公里"), source=WNWK),
    case("并村后全镇辖x个村、x个居委会，总人口x万人，森林覆盖率达x%。",
         num("x", "个村"), num("x", "个"), num("x", "万人"), num("x", "%"), source=WNWK),
    case("境内x国道、京广铁路、京珠高速贯穿南北。", kind("x", "code"), source=WNWK),
    case("国家4A级景区xx竹海旅游专线起点在我镇镇区。", place("xx", "unknown"), source=WNWK),
    case("202x年共完成国、地两税x万元，同比增长x%，实现财政收入平稳增长。",
         kind("x", "year"), num("x", "万元"), num("x", "%"), source=WNWK),
    case("共有耕地面积x余亩、林地面积x亩，黄花菜种植面积较大。",
         num("x", "亩"), num("x", "亩"), source=WNWK),
    case("连续三年获评xx市“农业农村一类乡镇”。", place("xx", "prefecture"), source=WNWK),
    case("全镇有x个煤业公司，x个上规模的采石场。", num("x", "个"), num("x", "个"), source=WNWK),
    # --- single and triple asterisks (wengzun, flyskyemperor) ---------------------------------
    case("2022年以来， *镇锚定“两个确保”，围绕“九大战略”开展工作。", place("*", "town"), source=WENGZUN),
    case("获得2021年度*省卫生乡镇，2021年度全市征兵工作先进单位。", place("*", "province"), source=WENGZUN),
    case("2021 年度“***县五四红旗团委”。", place("***", "county"), source=WENGZUN),
    case("***镇消防“一队一中心”在全县乡镇中排名第一。", place("***", "town"), source=WENGZUN),
    case("由***农业发展有限公司牵头，在生态廊道中建设蔬菜产业园基地。",
         kind("***", "unknown"), source=WENGZUN),
    case("**镇地处**绿色生态示范县的旅游环境中，东距八达岭长城*公里。",
         place("**", "town"), place("**", "county"), num("*", "公里"), source=FLYSKY),
    case("从*年起，连续四年被评为首都文明乡镇。", kind("*", "year"), source=FLYSKY),
    case("营造硬环境，树**新形象，全镇面貌焕然一新。", place("**", "town"), source=FLYSKY,
         today=wrong("a bare name in a town's text is called county, not town")),
    case("投资3368万元，全长1760米的**大道的建设，为全镇带来了无限生机。",
         place("**", "unknown"), source=FLYSKY),
    # --- 20**年 and blanks (xuexue6, fanwen118) -----------------------------------------------
    case("20**年，我镇各项工作虽然取得了较好成绩，但困难和问题依然较多。",
         kind("**", "year"), source=XUEXUE6),
    case("20**年，我们将在县委、县府的领导下，在困难中求发展。", kind("**", "year"), source=XUEXUE6),
    case("全年共完成生产总值 亿元，增长 %；财政总收入完成3.61亿元。",
         num("", "亿元"), num("", "%"), source=FANWEN118,
         today=wrong(BLANK)),
    case("全年共接待来访群众 人次，接受上访信件 件。",
         num("", "人次"), num("", "件"), source=XUEXUE6,
         today=wrong(BLANK)),
    case("── 20xx年 月 日在XX县第十届人民代表大会第四次会议上",
         kind("xx", "year"), place("XX", "county"), source=FANWEN118),
    case("一、20xx年政府工作回顾", kind("xx", "year"), source=FANWEN118),
    case("我们坚持以邓小平理论和?三个代表?重要思想为指导，深入贯彻落实科学发展观。", source=FANWEN118),
    case("全力实施?生态立县、工业强县、开放兴县?发展战略。", source=FANWEN118),
    # --- X.X and X月X日 (xinyuwenchuang) -------------------------------------------------------
    case("XX镇2023年政府工作报告", place("XX", "town"), source=XINYU),
    case("预计，全年财政收入2080万元、增长X.X%，农村人均可支配收入增长X.X%，规上工业总产值达X亿元。",
         num("X.X", "%"), num("X.X", "%"), num("X", "亿元"), source=XINYU),
    case("全年，外出招商X次，接待外地客商X余次，亿元以上项目新签约X个，新开工X个。",
         num("X", "次"), num("X", "次"), num("X", "个"), num("X", "个"), source=XINYU),
    case("X月X日，与安徽奥丰汽车配件有限公司顺利签约，投资规模逾X亿元。",
         kind("X月X日", "date"), num("X", "亿元"), source=XINYU),
    case("投资规模逾X.X亿元，建成后预计年产值超X亿元。",
         num("X.X", "亿元"), num("X", "亿元"), source=XINYU),
    case("新增规上工业企业X家。", num("X", "家"), source=XINYU),
    case("X月，获评全县2021年度招商引资三等奖。", kind("X", "date"), source=XINYU),
    # --- XX镇 and 某 (wenkuhub) -----------------------------------------------------------------
    case("一年来，在XX县委、县政府的坚强领导下，XX镇党委、政府坚持稳中求进。",
         place("XX", "county"), place("XX", "town"), source=WENKUHUB),
    case("开展专业种植培训1场，直接惠及XX星汇公司等龙头企业与种植大户。",
         kind("XX", "unknown"), source=WENKUHUB),
    case("某重点生态农业项目已与XX村委会签订初步合作协议。", place("XX", "village"), source=WENKUHUB),
    case("XX冰约水产业基地的配套游泳池于年内正式投入运营。", kind("XX", "unknown"), source=WENKUHUB),
    case("XX镇始终将发展作为第一要务，坚持稳增长、调结构、促转型。", place("XX", "town"), source=WENKUHUB),
    # --- xxxx年, xxxx镇 (fwsir) ----------------------------------------------------------------
    case("镇政府年终工作总结\nxxxx年工作回顾\n过去一年，在上级和镇委的坚强领导下开展工作。",
         kind("xxxx", "year"), source=FWSIR),
    case("制定了《xxxx镇统筹推进“三重”建设工作实施方案》。", place("xxxx", "town"), source=FWSIR),
    # --- traditional script (mingyanjiaju) ----------------------------------------------------
    case("上半年累計實現地區生產總值x億元，同比增長x%。",
         num("x", "億元"), num("x", "%"), source=MINGYAN_TRAD),
    case("實現銷售收入x億元，同比增長x%；完成稅金x萬元，同比增長x%。",
         num("x", "億元"), num("x", "%"), num("x", "萬元"), num("x", "%"), source=MINGYAN_TRAD),
    case("全縣夏糧總播面積x萬畝，增長x%；總產x萬噸，增長x%。",
         num("x", "萬畝"), num("x", "%"), num("x", "萬噸"), num("x", "%"), source=MINGYAN_TRAD),
    case("全縣工業企業技改擴建項目投入完成x萬元，企業發展後勁進一步增強。",
         num("x", "萬元"), source=MINGYAN_TRAD),
    case("××縣人民政府關於上半年工作總結的報告", place("××", "county"), source=ISSUE),
    case("××鎮政府工作總結：全鎮合作醫療參合率達××%以上。",
         place("××", "town"), num("××", "%"), source=ISSUE),
    case("實現畜牧業總產值x億元，增長x%。", num("x", "億元"), num("x", "%"), source=MINGYAN_TRAD),
    case("××縣实现地区生产总值×億元，增长×.×%。",
         place("××", "county"), num("×", "億元"), num("×.×", "%")),
    case("XX鄉XX村全年完成農業總產值XX萬元。",
         place("XX", "town"), place("XX", "village"), num("XX", "萬元")),
    case("ＸＸ县全年完成投资12.6亿元，××镇完成投资3.1亿元。", place("ＸＸ", "county"), place("××", "town")),
    # --- XX区 with XX counts (desk33) ---------------------------------------------------------
    case("XX区继续实施老旧小区的整治改造工作，特制定如下实施方案。", place("XX", "county"), source=DESK33),
    case("2024年-2025年计划实施XX个老旧小区改造项目，总建设面积约XX万平方米，总户数XX户。",
         num("XX", "个"), num("XX", "万平方米"), num("XX", "户"), source=DESK33),
    # --- ××年 (1mishu) ------------------------------------------------------------------------
    case("既要对本届政府五年来的工作进行全面总结，还要对××年工作作出安排。",
         kind("××", "year"), source=MISHU),
    case("起草小组下发了《关于报送××年政府工作报告相关材料的通知》。", kind("××", "year"), source=MISHU),
    # --- speeches: titles and names (sucai198, alatiku, gongwk) ---------------------------------
    case("XX镇镇长在XX镇20XX年镇村两级干部大会上的讲话",
         place("XX", "town"), place("XX", "town"), kind("XX", "year"), source=SUCAI198),
    case("县XX镇镇党委副书记、镇长XX在全镇三级干部大会的讲话",
         place("XX", "town"), kind("XX", "person"), source=ALATIKU),
    case("镇党委副书记、镇长XXX汇报全镇各项重点工作开展情况", kind("XXX", "person"), source=ALATIKU),
    case("镇镇长XX除夕致辞", kind("XX", "person"), source=ALATIKU),
    case("镇党委副书记、镇长XXX在XX镇20XX年秧歌广场舞文艺大赛上的讲话",
         kind("XXX", "person"), place("XX", "town"), kind("XX", "year"), source=ALATIKU),
    case("XX县XX镇镇党委副书记、镇长XX在全镇三级干部大会的讲话",
         place("XX", "county"), place("XX", "town"), kind("XX", "person"), source=ALATIKU),
    case("今天，我们在这里隆重集会，召开 XX 镇新一届村干部履职尽责动员大会。",
         place("XX", "town"), source=GONGWK),
    case("共同开启我们 XX 镇乡村振兴事业的崭新篇章。", place("XX", "town"), source=GONGWK),
    # --- self-censored 党 (dawenge, hyywx) -------------------------------------------------------
    case("经镇X委、政府研究决定，今天召开20**年全镇工作会议。",
         kind("X", "formula"), kind("**", "year"), source=DAWENGE),
    case("一是镇X委书记胡凤洲同志代表X委、政府对全镇去年的工作进行总结。",
         kind("X", "formula"), kind("X", "formula"), source=DAWENGE),
    case("六、加强**建工作", kind("**", "formula"), source=HYYWX),
    case("组织开展各类**员活动，加强**员教育培训。",
         kind("**", "formula"), kind("**", "formula"), source=HYYWX),
    # --- person and unit names in model titles --------------------------------------------------
    case("如，《关于评选×××党支部为市十佳党支部的事迹材料》", kind("×××", "unknown"), source=WDCZX),
    case("《一心为乡亲 倾力筑和谐——×××同志先进事迹材料》", kind("×××", "person"), source=WDCZX),
    case("(应用写作，20xx年第 1 期)", kind("xx", "year"), source=WDCZX),
    case("例如《关于王××同志端正党风的先进事迹》、《关于评选张××同志为全国新长征突击手的材料》",
         kind("××", "person"), kind("××", "person"), source=INTERLIB),
    case("《关于评选××处党支部为省直机关先进党支部的材料》", kind("××", "unknown"), source=INTERLIB),
    case("例如《**同志端正党风的先进事迹》、《关于评选**同志为全国新长征突击手的材料》等。",
         kind("**", "person"), kind("**", "person"), source=CAIYES),
    case("《关于评选**党支部为省直机关先进党支部的材料》等。", kind("**", "unknown"), source=CAIYES),
    case("如《昆明市工商局**年财务计划要点》。", kind("**", "year"), source=BAIWEN5),
    case("如《×××行政学院1995年下半年公务员培训计划》。", kind("×××", "unknown"), source=BAIWEN5),
    case("如《××省经济和社会发展十年规划》，《××省工业结构调整规划》等。",
         place("××", "province"), place("××", "province"), source=ZAIXIAN),
    case("■ 工作计划特征和写作特点\n1、规划", source=TAOTAO),
    case("中共××大学委员会宣传部\n一九九九年三月五日", kind("××", "unknown"), source=NUOHA),
    case("如《××市公安局一九九九年度安全保卫工作总结》。", place("××", "prefecture"), source=NUOHA),
    case("如《××市19××年再就业工程实施方案(讨论稿)》。",
         place("××", "prefecture"), kind("××", "year"), source=DOCS360),
    case("(1)四种成分完整的标题，如《××村二oo二年规划要点》。", place("××", "village"), source=XUEWENYA),
    case("发布时间:201X-04-20 17:18:46来源:潜山扶贫办", kind("X", "year"), source=DOCZJ),
    case("201X年年末总人口57.2万人，其中农业人口52.3万人。", kind("X", "year"), source=DOCZJ),
    case("根据XX县人民政府办公室《关于开展“友镇立标、发展对标”活动的通知》(XX府办发﹝2017﹞33号)文件精神。",
         place("XX", "county"), place("XX", "county"), source=GWXT),
    case("20xx年是行政区划调整后新塘橋鎮全面運作的第一年。", kind("xx", "year"), source=GLAYUN),
    case("在這里，我向各位領導、評委及xx鎮的鄉親莊嚴的承諾。", place("xx", "town"), source=GZSHINE),
    case("范例：某县2024年《政府工作报告》重点提到教育、医疗等民生领域的改善措施。",
         place("某", "county"), source=FUDAOKE),
    case("某省2023年调研数据显示，68%的乡镇工作人员需同时承担5类以上职能。",
         place("某", "province"), source=WENDANG96),
    case("——年月日在山西河津第二届人民代表大会第三次会议上\n……(新文秘网省略854字，正式会员可完整阅读)",
         source=WM114),
    # --- issue 11: ** and ＊＊ as masks vs Markdown bold ----------------------------------------
    case("经研究，委派**同志担任驻村第一书记。", kind("**", "person")),
    case("项目选址位于市**高速以东、纬三路以北。", place("**", "unknown")),
    case("**年，全县上下攻坚克难，经济运行稳中向好。", kind("**", "year")),
    case("荣获**省文明单位称号，**市先进基层党组织称号。", place("**", "province"), place("**", "prefecture")),
    case("＊＊县人民政府关于印发＊＊年重点工作的通知", place("＊＊", "county"), kind("＊＊", "year")),
    case("＊＊镇党委书记＊＊同志在全镇经济工作会议上的讲话", place("＊＊", "town"), kind("＊＊", "person")),
    case("**一、主要工作成效**\n全年完成地区生产总值128亿元。"),
    case("**重点任务**：加快推进**项目建设**，确保年底完工。"),
    case("**主要成绩**\n全年**镇实现财政收入**万元，增长**%。",
         place("**", "town"), num("**", "万元"), num("**", "%")),
    case("**县**镇**村位于县城东南部。", place("**", "county"), place("**", "town"), place("**", "village")),
    # --- issue 11: long x runs vs Latin words -------------------------------------------------
    case("全年实现城镇居民人均可支配收入xxxxx元，增长x.x%。", num("xxxxx", "元"), num("x.x", "%")),
    case("完成固定资产投资xxxx亿元。", num("xxxx", "亿元")),
    case("xxxx年，是我县发展进程中极不平凡的一年。", kind("xxxx", "year")),
    case("XXXX年全县粮食总产量达XXXXX吨。", kind("XXXX", "year"), num("XXXXX", "吨")),
    case("下载《2023年镇政府工作总结.docx》，全文共19页。"),
    case("新建蓄（xù）水池12座，解决了3个村的灌溉问题。"),
    case("县医院新购置X光机2台、X射线探伤仪1套。"),
    case("活动奖品包括Xbox游戏机一台。"),
    case("政务云平台新增x86服务器40台。"),
    case("xx县xxxxxx有限公司年产值突破xx亿元。",
         place("xx", "county"), kind("xxxxxx", "unknown"), num("xx", "亿元")),
    # --- issue 11: spaced masks ---------------------------------------------------------------
    case("× ×区人民政府办公室关于做好防汛工作的通知", place("××", "county")),
    case("X X 镇党委、政府高度重视，成立了工作领导小组。", place("XX", "town")),
    case("XX 镇位于县城北部，总面积86平方公里。", place("XX", "town")),
    case("× × 市 × × 县农业农村局", place("××", "prefecture"), place("××", "county")),
    # --- issue 11: underscores, %%, circles, blocks --------------------------------------------
    case("20__年，全镇共完成农村公路建设12公里。", kind("__", "year")),
    case("____县人民政府关于20__年度财政预算执行情况的报告",
         place("____", "county"), kind("__", "year")),
    case("____镇____村党支部书记述职报告", place("____", "town"), place("____", "village")),
    case("%%省%%市人民政府关于加强安全生产工作的通知", place("%%", "province"), place("%%", "prefecture")),
    case("○○镇2022年度工作总结", place("○○", "town")),
    case("○○县○○镇○○村是全省美丽乡村示范村。",
         place("○○", "county"), place("○○", "town"), place("○○", "village")),
    case("二〇二二年十二月三十日在全镇干部大会上的讲话"),
    case("二○二二年，全镇实现财政收入1.2亿元。"),
    case("〇〇镇人民政府关于〇〇村道路硬化工程的批复", place("〇〇", "town"), place("〇〇", "village")),
    case("■■县人民政府2023年政府信息公开工作年度报告", place("■■", "county")),
    case("██镇党委书记在全镇乡村振兴工作推进会上的讲话", place("██", "town")),
    case("▇▇村党支部、村委会高度重视人居环境整治。", place("▇▇", "village")),
    case("□□县□□镇人民政府文件", place("□□", "county"), place("□□", "town")),
    # --- issue 11: decimals, dates, X年跨X亿 ---------------------------------------------------
    case("全年地区生产总值增长x.x%，高于全市平均水平。", num("x.x", "%")),
    case("实现一般公共预算收入×.×亿元，同比增长×.×%。", num("×.×", "亿元"), num("×.×", "%")),
    case("城乡居民收入比缩小到×.××:1。", num("×.××", "")),
    case("发文日期：201X/X/XX", kind("X/X/XX", "date")),
    case("20XX年X月X日，县委召开常委会议专题研究乡村振兴工作。", kind("XX年X月X日", "date")),
    case("××县人民政府办公室\n20××年×月×日", place("××", "county"), kind("××年×月×日", "date")),
    case("202X年X月，全县启动“双减”工作。", kind("X年X月", "date")),
    case("全县地区生产总值X年跨X亿，实现翻番。", num("X", "年"), num("X", "亿")),
    case("连续X年获评全省县域经济发展先进县。", num("X", "年")),
    # --- issue 11: person slots ---------------------------------------------------------------
    case("xx同志任xx镇党委书记。", kind("xx", "person"), place("xx", "town")),
    case("xx书记在讲话中强调，要坚决扛起防汛救灾政治责任。", kind("xx", "person")),
    case("镇长：xx\n副镇长：xx", kind("xx", "person"), kind("xx", "person")),
    case("xxx市长在全市经济工作会议上作重要讲话。", kind("xxx", "person")),
    case("党委书记:xx\n党委副书记、镇长:xx", kind("xx", "person"), kind("xx", "person")),
    case("村民张某因宅基地纠纷多次上访，经调解达成一致。", kind("某", "person")),
    case("某某同志自任职以来，始终坚持把学习放在首位。", kind("某某", "person")),
    case("李某某、王某等5人被依法处理。", kind("某某", "person"), kind("某", "person")),
    case("××同志，男，汉族，1975年5月出生，中共党员。", kind("××", "person")),
    case("县委书记×××、县长×××出席会议并讲话。", kind("×××", "person"), kind("×××", "person")),
    case("全镇共有××人参加培训，××同志作辅导报告。", num("××", "人"), kind("××", "person")),
    # --- issue 11: political formulas ---------------------------------------------------------
    case("深入学习贯彻党的XX大精神，全面落实市委决策部署。", kind("XX", "formula")),
    case("坚持以XXX新时代中国特色社会主义思想为指导。", kind("XXX", "formula")),
    case("认真落实XXX精神，扎实推进各项工作。", kind("XXX", "formula")),
    case("全面贯彻党的××大和××届×中全会精神。",
         kind("××", "formula"), kind("××", "formula"), kind("×", "formula")),
    # --- issue 11: more glyphs ----------------------------------------------------------------
    case("ＸＸ县人民政府关于ＸＸ镇撤镇设街道的请示", place("ＸＸ", "county"), place("ＸＸ", "town")),
    case("全年完成ＸＸ亿元，增长Ｘ.Ｘ%。", num("ＸＸ", "亿元"), num("Ｘ.Ｘ", "%")),
    case("✖✖镇人民政府关于2023年度法治政府建设情况的报告", place("✖✖", "town")),
    case("✕✕县今年共投入资金✕✕万元用于农村危房改造。", place("✕✕", "county"), num("✕✕", "万元")),
    case("╳╳村位于镇政府驻地西北5公里。", place("╳╳", "village")),
    case("●●市●●区人民法院", place("●●", "prefecture"), place("●●", "county")),
    case("◯◯乡人民政府关于◯◯村饮水安全工程的报告", place("◯◯", "town"), place("◯◯", "village")),
    case("▢▢县2023年国民经济和社会发展统计公报", place("▢▢", "county")),
    case("20＿＿年＿＿月，全县开展安全生产大检查。", kind("＿＿年＿＿月", "date")),
    case("＿＿＿镇人民政府", place("＿＿＿", "town")),
    case("??县人民政府关于表彰2022年度先进集体和先进个人的决定", place("??", "county")),
    case("全年共争取上级资金？？万元，实施项目？？个。", num("？？", "万元"), num("？？", "个")),
    case("中共…县委办公室关于印发《2023年工作要点》的通知", place("…", "county")),
    case("某市某县某镇某村党支部书记先进事迹材料",
         place("某", "prefecture"), place("某", "county"), place("某", "town"), place("某", "village")),
    case("某市某区人民检察院", place("某", "prefecture"), place("某", "county")),
    case("某乡某村现有耕地2600亩。", place("某", "town"), place("某", "village")),
    case("在某些方面还存在不足，某种程度上影响了工作进度。"),
    case("某重点生态农业项目正在推进林地转为设施农用地的相关手续。"),
    # --- issue 11: things that are not masks --------------------------------------------------
    case("@所有人，加入我们\n×\n政府工作报告"),
    case("建成2×100万千瓦燃煤发电机组，新增装机容量4×10万千瓦。"),
    case("上传者：la****1  上传时间：2021-04-12"),
    case("本文档由g****t上传，仅供参考。"),
    case("深入推进“1+X”证书制度试点，培训学员1200人次。"),
    case("积极发展“硒+X”产业。"),
    case("计算公式：3 x 5 = 15，2*3 = 6。"),
    # --- the seeds' own style: single × masks (should keep working) ---------------------------
    case("×县位于×省中部，×市西南部。", place("×", "county"), place("×", "province"), place("×", "prefecture")),
    case("全县实现地区生产总值×亿元，增长×%。", num("×", "亿元"), num("×", "%")),
    case("×年，我县经济社会发展取得新成效。", kind("×", "year")),
    case("在×市第×届人民代表大会第×次会议上", place("×", "county"), kind("×", "ordinal"), kind("×", "ordinal")),
    case("国道×线改扩建工程全面完工。", kind("×", "code")),
    case("“×”字号农产品品牌影响力不断扩大。", kind("×", "code")),
    case("全县新建×G基站×个，实现×G网络乡镇全覆盖。",
         kind("×", "code"), num("×", "个"), kind("×", "code")),
    case("重振×雄风，建设美丽×。", place("×", "county"), place("×", "county")),
    case("全县共有×多处文物保护单位。", num("×", "处")),
    case("投资×.5亿元建设污水处理厂。", num("×", "亿元")),
    case("×—×年，全县累计完成投资×亿元。", kind("×", "year"), kind("×", "year"), num("×", "亿元")),
    case("全县共有乡镇×个、行政村×个。", num("×", "个"), num("×", "个")),
    case("×经济技术开发区完成规上工业总产值×亿元。", place("×", "county"), num("×", "亿元")),
    case("近×年来，全县累计减贫×万人。", num("×", "年"), num("×", "万人")),
    case("××县第十七届人民代表大会第五次会议", place("××", "county")),
    case("全县粮食总产量达到××万吨，连续×年保持稳定。", num("××", "万吨"), num("×", "年")),
    case("×城区、×新区建设加快推进。", place("×", "county"), place("×", "county")),
    case("第×批国家级非物质文化遗产名录", kind("×", "ordinal")),
    case("人均可支配收入×万元，增长×个百分点。", num("×", "万元"), num("×", "个百分点")),
    case("视察×重要讲话精神", place("×", "province")),
    case("×省中部城市群建设加快推进。", place("×", "province")),
    case("建成×条高速公路、×座大桥。", num("×", "条"), num("×", "座")),
    case("我们始终以“×”精神激励全县干部群众。", kind("×", "code")),
    case("×市×县×镇", place("×", "prefecture"), place("×", "county"), place("×", "town")),
    case("×乡×村被评为省级文明村。", place("×", "town"), place("×", "village")),
    case("×街道×社区", place("×", "town"), place("×", "village")),
    case("××旗×苏木", place("××", "county"), place("×", "town")),
    case("全市共有×所学校、×名教师。", num("×", "所学校"), num("×", "名")),
    case("户籍人口×万人，常住人口×.×万人。", num("×", "万人"), num("×.×", "万人")),
    case("粮食播种面积稳定在××万亩以上。", num("××", "万亩")),
]
