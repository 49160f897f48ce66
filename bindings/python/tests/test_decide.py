"""`policyc.Matcher` decides as `policyc match` and `policyc explain` do, per URL and per Arrow batch."""

import json
import random

import pyarrow as pa
import pytest

import policyc
from conftest import ROOT, SHARED, match, run


def urls_for(policy: str) -> list:
    """URLs from the bundled lists (hosts, subdomains, paths, near misses), bad input, and real URLs when the
    shared corpus is beside the repository."""
    rng = random.Random(13)
    urls = []
    for lst in sorted((ROOT / "policies/lists").glob("*.txt")):
        domains = [d.strip() for d in lst.read_text().splitlines() if d.strip() and not d.startswith("#")]
        for d in rng.sample(domains, min(300, len(domains))):
            urls += [f"https://{d}/", f"https://www.{d}/p/item?id=1", f"http://shop.{d}/ip/3", f"https://not{d}/"]
    urls += [
        "https://www.walmart.com/ip/1",
        "https://www.walmart.com/cart",
        "https://www.ebay.de/itm/1",
        "https://ebay.blogspot.com/",
        "https://www.chase.com/login",
        "http://93.184.216.34/ip/1",
        "ftp://www.walmart.com/",
        "not a url",
        "https://WWW.Target.COM/p/lamp",
        "https://xn--bcher-kva.example/",
        "",
    ]
    if (SHARED / "sitelist.txt").exists():
        real = [u.strip() for u in (SHARED / "sitelist.txt").read_text().splitlines() if u.strip()]
        urls += rng.sample(real, min(3000, len(real)))
        reqs = json.loads((SHARED / "matching-test-requests.json").read_text())
        urls += [r["url"] for r in rng.sample(reqs, min(2000, len(reqs)))]
    # `policyc match` reads one URL per line.
    return [u for u in urls if "\n" not in u and "\r" not in u]


STATES = {
    "shopping-assistant": [({}, None), ({"assistant_active": True, "signed_in": True}, "DE"),
                           ({"price_compare": False}, "US")],
    "price-tracker": [({}, None), ({"history_consent": True, "price_history": True, "price_alerts": True}, "US-CA")],
    "news-analytics": [({}, None), ({"reading_stats": False}, "GB")],
}


@pytest.mark.parametrize("name", sorted(STATES))
def test_decide_agrees_with_policyc_match(policyc_bin, artifacts, name):
    path, _ = artifacts[name]
    m = policyc.Matcher.open(path)
    urls = urls_for(name)
    collected = 0
    for set_, region in STATES[name]:
        expected = match(policyc_bin, path, urls, set_, region)
        assert len(expected) == len(urls)
        for url, want in zip(urls, expected):
            d = m.decide(url, set=set_, region=region)
            assert json.loads(d.to_json()) == want
            assert (d.url, d.collect, d.linked, d.purposes, d.retention, d.error, d.policy_hash) == (
                want["url"], want["collect"], want["linked"], want["purposes"], want["retention"], want["error"],
                want["policy_hash"])
            collected += bool(d.collect)
    # The comparison is not vacuous: the lists make some URLs collect and others not.
    assert 0 < collected < len(urls) * len(STATES[name])


@pytest.mark.parametrize("name", sorted(STATES))
def test_decide_arrow_agrees_with_policyc_match(policyc_bin, artifacts, name):
    path, _ = artifacts[name]
    m = policyc.Matcher.from_bytes(path.read_bytes())
    urls = urls_for(name)
    set_, region = STATES[name][-1]
    expected = match(policyc_bin, path, urls, set_, region)
    batch = m.decide_arrow(pa.array(urls), set=set_, region=region)
    assert isinstance(batch, pa.RecordBatch)
    assert batch.schema.names == ["url", "host", "sites", "collect", "linked", "purposes", "retention", "error"]
    rows = batch.to_pylist()
    for row, want in zip(rows, expected):
        assert {**row, "retention": dict(row["retention"])} == {
            k: want[k] for k in ("url", "host", "sites", "collect", "linked", "purposes", "retention", "error")}
    assert len(rows) == len(urls)


def test_decides_as_policyc_explain(policyc_bin, artifacts):
    path, _ = artifacts["shopping-assistant"]
    m = policyc.Matcher.open(str(path))
    d = m.decide("https://www.walmart.com/ip/1", set={"assistant_active": True, "signed_in": True}, region="DE")
    p = run(policyc_bin, "explain", path, "https://www.walmart.com/ip/1", "--set", "assistant_active=on",
            "--set", "signed_in=on", "--region", "DE", "--format", "json")
    explained = json.loads(p.stdout)
    # `explain` adds each collected item with its own purposes, retention and linkage; the rest is the decision.
    items = explained.pop("items")
    assert json.loads(d.to_json()) == explained
    assert [i["data"] for i in items] == d.collect
    assert [i["data"] for i in items if i["linked"]] == d.linked
    assert {i["data"]: i["retention"] for i in items} == d.retention
    assert sorted({p for i in items for p in i["purposes"]}) == sorted(d.purposes)
    assert d.collect and d.linked and d.purposes and d.retention and d.error is None
    assert d.rules and all(origin.startswith(str(ROOT / "policies")) or origin for _, origin in d.rules)


