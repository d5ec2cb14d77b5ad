"""pkuseg over its feature table (auditor.map.pkuseg_features): the words it cuts
are pkuseg's own, clause for clause, whether it looks features up or has loaded
them all; the table is kept in the cache folder and rebuilt when damaged."""
from __future__ import annotations

import contextlib
import io
import logging
import re
from pathlib import Path

import pytest

from auditor.map import pkuseg_features
from auditor.map.pkuseg_features import FeatureTable, lookup_keys, pkuseg_over_table, table_path
from auditor.map.segment import Segmenter, pkuseg_model_dir

MODEL = pkuseg_model_dir()
pytestmark = pytest.mark.skipif(MODEL is None or not (MODEL / "features.pkl").is_file(),
                                reason="pkuseg's model is installed by make install")
REPO = Path(__file__).resolve().parent.parent
DEV_EVAL = REPO.parent / "shared" / "dev-eval"
CLAUSE_BREAK = re.compile(r"[。！？；，、：\n\r（）()“”\"《》]")


def clauses_of(texts: list[str], limit: int) -> list[str]:
    found = [clause for text in texts for clause in CLAUSE_BREAK.split(text) if clause.strip()]
    return found[:limit]


@pytest.fixture(scope="module")
def pkuseg_itself():
    import spacy_pkuseg

    with contextlib.redirect_stderr(io.StringIO()):
        return spacy_pkuseg.pkuseg(model_name=str(MODEL))


@pytest.fixture(scope="module")
def table():
    """The table `make install` built (the user's cache folder), or built now."""
    return FeatureTable.of_model(MODEL)


@pytest.fixture(scope="module")
def real_clauses(seed_text):
    """Clauses of the seeds and of real reports: numbers, Latin letters, × masks and all."""
    texts = [seed_text(prefix) for prefix in ("000", "002", "004")]
    texts += [path.read_text(encoding="utf-8") for path in sorted(DEV_EVAL.rglob("*.txt"))[:3]]
    return clauses_of(texts, 1500)


def test_pkuseg_over_the_table_cuts_what_pkuseg_cuts(table, pkuseg_itself, real_clauses):
    over_table = pkuseg_over_table(MODEL, table, full_load_nodes=10**9)
    assert [over_table.cut(clause) for clause in real_clauses] == [pkuseg_itself.cut(clause) for clause in real_clauses]
    extractor = over_table.feature_extractor
    assert not extractor.complete
    # It holds only the features these clauses can use, a small part of the model's.
    assert 1000 < len(extractor.feature_to_idx) < table.n_features // 10


def test_the_words_stay_pkuseg_s_when_the_whole_table_is_loaded_midway(table, pkuseg_itself, real_clauses):
    over_table = pkuseg_over_table(MODEL, table, full_load_nodes=2000)
    assert [over_table.cut(clause) for clause in real_clauses] == [pkuseg_itself.cut(clause) for clause in real_clauses]
    assert over_table.feature_extractor.complete
    assert len(over_table.feature_extractor.feature_to_idx) == table.n_features


def test_the_keys_looked_up_are_the_ones_pkuseg_forms(table):
    """Word features for 忻州市人民政府: pkuseg's own strings, inside and across words."""
    from spacy_pkuseg.config import config
    from spacy_pkuseg.feature_extractor import FeatureExtractor

    nodes = list(FeatureExtractor.normalize_text("忻州市人民政府2023年"))
    keys = lookup_keys(nodes, table.unigram, config.wordMin, config.wordMax, config.wordFeature)
    assert {"c.忻", "c-1c.忻.州", "cc1.州.市", "c-2c-1.人.民", "c.**Num", "w1.人民", "w-1.政府"} <= keys
    assert "ww.l.人民*政府" in keys and "ww.r.**noWord*人民" in keys
    assert all(not key.startswith("c.2") for key in keys)  # digits are **Num to pkuseg


def test_the_table_is_built_in_the_cache_folder_once_and_rebuilt_when_damaged(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="auditor")
    folder = tmp_path / "a cache #1?%20"  # characters a file: URI would read otherwise
    built = FeatureTable.of_model(MODEL, folder)
    assert built.path == table_path(MODEL, folder) and built.path.parent == folder
    assert [path.name for path in folder.iterdir()] == [built.path.name]  # no temporary file left
    assert "indexing pkuseg's features" in caplog.text
    caplog.clear()
    stamp = built.path.stat().st_mtime_ns
    assert FeatureTable.of_model(MODEL, folder).path.stat().st_mtime_ns == stamp
    assert caplog.text == ""
    built.path.write_bytes(b"not a database, but the name of one")
    again = FeatureTable.of_model(MODEL, folder)
    assert "damaged" in caplog.text
    assert again.lookup(["c.忻", "no such feature"]).keys() == {"c.忻"}


def test_the_weights_are_mapped_from_the_cache_folder_written_once_and_again_when_damaged(tmp_path, caplog):
    import numpy as np

    caplog.set_level(logging.WARNING, logger="auditor")
    with np.load(MODEL / "weights.npz") as npz:
        weights = npz["w"]
    mapped = pkuseg_features.mapped_weights(MODEL, tmp_path)
    path = pkuseg_features.weights_path(MODEL, tmp_path)
    assert isinstance(mapped, np.memmap) and [p.name for p in tmp_path.iterdir()] == [path.name]
    assert mapped.shape == weights.shape and np.array_equal(mapped[::997], weights[::997])
    assert "writing pkuseg's weights" in caplog.text
    caplog.clear()
    stamp = path.stat().st_mtime_ns
    assert pkuseg_features.mapped_weights(MODEL, tmp_path).shape == weights.shape
    assert path.stat().st_mtime_ns == stamp and caplog.text == ""
    path.write_bytes(path.read_bytes()[:1000])  # cut short
    again = pkuseg_features.mapped_weights(MODEL, tmp_path)
    assert "damaged" in caplog.text and np.array_equal(again[-50:], weights[-50:])


def test_a_cache_folder_that_cannot_be_made_means_pkuseg_s_own_load(tmp_path, monkeypatch, caplog, pkuseg_itself):
    (tmp_path / "a file").write_text("in the way of the cache folder")
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(tmp_path / "a file" / "cache"))
    caplog.set_level(logging.WARNING, logger="auditor")
    segmenter = Segmenter()
    assert segmenter.cut("原平市位于忻州市") == pkuseg_itself.cut("原平市位于忻州市")
    assert segmenter.name == "pkuseg" and "loading the whole model" in caplog.text


def test_the_segmenter_uses_the_table_of_the_cache_folder(monkeypatch, tmp_path, table):
    made = []
    real = pkuseg_features.FeatureTable.of_model

    def counting(model_dir, cache_dir=None):
        made.append(model_dir)
        return real(model_dir, cache_dir)

    monkeypatch.setattr(pkuseg_features.FeatureTable, "of_model", staticmethod(counting))
    segmenter = Segmenter()
    assert segmenter.cut("崞阳古城位于原平市") and segmenter.name == "pkuseg"
    assert made == [MODEL]
