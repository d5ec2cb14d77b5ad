"""The national administrative gazetteer (province → village): the model a scan
reads (:mod:`.model`), how it is compiled from jionlp's data and the county
boundaries (:mod:`.build`, :mod:`.boundaries`), the cache it is kept in
(:mod:`.cache`), and ``python -m auditor.gazetteer build`` (:mod:`.__main__`)."""
from .cache import build_cache, clear_memo, default_cache_dir, load_gazetteer
from .model import LEVELS, AdminUnit, derive_short, Gazetteer

__all__ = ["LEVELS", "AdminUnit", "Gazetteer", "build_cache", "clear_memo", "default_cache_dir", "derive_short",
           "load_gazetteer"]
