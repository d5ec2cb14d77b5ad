"""The measuring functions of scripts/evaluate.py (issue 12, items 5 and 6)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ev():
    spec = importlib.util.spec_from_file_location("auditor_evaluate", REPO_ROOT / "scripts" / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


# --- expected calibration error -------------------------------------------


def test_ece_weighs_each_bins_gap_by_its_share(ev):
    # bin 0.9–1.0: confidence 0.95, accuracy 1/2 -> gap 0.45 on 2 of 3 answers;
    # bin 0.2–0.3: confidence 0.2, accuracy 0 -> gap 0.2 on 1 of 3.
    pairs = [(0.95, True), (0.95, False), (0.2, False)]
    assert ev.expected_calibration_error(pairs) == pytest.approx(0.45 * 2 / 3 + 0.2 / 3)


def test_ece_does_not_let_bins_cancel_out(ev):
    # Over- and under-confidence in different bins: one overall gap would be 0.
    pairs = [(0.9, False), (0.1, True)]
    assert ev.expected_calibration_error(pairs) == pytest.approx(0.9)


def test_ece_of_calibrated_answers_is_zero_and_certainty_falls_in_the_last_bin(ev):
    pairs = [(1.0, True)] * 3 + [(0.5, True), (0.5, False)]
    assert ev.expected_calibration_error(pairs) == pytest.approx(0.0)
    assert ev.expected_calibration_error([(1.0, False)]) == pytest.approx(1.0)
    assert ev.expected_calibration_error([]) is None


# --- windows ----------------------------------------------------------------


def _report(n: int) -> str:
    # sentences of 40 to 340 characters, numbered so that each is distinct
    return "".join(f"第{i}句" + "经济社会发展" * (5 + (i * 7) % 50) + ("。" if i % 3 else "！") for i in range(n))


def test_windows_end_at_sentence_ends_and_keep_their_size(ev):
    text = _report(200)
    found = ev.windows(text)
    assert len(found) > 10
    for window in found:
        assert 500 <= len(window) <= 1000
        assert window[-1] in "。！"
        # a window starts where a sentence starts
        assert window.startswith("第")
    # in order, each a piece of the text, none overlapping
    position = 0
    for window in found:
        at = text.index(window, position)
        assert at >= position
        position = at + len(window)
    assert ev.windows(text) == found


def test_a_sentence_too_long_for_a_window_is_dropped_not_cut(ev):
    long_sentence = "长" * 1200 + "。"
    text = "甲" * 300 + "。" + long_sentence + "乙" * 600 + "。"
    found = ev.windows(text)
    assert found == ["乙" * 600 + "。"]


def test_windows_cut_at_line_breaks_and_closing_quotes(ev):
    assert ev.sentences("他说：“好。”然后\n走了") == ["他说：“好。”", "然后\n", "走了"]


# --- the unique-clue test ---------------------------------------------------


def test_a_landmark_of_one_district_re_identifies_its_city_and_district(ev, tmp_path):
    import auditor
    from auditor.gazetteer import load_gazetteer

    (tmp_path / "a.txt").write_text("××市高标准建设晋祠国家5A级景区。全市经济社会平稳发展。", encoding="utf-8")
    result = auditor.audit([tmp_path / "a.txt"])
    clues = result.analyses[0].clues
    gazetteer = load_gazetteer()
    places = ev.Places(gazetteer)
    district = places.resolve("山西省/太原市/晋源区")
    city = places.resolve("山西省/太原市")
    elsewhere = places.resolve("山西省/忻州市/原平市")
    assert [c.text for c in ev.reidentifying_clues(clues, district, gazetteer)] == ["晋祠"]
    assert [c.text for c in ev.reidentifying_clues(clues, city, gazetteer)] == ["晋祠"]
    assert ev.reidentifying_clues(clues, elsewhere, gazetteer) == []


def test_a_name_borne_in_two_counties_is_not_unique(ev):
    from auditor.gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    places = ev.Places(gazetteer)
    a = places.resolve("山西省/太原市/晋源区")
    b = places.resolve("山西省/忻州市/原平市")
    town_a = gazetteer.children(a)[0]
    town_b = gazetteer.children(b)[0]
    assert ev.sole_place((town_a,), gazetteer) == a
    assert ev.sole_place((town_a, town_b), gazetteer) is None
    assert ev.sole_place((a, town_a), gazetteer) == a


# --- folds and thorough redaction -------------------------------------------


def test_folds_keep_a_place_together_and_hold_every_report_out_once(ev):
    truths = [ev.Truth(f"p{i}", "河北省", f"{'保定石家庄邯郸邢台唐山廊坊沧州'[i % 7 * 2:i % 7 * 2 + 2]}市",
                       f"县{i}" if i % 2 else "", "county" if i % 2 else "prefecture") for i in range(20)]
    folds = ev.folds_by_place(truths, k=5)
    held = [t.id for f in folds for t in f.held_out]
    assert sorted(held) == sorted(t.id for t in truths)
    for fold in folds:
        seen = {ev.place_of(t) for t in fold.training}
        assert not seen & {ev.place_of(t) for t in fold.held_out}
        assert len(fold.training) + len(fold.held_out) == len(truths)


def test_thorough_redaction_masks_clues_where_found_landmarks_and_codes(ev):
    truth = ev.Truth("x", "山西省", "忻州市", "原平市", "county")
    text = "原平市崞阳镇驻原部队，邮编034100，原则上游览天涯山。"
    spans = [(3, 6), (7, 8)]  # 崞阳镇, the 原 of 驻原部队
    redacted = ev.redact_thoroughly(text, spans, truth, ["天涯山", "五台山"])
    assert redacted == "×市×驻×部队，邮编×，原则上游览×。"


def test_place_name_masker_finds_names_without_the_clue_finder(ev):
    from auditor.gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    masker = ev.PlaceNameMasker(gazetteer)
    text = "与西安合作建设崞阳镇，崞阳文化繁荣，北联镇、北联一带。"
    masked = ev.mask_spans(text, masker.spans(text))
    # a city's short form, a town's full and short forms, whoever's town it is; not the ordinary word 文化
    assert masked == "与×合作建设×，×文化繁荣，×、×一带。"


def test_clue_kind_figures_count_reports_and_clues_that_point_home(ev, tmp_path):
    import auditor
    from auditor.gazetteer import load_gazetteer

    places = ev.Places(load_gazetteer())
    path = tmp_path / "r.txt"
    # 崞阳镇 and 天涯山 lie in 原平 (忻州); 娘子关 in 阳泉; the code 140981 is 原平's.
    path.write_text("×市崞阳镇、天涯山景区和娘子关镇，电话(0350)3021234，代码140981。\n", encoding="utf-8")
    result = auditor.audit([path])
    figures = ev.clue_kind_figures(result, {"r": path}, places, {"r": places.resolve("山西省/忻州市/原平市")})
    assert figures["code: area code"] == {"documents": 1, "clues": 1, "pointing_home": 1}
    assert figures["code: division code"] == {"documents": 1, "clues": 1, "pointing_home": 1}
    assert figures["admin"]["documents"] == 1 and figures["admin"]["pointing_home"] < figures["admin"]["clues"]
    assert figures["abbreviation"] == {"documents": 0, "clues": 0, "pointing_home": 0}
