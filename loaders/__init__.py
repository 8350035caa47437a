"""Reading municipal and ministry extracts into the database (docs/formats.md).

>>> import tempfile; from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "institutioner.csv").write_text("institution_id;navn;type\\nD1;Solsikken;dagtilbud\\n")
>>> for r in import_files(folder / "x.duckdb", [folder / "institutioner.csv"]):
...     print(r.summary())
institutioner.csv: institutioner (kommunens liste) indlæst: 1 rækker, 0 tidligere rækker erstattet (1 institutioner).
"""

from loaders.importer import ImportRejected, ImportResult, detect_kind, import_files

__all__ = ["ImportRejected", "ImportResult", "detect_kind", "import_files"]
