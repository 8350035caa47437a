"""Shared fixtures: real DuckDB files in tmp_path, and the sample municipality."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core import database


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """An empty database with the current schema, in a file of its own."""
    path = tmp_path / "test.duckdb"
    database.ensure(path)
    return path


@pytest.fixture(scope="session")
def sample_db_master(tmp_path_factory) -> Path:
    """The sample municipality imported once per test session through the real loaders."""
    from sample_data import build_database

    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    build_database(path)
    return path


@pytest.fixture(scope="session")
def generated_db_master(tmp_path_factory) -> Path:
    """A generated municipality (the sample's shape, another seed), imported once per session through the real
    loaders: a second municipality for tests that must hold beyond the sample."""
    from loaders import import_files
    from sample_data import generate, sample_files

    folder = tmp_path_factory.mktemp("generated")
    generate(folder, "municipality", seed=7)
    db = folder / "generated.duckdb"
    database.ensure(db)
    import_files(db, sample_files(folder), user="test")
    return db


@pytest.fixture
def sample_db(sample_db_master: Path, tmp_path: Path) -> Path:
    """A private copy of the sample database that a test may change."""
    path = tmp_path / "sample.duckdb"
    shutil.copy(sample_db_master, path)
    shutil.copy(f"{sample_db_master}.generation", f"{path}.generation")
    return path
