"""Decide and audit with policyc matcher artifacts, from Python.

A matcher artifact (``policyc compile`` writes ``NAME.matcher``) says where a browser extension may collect which
data, and when it may link it to the user's account. This package loads artifacts and decides with the same
runtime the extension and ``policyc`` use, so the answers are the ones ``policyc explain`` and ``policyc match``
give::

    import policyc
    m = policyc.Matcher.open("out/shopping-assistant.matcher")
    d = m.decide("https://www.walmart.com/ip/1", set={"assistant_active": True, "signed_in": True}, region="DE")
    d.collect, d.linked, d.purposes, d.retention, d.error

``Matcher.sources`` says what may be collected independently of the page in one state (the dict ``policyc sources
--format json`` prints); ``Matcher.decide_arrow`` decides a whole pyarrow array of URLs in one call; ``Auditor`` audits collection-log
events (``docs/audit.md``), and ``policyc.spark.audit`` does that over a Spark DataFrame.
"""

from ._policyc import Auditor, Decision, Matcher

__all__ = ["Auditor", "Decision", "Matcher"]
__version__ = "0.1.0"