def test_policy_hash_is_the_one_compile_prints(artifacts):
    for path, printed in artifacts.values():
        m = policyc.Matcher.open(path)
        assert len(m.policy_hash) == 64
        assert m.policy_hash in printed


def test_matcher_describes_its_policy(artifacts):
    m = policyc.Matcher.open(artifacts["shopping-assistant"][0])
    assert m.signals == ["assistant_active", "signed_in"]
    # Both switches start on: the welcome page asks for each before anything is collected (the policy's `opt in`).
    assert m.features == {"price_compare": True, "personalised_ads": True}
    assert m.regions == ["US", "US-CA", "DE"]
    assert "page_url" in m.data
    assert m.policy_hash in repr(m)
    # The policy's words for its switches, for a settings page or a report.
    assert m.label("price_compare", "de") == "Preisvergleich"
    assert m.label("signed_in", "en") == "you are signed in"
    assert m.opt_in("personalised_ads", "en").startswith("the welcome page asks separately")
    assert m.label("price_compare", "fr") is None and m.label("nope", "en") is None


def test_matcher_lists_the_purposes_and_categories_decisions_name(policyc_bin, artifacts):
    """`purposes` and `categories` are the policy's declarations in order, as `policyc export` gives them (and as
    the JavaScript package's `purposes` and `categories` are), so every name a decision holds is among them."""
    for name in sorted(STATES):
        path, _ = artifacts[name]
        m = policyc.Matcher.open(path)
        exported = json.loads(run(policyc_bin, "export", ROOT / f"policies/{name}.policy", "--format", "json").stdout)
        assert m.purposes == [p["name"] for p in exported["purposes"]], name
        assert m.categories == [c["name"] for c in exported["sites"]], name
        assert m.purposes and m.categories
        for set_, region in STATES[name]:
            for d in m.decide_arrow(pa.array(urls_for(name)), set=set_, region=region).to_pylist():
                assert set(d["purposes"]) <= set(m.purposes) and set(d["sites"]) <= set(m.categories)
    demo = policyc.Matcher.open(ROOT / "runtime/tests/data/demo.matcher")
    assert (demo.purposes, demo.categories) == (["stats"], ["shops", "banks"])


# URLs with lone surrogates, which a Python `str` (like a JavaScript string) can hold, and what the browser's URL
# parser and `TextEncoder` read in their place: U+FFFD for each lone one, the character for a pair.
SURROGATES = [
    ("https://www.walmart.com/ip/\ud800", "https://www.walmart.com/ip/\ufffd"),
    ("https://www.walmart.com/ip/1?q=\udc00x\ud83d", "https://www.walmart.com/ip/1?q=\ufffdx\ufffd"),
    ("https://www.walmart.com/ip/\ud83d\ude00", "https://www.walmart.com/ip/\U0001f600"),
    ("https://www.walmart.com/ip/\ud800\ud800\udc00", "https://www.walmart.com/ip/\ufffd\U00010000"),
    ("https://www.walm\udfffart.com/ip/1", "https://www.walm\ufffdart.com/ip/1"),
]


def test_a_lone_surrogate_decides_as_u_fffd_as_in_the_browser(policyc_bin, artifacts):
    """A URL with a lone surrogate is decided, as the extension decides it, instead of raising
    `UnicodeEncodeError`: the same decision as for the URL with U+FFFD in its place, which is `policyc match`'s
    (and the JavaScript package's, whose test checks the same URLs)."""
    path, _ = artifacts["shopping-assistant"]
    m = policyc.Matcher.open(path)
    set_, region = {"assistant_active": True, "signed_in": True}, "DE"
    expected = match(policyc_bin, path, [read for _, read in SURROGATES], set_, region)
    for (url, read), want in zip(SURROGATES, expected):
        d = m.decide(url, set=set_, region=region)
        assert d == m.decide(read, set=set_, region=region)
        assert json.loads(d.to_json()) == want
        assert d.url == read
    # Not vacuous: the product page collects, the host that is not Walmart's does not.
    assert m.decide(SURROGATES[0][0], set=set_, region=region).collect
    assert not m.decide(SURROGATES[-1][0], set=set_, region=region).collect


