"""Shared fixtures: the `policyc` binary the package is compared with, and the bundled policies compiled once."""

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared" / "data" / "requests"


def policyc_binary() -> Path:
    """`$POLICYC`, else the workspace's release or debug build, else a fresh release build."""
    if os.environ.get("POLICYC"):
        return Path(os.environ["POLICYC"])
    for profile in ("release", "debug"):
        p = ROOT / "target" / profile / "policyc"
        if p.exists():
            return p
    subprocess.run(["cargo", "build", "--locked", "--release", "--bin", "policyc"], cwd=ROOT, check=True)
    return ROOT / "target" / "release" / "policyc"


@pytest.fixture(scope="session")
def policyc_bin() -> Path:
    return policyc_binary()


def run(binary: Path, *args, stdin: str = None, ok=(0,)) -> subprocess.CompletedProcess:
    p = subprocess.run([str(binary), *map(str, args)], input=stdin, capture_output=True, text=True, cwd=ROOT)
    assert p.returncode in ok, p.stderr
    return p


@pytest.fixture(scope="session")
def artifacts(policyc_bin, tmp_path_factory) -> dict:
    """Every bundled policy, and the audit fixture's, compiled: name -> (path, hash printed by compile)."""
    out = tmp_path_factory.mktemp("artifacts")
    found = {}
    policies = sorted((ROOT / "policies").glob("*.policy")) + [ROOT / "tests/fixtures/audit/shop.policy"]
    for policy in policies:
        p = run(policyc_bin, "compile", policy, "-o", out / policy.stem)
        # The artifact is named after the policy's id, not the file.
        (path,) = (out / policy.stem).glob("*.matcher")
        found[policy.stem] = (path, p.stdout)
    return found


@pytest.fixture(scope="session")
def cashback(policyc_bin, tmp_path_factory):
    """The events fixture compiled: a policy whose collection depends on what the user does."""
    out = tmp_path_factory.mktemp("cashback")
    run(policyc_bin, "compile", ROOT / "tests/fixtures/events/cashback.policy", "-o", out)
    return out / "cashback.matcher"


def match(binary: Path, artifact: Path, urls, set_=None, region=None) -> list:
    """`policyc match` over `urls`: one JSON decision per URL."""
    args = ["match", artifact]
    for k, v in (set_ or {}).items():
        args += ["--set", f"{k}={'on' if v else 'off'}"]
    if region:
        args += ["--region", region]
    p = run(binary, *args, stdin="".join(u + "\n" for u in urls))
    return [json.loads(line) for line in p.stdout.splitlines()]
