"""Shared fixtures. The environment (offline, a closed Hub endpoint, charts to a temporary
folder) is set by the repository's root ``conftest.py``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from hubshare import paths, snapshot

ROOT = paths.ROOT


def rows(records: list[dict]) -> pd.DataFrame:
    """Snapshot rows from short records; unspecified columns get neutral values."""
    base = {
        "author": None,
        "created_at": pd.Timestamp("2026-01-01", tz="UTC"),
        "last_modified": pd.Timestamp("2026-01-02", tz="UTC"),
        "downloads_30d": 0,
        "downloads_all_time": 0,
        "likes": 0,
        "pipeline_tag": "text-generation",
        "library_name": "transformers",
        "tags": [],
        "base_models": [],
        "base_relation": None,
        "gated": False,
    }
    out = []
    for r in records:
        row = {**base, **r}
        row["author"] = row["author"] or row["id"].split("/")[0]
        out.append(row)
    frame = pd.DataFrame(out)
    for col in ("downloads_30d", "downloads_all_time", "likes"):
        frame[col] = frame[col].astype("Int64")
    return frame


def make_snapshot(folder: Path, records: list[dict], label: str = "test", created_at: str = "2026-02-01T00:00:00Z") -> Path:
    table = snapshot.to_table(rows(records))
    manifest = snapshot.build_manifest(table, label=label, source={"endpoint": "test", "query": "test"}, created_at=created_at)
    return snapshot.save(table, folder, manifest)


def run_cli(*args: str, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    """Run ``python -m hubshare ARGS`` as a user would, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "hubshare", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


@pytest.fixture
def sample():
    return snapshot.load(paths.SAMPLE_SNAPSHOT)


@pytest.fixture
def small(tmp_path):
    """A small snapshot with first-party models, derivatives, a merge and a language filter."""
    records = [
        {"id": "Qwen/Qwen3-8B", "downloads_30d": 100, "downloads_all_time": 1000},
        {"id": "Qwen/Qwen3-VL-2B", "downloads_30d": 50, "downloads_all_time": 500, "pipeline_tag": "image-text-to-text"},
        {"id": "unsloth/Qwen3-8B-GGUF", "downloads_30d": 40, "downloads_all_time": 400, "base_models": ["Qwen/Qwen3-8B"], "base_relation": "quantized", "library_name": "gguf", "pipeline_tag": None},
        {"id": "meta-llama/Llama-3.1-8B", "downloads_30d": 30, "downloads_all_time": 3000},
        {"id": "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "downloads_30d": 20, "downloads_all_time": 200, "base_models": ["Qwen/Qwen2.5-Math-7B"], "base_relation": "finetune"},
        {"id": "google/vit-base", "downloads_30d": 60, "downloads_all_time": 600, "pipeline_tag": "image-classification"},
        {"id": "sentence-transformers/all-MiniLM-L6-v2", "downloads_30d": 200, "downloads_all_time": 9000, "pipeline_tag": "sentence-similarity"},
    ]
    return snapshot.load(make_snapshot(tmp_path / "small", records, label="small"))


@pytest.fixture
def fakehub():
    """A fake Hub on 127.0.0.1 serving 2,000 synthetic models (seed 7)."""
    from fakehub import FakeHub

    hub = FakeHub(models=2_000, seed=7).start()
    yield hub
    hub.stop()


def refresh_env(hub, **extra) -> dict:
    """Environment for a refresh subprocess: the fake Hub's address, fast backoff, online."""
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HUBSHARE_BACKOFF_BASE": "0.01", "HF_HUB_OFFLINE": "0", **extra}
    env.pop("HF_TOKEN", None) if "HF_TOKEN" not in extra else None
    return env


def refresh_cmd(out, label, *args) -> list[str]:
    return [sys.executable, "-m", "hubshare", "refresh", "--out", str(out), "--label", label, "--quiet", *args]
