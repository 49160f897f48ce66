"""A generated collection log with seeded violations, for the audit tests and benchmarks.

Every event collects and links exactly what the policy allows, except the seeded ones, each of which breaks it in
one known way; so the violations an audit must find are known without running an audit.
"""

import json
import random

# URLs of the audit fixture policy's categories, its `never` sites, and hosts it knows nothing of.
URLS = [
    "https://www.walmart.com/ip/{n}", "https://www.walmart.com/cart", "https://www.target.com/p/{n}",
    "https://www.target.com/", "https://www.ebay.de/itm/{n}", "https://www.ebay.co.uk/", "https://www.chase.com/",
    "https://bankofamerica.com/login", "https://news.example/{n}", "http://93.184.216.34/ip/{n}",
    "https://ebay.blogspot.com/", "https://notwalmart.com/ip/{n}", "ftp://www.walmart.com/",
]
STATE_NAMES = ("assistant_active", "signed_in", "price_compare")
REGIONS = (None, "US", "DE")
OTHER_HASH = "0" * 64


def generate(path, matcher, n: int, seed: int = 13) -> dict:
    """Writes `n` events to `path` and returns the expected findings: {(line, kind): data}, plus the malformed
    lines under the key "malformed"."""
    rng = random.Random(seed)
    cache = {}
    expected = {}
    malformed = []
    items = matcher.data
    with open(path, "w") as f:
        for line in range(1, n + 1):
            url = rng.choice(URLS).format(n=rng.randrange(1000))
            state = {k: True for k in STATE_NAMES if rng.random() < 0.5}
            if "price_compare" not in state and rng.random() < 0.5:
                state["price_compare"] = False
            region = rng.choice(REGIONS)
            key = (url, tuple(sorted(state.items())), region)
            if key not in cache:
                d = matcher.decide(url, set=state, region=region)
                cache[key] = (d.collect, d.linked)
            allowed, linkable = cache[key]
            event = {"ts": f"2019-07-01T10:{line // 60 % 60:02d}:{line % 60:02d}Z", "url": url,
                     "collect": list(allowed), "linked": list(linkable), "state": state,
                     "policy": matcher.policy_hash}
            if region:
                event["region"] = region
            roll = rng.random()
            if roll < 0.02:
                extra = [i for i in items if i not in allowed] + ["email"]
                item = rng.choice(extra)
                event["collect"].append(item)
                expected[(line, "collected_not_allowed")] = [item]
            elif roll < 0.04:
                unlinkable = [i for i in allowed if i not in linkable]
                if unlinkable:
                    event["linked"].append(unlinkable[0])
                    expected[(line, "linked_not_allowed")] = [unlinkable[0]]
            elif roll < 0.05:
                event["policy"] = OTHER_HASH
                expected[(line, "policy_mismatch")] = []
            elif roll < 0.06:
                # Logs written before `collect` was named as in decisions: the same event, read the same.
                event["data"] = event.pop("collect")
            elif roll < 0.0605:
                event["state"]["dark_mode"] = True
                malformed.append(line)
            elif roll < 0.061:
                f.write("{not json\n")
                malformed.append(line)
                continue
            f.write(json.dumps(event) + "\n")
    expected["malformed"] = malformed
    return expected
