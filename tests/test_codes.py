"""Codes in clear text that name a place (issue 13 item 3): administrative
division codes and telephone area codes, from jionlp's tables, where
rules/codes.toml says a code stands; and what they are not."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

import auditor
from auditor.cli import main

YUANPING = "山西省/忻州市/原平市"


def codes_in(clues_in, text: str) -> list[tuple[str, str]]:
    return [(c.text, c.level) for c in clues_in(text) if c.kind == "code"]


@pytest.mark.parametrize("text, found", [
    # as a division code beside a masked name, the way notices print them
    ("××市人民政府（行政区划代码：140981）关于印发通知", [("140981", "county")]),
    ("联系电话：(0350)3021234，传真0350-3021235。", [("0350", "prefecture"), ("0350", "prefecture")]),
    ("举报电话（0351）4041234", [("0351", "prefecture")]),
    ("长途区号：0350", [("0350", "prefecture")]),
])
def test_codes_that_name_a_place(clues_in, text, found):
    assert codes_in(clues_in, text) == found


@pytest.mark.parametrize("text", [
    "全年完成固定资产投资140981万元，同比增长5.2%。",  # an amount that spells a code
    "新增就业140981人。",
    "订购热线4000350123，客服19035021234。",  # 0350 inside a longer number
    "2023年共接待游客0350-1万人次",  # no local number after it
    "产值1409812元",  # seven digits
])
def test_numbers_that_are_not_codes(clues_in, text):
    assert codes_in(clues_in, text) == []


def test_a_code_in_clear_re_identifies_a_short_notice(tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text("××市人民政府办公室关于做好春节期间安全工作的通知\n"
                    "各乡镇人民政府：……联系电话：(0350)3021234，行政区划代码140981。\n", encoding="utf-8")
    identity = auditor.audit([path]).identities[0]
    assert identity.identity == YUANPING and identity.verdict == "re-identified"
    assert [c.text for c in identity.top_clues][:1] == ["140981"]
    outcome = CliRunner().invoke(main, ["check", str(path)], catch_exceptions=False)
    assert outcome.exit_code == 1
    assert "140981: division code pointing at 山西省/忻州市/原平市" in outcome.output
    fixed = tmp_path / "fixed"
    outcome = CliRunner().invoke(main, ["fix", str(path), "--out", str(fixed)], catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.output
    text = (fixed / "notice.txt").read_text(encoding="utf-8")
    assert "行政区划代码×。" in text
    # 0350 is left: it names 忻州, whose fourteen counties a reader cannot tell apart.
    assert CliRunner().invoke(main, ["check", str(fixed)], catch_exceptions=False).exit_code == 0


@pytest.mark.parametrize("change, message", [
    (('kind = "admin-code"', 'kind = "zip-code"'), "codes.toml: [[pattern]] 'division-code' kind: unknown kind 'zip-code'"),
    (("(?P<code>[1-8][0-9]{5})", "([1-8][0-9]{5})"), "codes.toml: [[pattern]] 'division-code' regex: needs the named group 'code'"),
    (('"晋" = "14"', '"晋" = "1400"'), "codes.toml: [court_provinces] 晋: must be the two digits of a province code"),
    (('"晋" = "14"', '"SX" = "14"'), "codes.toml: [court_provinces] SX: the key must be one Chinese character"),
    (('kind = "court-case"\n', 'kind = "court-case"\ncheck_digit = true\n'),
     "codes.toml: [[pattern]] 'court-case' check_digit: only an id-card pattern has a check digit"),
    (("not_before = \"(?:账号", "not_befor = \"(?:账号"), "codes.toml: [[pattern]] 'id-card': unknown key(s) not_befor"),
    (("not_before = \"(?:账号", "not_before = \"((?:账号"), "codes.toml: [[pattern]] 'id-card' not_before: bad regular expression"),
])
def test_codes_toml_is_validated_at_load(tmp_path, rules, change, message):
    import shutil

    from auditor.errors import RulesError
    from auditor.rules import load_rules

    folder = tmp_path / "rules"
    shutil.copytree(rules.folder, folder)
    path = folder / "codes.toml"
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(RulesError) as raised:
        load_rules(str(folder))
    assert message in str(raised.value)


def test_a_code_says_what_it_is_in_words(clues_in):
    (code,) = [c for c in clues_in("联系电话：(0350)3021234") if c.kind == "code"]
    assert code.rule == "the telephone area code of 山西省/忻州市 (codes.toml phone-number)"


# --- ID numbers, case numbers and number plates (issue 13 item 3, continued) ---

XINZHOU = "山西省/忻州市"


def codes_with_rules(clues_in, text: str) -> list[tuple[str, str, str]]:
    return [(c.text, c.level, c.rule) for c in clues_in(text) if c.kind == "code"]


@pytest.mark.parametrize("text, found, pattern", [
    # labelled: the text says it is an ID, so the date and check digit need not hold
    ("申请人张某某，身份证号码：140981199001011234，住××县××镇。", "140981", "id-card-named"),
    ("被告李某（公民身份号码140981********1234），男，汉族。", "140981", "id-card-named"),
    ("经办人：王某，身份证号 14098119900101123X，联系电话略。", "140981", "id-card-named"),
    # unlabelled: a real birth date and the GB 11643 check digit (…1238), or the date masked
    ("受助人名单：赵某 140981199001011238 ××镇××村", "140981", "id-card"),
    ("持证人 140981********1234 已于当日办结。", "140981", "id-card"),
])
def test_an_id_number_names_the_county_of_household_registration(clues_in, text, found, pattern):
    assert codes_with_rules(clues_in, text) == [
        (found, "county", f"the household-registration code of {YUANPING} in an ID number (codes.toml {pattern})")]


@pytest.mark.parametrize("text", [
    "请将款项汇入账号140981199001011238，户名××县财政局。",  # an account number shaped as an ID
    "订单号：140981199001011238，请妥善保管。",
    "统一社会信用代码：91140981MA0K123456",  # a company's code, not a person's
    "统一社会信用代码140981199001011238",
    "受助人 140981199001011234 已登记。",  # unlabelled, and the check digit fails
    "身份证号码：999999199001011234",  # a prefix the gazetteer does not know
    "流水号1409811990010112381",  # nineteen digits
])
def test_numbers_that_are_no_id_name_no_county(clues_in, text):
    assert [c for c in clues_in(text) if c.kind == "code" and "ID number" in c.rule] == []


def test_an_account_number_shaped_as_an_id_is_not_read_as_a_division_code_either(clues_in):
    assert codes_in(clues_in, "请将款项汇入账号140981199001011238。") == []


@pytest.mark.parametrize("text, found, level, path", [
    ("原告诉被告买卖合同纠纷一案，本院于2024年3月1日立案，案号为（2024）晋0981民初123号。",
     "晋0981", "county", YUANPING),
    ("见北京市朝阳区人民法院(2019)京0105刑初456号刑事判决书。", "京0105", "county", "北京市/朝阳区"),
    ("上诉人不服××县人民法院一审判决，本院作出（2023）晋09民终77号民事判决。", "晋09", "prefecture", XINZHOU),
    ("申请执行人申请恢复执行，〔2022〕晋0981执恢12号。", "晋0981", "county", YUANPING),
])
def test_a_case_number_names_its_court(clues_in, text, found, level, path):
    assert codes_with_rules(clues_in, text) == [
        (found, level, f"the court code of {path} in a case number (codes.toml court-case)")]


@pytest.mark.parametrize("text", [
    "本院受理的（2024）晋0999民初123号案件",  # 140999: no such county
    "（2022）晋71民初5号",  # 晋71: a railway transport court, no division
    "（2024）兵0102民初7号",  # 兵团 courts: no division code
    "晋0981民初123号",  # no year in brackets
])
def test_case_numbers_that_name_no_court_give_nothing(clues_in, text):
    assert [c for c in clues_in(text) if c.kind == "code"] == []


def test_a_plate_prefix_after_a_bracketed_year_is_no_court_and_no_plate(clues_in):
    # 晋A is a plate's, not a court's; after (2024) it is a document number.
    assert [c for c in clues_in("（2024）晋A12345号") if c.kind == "code"] == []


@pytest.mark.parametrize("text, found, pattern", [
    ("当日8时许，车牌号为晋H·12345的小型轿车在××路口发生事故。", "晋H", "plate-number"),
    ("执法人员查获一辆晋H12345重型货车。", "晋H", "plate-number"),
    ("新能源出租车晋H D12345、晋HD12346投入运营。", "晋H", "plate-number"),
    ("挂车晋H1234挂超载被查处。", "晋H", "plate-number"),
    ("经查，车牌晋H的车辆共计12辆。", "晋H", "plate-named"),
    ("号牌：晋H，车辆类型：小型普通客车", "晋H", "plate-named"),
    ("外地车辆须持证通行，晋H牌照的车辆除外。", "晋H", "plate-named"),
])
def test_a_number_plate_names_its_prefecture(clues_in, text, found, pattern):
    clues = codes_with_rules(clues_in, text)
    assert clues and all(c[:2] == (found, "prefecture") for c in clues)
    assert clues[0][2].startswith(f"the number-plate prefix of {XINZHOU} (plates.tsv line ")
    assert clues[0][2].endswith(f", codes.toml {pattern})")


@pytest.mark.parametrize("text", [
    "会议室配备晋HDMI高清接口。",  # 晋H in Latin text
    "ABC晋H12345X",
    "全市新增晋A级景区3家。",  # 晋A with no plate around it
    "晋A",
    "晋升为副科级干部，晋级考核合格。",
    "晋O12345",  # O: police and provincial offices, no place
    "新A轮融资12345万元",
])
def test_plate_like_text_that_is_no_plate_gives_nothing(clues_in, text):
    assert [c for c in clues_in(text) if c.kind == "code" and "number-plate" in c.rule] == []


def test_every_plate_row_names_a_gazetteer_unit(rules):
    from auditor.gazetteer import load_gazetteer
    from auditor.rules import load_plates

    g = load_gazetteer()
    paths = {g.path(u) for lv in ("province", "prefecture", "county") for u in g.units_at(lv)}
    plates = load_plates(rules.folder)
    assert plates and len(plates) > 300
    unknown = {prefix: where for prefix, (path, where) in plates.items() if path not in paths}
    assert unknown == {}
    assert plates["晋H"][0] == XINZHOU and plates["京A"][0] == "北京市"
    # Letters that are no issuing office, and characters that are no province, are not prefixes.
    assert not [p for p in plates if p[1] in "IO" or p[0] in "使领警学挂港澳"]


@pytest.mark.parametrize("line, message", [
    ("晋Z\t山西省/忻州市", "expected 3 tab-separated columns"),
    ("晋I\t山西省/忻州市\tx", "'晋I' is not a plate prefix"),
    ("晋Z\t山西省//忻州市\tx", "'山西省//忻州市' is not a gazetteer path"),
    ("晋Z\t山西省/忻州市\t", "the source (column 3) of 晋Z is empty"),
    ("晋H\t山西省/忻州市\tx", "晋H is listed twice (first at plates.tsv line "),
])
def test_plates_tsv_is_validated_at_load(tmp_path, rules, line, message):
    import shutil

    from auditor.errors import RulesError
    from auditor.rules import load_rules

    folder = tmp_path / "rules"
    shutil.copytree(rules.folder, folder)
    path = folder / "plates.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines + [line]) + "\n", encoding="utf-8")
    with pytest.raises(RulesError) as raised:
        load_rules(str(folder))
    assert f"plates.tsv: line {len(lines) + 1}: {message}" in str(raised.value)


def test_a_plate_pattern_without_plates_tsv_is_refused(tmp_path, rules):
    import shutil

    from auditor.errors import RulesError
    from auditor.rules import load_rules

    folder = tmp_path / "rules"
    shutil.copytree(rules.folder, folder)
    (folder / "plates.tsv").unlink()
    with pytest.raises(RulesError) as raised:
        load_rules(str(folder))
    assert "codes.toml: [[pattern]] 'plate-number' kind: a plate pattern needs" in str(raised.value)
    assert "plates.tsv" in str(raised.value)


def test_a_broken_plates_tsv_exits_2_naming_file_and_line(tmp_path, rules):
    import shutil

    folder = tmp_path / "rules"
    shutil.copytree(rules.folder, folder)
    with open(folder / "plates.tsv", "a", encoding="utf-8") as handle:
        handle.write("晋Q\t山西省/忻州市\n")
    doc = tmp_path / "a.txt"
    doc.write_text("×市位于晋北。\n", encoding="utf-8")
    outcome = CliRunner().invoke(main, ["check", str(doc), "--rules", str(folder)])
    assert outcome.exit_code == 2, outcome.output
    assert "plates.tsv: line " in outcome.output and "3 tab-separated columns" in outcome.output
    assert "Traceback" not in outcome.output


@pytest.mark.parametrize("text, found", [
    ("地址：原平市新建路1号，邮编：034100", "山西省/忻州市/原平市"),
    ("通讯地址：××县××镇××村 邮政编码 034100", "山西省/忻州市/原平市"),
])
def test_a_postal_code_names_its_county(clues_in, text, found):
    codes = [c for c in clues_in(text) if c.kind == "code"]
    assert [c.rule.split(" (")[0] for c in codes] == [f"the postal code of {found}"]


@pytest.mark.parametrize("text", [
    "全年邮政业务量034100件",  # no 邮编 before it
    "邮编：999999",  # no county has it
    "邮政编码0341001",  # seven digits
])
def test_numbers_that_are_no_postal_code(clues_in, text):
    assert [c for c in clues_in(text) if c.kind == "code" and "postal" in c.rule] == []