def test_a_bad_artifact_raises_value_error_with_one_line(artifacts, tmp_path):
    good = artifacts["shopping-assistant"][0].read_bytes()
    for bad in (b"", b"not an artifact", good[: len(good) // 2], good[:-1] + bytes([good[-1] ^ 1])):
        with pytest.raises(ValueError) as e:
            policyc.Matcher.from_bytes(bad)
        assert "\n" not in str(e.value) and str(e.value)
    p = tmp_path / "bad.matcher"
    p.write_bytes(b"nope")
    with pytest.raises(ValueError, match="bad.matcher"):
        policyc.Matcher.open(p)
    with pytest.raises(FileNotFoundError) as e:
        policyc.Matcher.open(tmp_path / "missing.matcher")
    assert e.value.filename == str(tmp_path / "missing.matcher")
    assert "missing.matcher" in str(e.value)


def test_any_bytes_like_artifact_and_any_mapping_of_switches(artifacts):
    import types
    good = artifacts["shopping-assistant"][0].read_bytes()
    for data in (good, bytearray(good), memoryview(good)):
        assert policyc.Matcher.from_bytes(data).policy_hash == policyc.Matcher.from_bytes(good).policy_hash
    for wrong in (5, "artifact", None):
        with pytest.raises(TypeError):
            policyc.Matcher.from_bytes(wrong)
    m = policyc.Matcher.from_bytes(good)
    url = "https://www.walmart.com/ip/1"
    off = {"price_compare": False}
    # A read-only view of the settings decides as the dict does: switching the feature off collects nothing.
    assert m.decide(url, set=types.MappingProxyType(off)).collect == m.decide(url, set=off).collect == []
    assert m.decide(url).collect != []
    with pytest.raises(TypeError):
        m.decide(url, set=[("price_compare", False)])
    with pytest.raises(ValueError, match="did you mean `price_compare`"):
        m.decide(url, set=types.MappingProxyType({"price_compar": False}))


def test_an_undeclared_name_raises_value_error(artifacts):
    m = policyc.Matcher.open(artifacts["shopping-assistant"][0])
    with pytest.raises(ValueError, match="`dark_mode`"):
        m.decide("https://www.walmart.com/", set={"dark_mode": True})
    with pytest.raises(ValueError, match="`FR`"):
        m.decide_arrow(pa.array(["https://www.walmart.com/"]), region="FR")


def test_decide_arrow_takes_every_string_layout_and_fails_closed_on_null(artifacts):
    m = policyc.Matcher.open(artifacts["shopping-assistant"][0])
    urls = ["https://www.walmart.com/ip/1", None, "https://www.chase.com/"]
    want = m.decide_arrow(pa.array(urls, pa.string()))
    assert want.column("collect").to_pylist()[1] == []
    assert want.column("error").to_pylist()[1] == "no URL (null)"
    assert want.column("collect").to_pylist()[0] == m.decide(urls[0]).collect
    for other in (pa.array(urls, pa.large_string()), pa.array(urls, pa.string_view()),
                  pa.chunked_array([urls[:1], urls[1:]])):
        assert m.decide_arrow(other).to_pylist() == want.to_pylist()
    with pytest.raises(TypeError, match="strings"):
        m.decide_arrow(pa.array([1, 2]))
    assert m.decide_arrow(pa.array([], pa.string())).num_rows == 0


def test_an_event_decides_as_policyc_match_with_event(policyc_bin, tmp_path):
    """The events fixture: a click, an applied coupon and a completed order collect what the policy says for
    each, a page view what it did, and `to_json` equals the CLI's line, `event` included."""
    policy = ROOT / "tests/fixtures/events/cashback.policy"
    run(policyc_bin, "compile", policy, "-o", tmp_path)
    artifact = tmp_path / "cashback.matcher"
    m = policyc.Matcher.open(artifact)
    assert m.events == ["offer_click", "coupon_applied", "order_placed"]
    urls = ["https://shop.example/p/1", "https://shop.example/checkout/thanks", "https://other.example/", "nope"]
    for event in [None, "page_view", "offer_click", "coupon_applied", "order_placed"]:
        args = ["match", artifact, "--set", "signed_in=on"] + (["--event", event] if event else [])
        cli = [json.loads(line) for line in run(policyc_bin, *args, stdin="".join(u + "\n" for u in urls)).stdout.splitlines()]
        for url, want in zip(urls, cli):
            d = m.decide(url, set={"signed_in": True}, event=event)
            assert json.loads(d.to_json()) == want, (url, event)
            assert d.event == (None if event in (None, "page_view") else event)
    assert m.decide("https://shop.example/p/1", event="offer_click").collect == ["offer_id"]
    assert m.decide("https://shop.example/p/1").collect == ["page_url", "coupon_code"]
    with pytest.raises(ValueError, match="`install`"):
        m.decide("https://shop.example/p/1", event="install")
