"""`policyc.Matcher.sources` answers as `policyc sources --format json` does, in every state of the policies that
collect independently of the page (`collect DATA from SOURCE`), and fails closed on what it does not know."""

import itertools
import json

import pytest

import policyc
from conftest import ROOT, run

# The runtime's demo artifact, the disclosure fixture with two sources of its own, and the real policies that
# receive data from elsewhere.
POLICIES = [
    "tests/fixtures/disclose/independent.policy",
    "policies/real/honey.policy",
    "policies/real/capital-one-shopping.policy",
]
DEMO = ROOT / "runtime/tests/data/demo.matcher"


@pytest.fixture(scope="module")
def with_sources(policyc_bin, tmp_path_factory) -> list:
    out = tmp_path_factory.mktemp("sources")
    found = [DEMO]
    for i, policy in enumerate(POLICIES):
        run(policyc_bin, "compile", ROOT / policy, "-o", out / str(i))
        # The artifact is named after the policy's id, not the file.
        (path,) = (out / str(i)).glob("*.matcher")
        found.append(path)
    return found


def states(m: policyc.Matcher):
    """Every combination of the policy's signals and features (at most six of them, so that a larger policy
    keeps the test quick), in no region and in each region."""
    names = (m.signals + sorted(m.features))[:6]
    for values in itertools.product([False, True], repeat=len(names)):
        for region in [None, *m.regions]:
            yield dict(zip(names, values)), region


def cli(binary, artifact, set_, region) -> dict:
    args = ["sources", artifact, "--format", "json"]
    for k, v in set_.items():
        args += ["--set", f"{k}={'on' if v else 'off'}"]
    if region:
        args += ["--region", region]
    return json.loads(run(binary, *args).stdout)


def test_sources_agree_with_policyc_sources_in_every_state(policyc_bin, with_sources):
    collecting = empty = 0
    for artifact in with_sources:
        m = policyc.Matcher.open(artifact)
        for set_, region in states(m):
            want = cli(policyc_bin, artifact, set_, region)
            got = m.sources(set=set_, region=region)
            # The same dict, and the same JSON text: key order is the CLI's too.
            assert got == want, (artifact, set_, region)
            assert json.dumps(got) == json.dumps(want)
            for source in m.source_names:
                assert m.collects_from(got, source) == [i["data"] for i in want["items"] if i["source"] == source]
            collecting += bool(got["collect"])
            empty += not got["collect"]
    # The comparison proves something only if some states collect and others do not.
    assert collecting and empty


def test_the_demo_collects_from_its_sources_in_their_states_only():
    m = policyc.Matcher.open(DEMO)
    assert m.source_names == ["device", "account", "partners"]
    # Features at their defaults: stats_switch is on, so the install id may be collected from the device.
    defaults = m.sources()
    assert defaults["collect"] == ["install_id"]
    assert defaults["items"] == [{
        "data": "install_id", "source": "device", "purposes": ["stats"], "retention": "until uninstall",
        "linked": False, "rules": [{"rule": "from 1", "origin": "demo.policy:40"}]}]
    assert defaults["policy_hash"] == m.policy_hash
    de = m.sources(set={"signed_in": True}, region="DE")
    assert (de["collect"], de["linked"]) == (["install_id", "purchases"], ["purchases"])
    assert m.sources(set={"signed_in": True}, region="US")["collect"] == ["install_id"]
    assert m.sources(set={"stats_switch": False})["collect"] == []
    # A page decision never includes them.
    assert m.decide("https://shop.example/cart", set={"signed_in": True}, region="DE").collect == ["page_url"]


def test_sources_fail_closed():
    m = policyc.Matcher.open(DEMO)
    report = m.sources(set={"signed_in": True}, region="DE")
    assert m.collects_from(report, "device") == ["install_id"]
    assert m.collects_from(report, "partners") == ["purchases"]
    assert m.collects_from(report, "account") == []
    # A source the policy does not name, even one spelt like a known one, allows nothing.
    for unknown in ("cookies", "Device", "", "partners "):
        assert m.collects_from(report, unknown) == []
    with pytest.raises(TypeError):
        m.collects_from({"collect": ["install_id"]}, "device")
    with pytest.raises(ValueError, match="`nope`"):
        m.sources(set={"nope": True})
    with pytest.raises(ValueError, match="`XX`"):
        m.sources(region="XX")
    # Collection from a source never depends on an event, so there is no such argument.
    with pytest.raises(TypeError):
        m.sources(event="offer_click")


def test_a_report_answers_only_for_the_matcher_that_made_it(artifacts):
    """A report of another policy (an older version kept across an update, another extension's) or a dict made by
    hand would allow what this policy may not: `collects_from` refuses it instead of answering from it."""
    shop = policyc.Matcher.open(artifacts["shopping-assistant"][0])
    tracker = policyc.Matcher.open(artifacts["price-tracker"][0])
    demo = policyc.Matcher.open(DEMO)
    # The demo may collect its install id from the device; the shopping assistant may not.
    assert demo.collects_from(demo.sources(), "device") == ["install_id"]
    assert shop.collects_from(shop.sources(), "device") == []
    for other in (demo, tracker):
        report = other.sources()
        with pytest.raises(ValueError, match=f"the report is of policy `{other.policy_hash}`, not of this "
                                             f"matcher's `{shop.policy_hash}`"):
            shop.collects_from(report, "device")
        # Whatever the source, a known one or not.
        with pytest.raises(ValueError, match="the report is of policy"):
            shop.collects_from(report, "nowhere")
    forged = {"items": [{"source": "device", "data": "ssn"}]}
    for report in (forged, {**forged, "policy_hash": None}, {**forged, "policy_hash": 1}):
        with pytest.raises(ValueError, match="the report names no `policy_hash`"):
            shop.collects_from(report, "device")
    # With this policy's hash, an item the policy does not have is still refused.
    with pytest.raises(ValueError, match="the report names `ssn`, which is not a data item of this policy"):
        demo.collects_from({**forged, "policy_hash": demo.policy_hash}, "device")
    # The matcher's own report, as a dict or a read-only view of it, is read.
    import types

    own = demo.sources(set={"signed_in": True}, region="DE")
    assert demo.collects_from(types.MappingProxyType(own), "partners") == ["purchases"]
    assert demo.collects_from({**own, "policy_hash": demo.policy_hash}, "device") == ["install_id"]
