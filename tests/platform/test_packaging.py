"""Reproducible installs: the lock files pin every package from PyPI exactly (with hashes), cover
what pyproject.toml asks for, and the README, CI and the Dockerfile install from them."""

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

LOCKS = {"requirements.lock": (), "requirements-dev.lock": ("dev",)}


def locked(name: str) -> dict[str, str]:
    """The lock file's packages and their versions."""
    text = (ROOT / name).read_text()
    pins = re.findall(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", text, flags=re.MULTILINE)
    return {canonicalize_name(n): v for n, v in pins}


# The client generator's own lock (contract/clients/run.py installs it in a venv of its own).
GENERATOR_LOCK = "contract/clients/requirements.lock"
SCHEMATHESIS_LOCK = "contract/schemathesis/requirements.lock"


@pytest.mark.parametrize("name", [*LOCKS, GENERATOR_LOCK, SCHEMATHESIS_LOCK])
def test_every_locked_line_is_an_exact_pin_from_pypi_with_hashes(name):
    text = (ROOT / name).read_text()
    requirements = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert requirements
    for line in requirements:
        assert re.match(r"^[A-Za-z0-9._-]+==\S+( ; .+)? \\$", line), line
    # No index, link or path of a machine: only names, versions and hashes.
    assert not re.search(r"(file:|/opt/|/tmp/|/home/|--index|--find-links|--extra-index)", text)
    assert text.count("--hash=sha256:") >= len(requirements)


@pytest.mark.parametrize(("name", "extras"), LOCKS.items())
def test_the_lock_satisfies_every_dependency_of_pyproject(name, extras):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    pins = locked(name)
    for spec in map(Requirement, wanted):
        version = pins.get(canonicalize_name(spec.name))
        assert version is not None, f"{spec.name} is not in {name}"
        assert spec.specifier.contains(version, prereleases=True), (spec, version)


def test_the_dev_lock_has_the_runtime_lock_at_the_same_versions():
    runtime, dev = locked("requirements.lock"), locked("requirements-dev.lock")
    assert {n: dev.get(n) for n in runtime} == runtime


def test_readme_ci_and_dockerfile_install_from_the_locks():
    readme = (ROOT / "README.md").read_text()
    commands = [line.strip() for line in readme.splitlines() if line.startswith("    python3")]
    assert "pip install -r requirements.lock && .venv/bin/pip install --no-deps -e ." in commands[0]
    assert (
        "pip install -r requirements-dev.lock && .venv/bin/pip install --no-deps -e ."
        in (commands[1])
    )
    assert "pip install -r requirements-dev.lock" in (ROOT / ".ci" / "run").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert "--no-deps ." in dockerfile
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11\.\d+-slim-bookworm", dockerfile, re.M)
    assert re.search(r"^VOLUME /srv/data$", dockerfile, re.M)


def test_the_generator_lock_pins_what_its_input_asks_for():
    wanted = (ROOT / "contract/clients/requirements.in").read_text().splitlines()
    pins = locked(GENERATOR_LOCK)
    for spec in map(Requirement, (w for w in wanted if w and not w.startswith("#"))):
        assert spec.specifier.contains(pins[canonicalize_name(spec.name)]), spec


def test_the_contract_run_installs_schemathesis_4_alone_from_its_own_lock():
    """Its own venv: schemathesis brings a pytest plugin and pins of its own, kept out of the
    project's test environment (scripts/schemathesis_run.py)."""
    pins = locked(SCHEMATHESIS_LOCK)
    assert pins["schemathesis"].startswith("4.")
    assert "schemathesis" not in locked("requirements-dev.lock")
    ci = (ROOT / ".ci" / "run").read_text()
    assert f"--require-hashes -r {SCHEMATHESIS_LOCK}" in ci
