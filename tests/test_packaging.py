"""The lock file, pyproject.toml and environment.yml describe one tested environment."""

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from hubshare import paths

CONDA_NAMES = {"matplotlib-base": "matplotlib", "seaborn-base": "seaborn", "python-duckdb": "duckdb"}


def lock() -> dict[str, Version]:
    pins = {}
    for line in (paths.ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = Version(version)
    return pins


def requirements() -> list[Requirement]:
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def test_every_requirement_is_locked_within_its_bounds():
    pins = lock()
    for req in requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in requirements.lock"
        assert req.specifier.contains(pins[name]), f"{req.name}: locked {pins[name]} is outside {req.specifier}"


def test_environment_yml_lists_the_locked_versions():
    pins = lock()
    listed = dict(re.findall(r"^  - ([A-Za-z0-9_.-]+)=([0-9][^\s]*)$", (paths.ROOT / "environment.yml").read_text(), re.M))
    assert listed.pop("python") == "3.11"
    direct = {canonicalize_name(r.name) for r in requirements()}
    assert {canonicalize_name(CONDA_NAMES.get(n, n)) for n in listed} == direct
    for name, version in listed.items():
        assert Version(version) == pins[canonicalize_name(CONDA_NAMES.get(name, name))], name


def test_the_licence_is_an_spdx_expression():
    pyproject = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == "MIT" and pyproject["project"]["license-files"] == ["LICENSE"]
    # License expressions need setuptools 77 or later; the bound is the version tested.
    setuptools = next(Requirement(r) for r in pyproject["build-system"]["requires"] if r.startswith("setuptools"))
    assert setuptools.specifier.contains("84.2.1") and not setuptools.specifier.contains("76.0")
