"""Type stubs of the native module; the public names are re-exported by ``policyc``."""

import os
from typing import Any, Iterable, Mapping, Optional, Union

import pyarrow

class Decision:
    """One decision, in names: the same content as ``policyc match`` prints for the URL."""

    @property
    def url(self) -> str: ...
    @property
    def event(self) -> Optional[str]:
        """The event decided (``offer_click``), or ``None`` for a page view, whether ``event`` was ``None`` or
        ``page_view``."""
    @property
    def host(self) -> Optional[str]:
        """The URL's host; ``None`` when the URL could not be parsed."""
    @property
    def sites(self) -> list[str]: ...
    @property
    def collect(self) -> list[str]: ...
    @property
    def linked(self) -> list[str]: ...
    @property
    def purposes(self) -> list[str]: ...
    @property
    def retention(self) -> dict[str, str]: ...
    @property
    def rules(self) -> list[tuple[str, str]]: ...
    @property
    def blocked_by(self) -> list[tuple[str, str]]: ...
    @property
    def policy_hash(self) -> str: ...
    @property
    def error(self) -> Optional[str]: ...
    def to_json(self) -> str:
        """The decision as the JSON line ``policyc match`` prints."""
    def __eq__(self, other: object) -> bool: ...

class Matcher:
    """A loaded matcher artifact."""

    @staticmethod
    def open(path: Union[str, os.PathLike[str]]) -> Matcher:
        """Loads an artifact file; ``OSError`` if unreadable, ``ValueError`` if not a valid artifact."""
    @staticmethod
    def from_bytes(data: Union[bytes, bytearray, memoryview]) -> Matcher:
        """Loads an artifact from its bytes; ``ValueError`` if they are not a valid artifact."""
    @property
    def policy_hash(self) -> str: ...
    @property
    def policy_id(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def signals(self) -> list[str]: ...
    @property
    def features(self) -> dict[str, bool]: ...
    def label(self, name: str, lang: str) -> Optional[str]:
        """The policy's text for a signal or feature in a language (a feature's name as users see it, or what a
        signal stands for); ``None`` if the name or the language is unknown."""
    def opt_in(self, name: str, lang: str) -> Optional[str]:
        """How the user agrees to a feature before it collects under consent, in a language, where the policy
        says; ``None`` otherwise."""
    @property
    def regions(self) -> list[str]: ...
    @property
    def data(self) -> list[str]: ...
    @property
    def purposes(self) -> list[str]:
        """The purposes the policy declares, in declaration order: every name a decision's ``purposes`` can
        hold."""
    @property
    def categories(self) -> list[str]:
        """The site categories the policy declares (its ``sites`` blocks), in declaration order: every name a
        decision's ``sites`` can hold."""
    @property
    def events(self) -> list[str]:
        """The declared events; a page view (``page_view``) is not among them."""
    @property
    def source_names(self) -> list[str]:
        """Where data collected independently of the page comes from: ``device``, ``account``, then the
        policy's own sources."""
    def sources(
        self,
        set: Optional[Mapping[str, bool]] = None,
        region: Optional[str] = None,
    ) -> dict[str, Any]:
        """What may be collected independently of the page in one state: the dict ``policyc sources --format
        json`` prints (``collect``, ``linked``, ``purposes``, ``items``, ``rules``, ``policy_hash``). There is no
        ``event``: such collection does not depend on one. An undeclared name raises ``ValueError``."""
    def collects_from(self, report: Mapping[str, Any], source: str) -> list[str]:
        """The items a report of this matcher's ``sources`` (the dict, or any mapping of it such as a
        ``types.MappingProxyType``) allows from ``source``, as a list in the policy's order; nothing for a source
        the policy does not name. A report without ``items`` raises ``TypeError``; one whose ``policy_hash`` is
        missing or is not this matcher's (a report of an older version, say) raises ``ValueError``."""
    def decide(
        self,
        url: str,
        set: Optional[Mapping[str, bool]] = None,
        region: Optional[str] = None,
        event: Optional[str] = None,
    ) -> Decision:
        """Decides one URL for ``event`` (``None``: a page view); an undeclared name in ``set``, ``region`` or
        ``event`` raises ``ValueError``. A lone surrogate in ``url`` is read as U+FFFD, as browsers read it."""
    def decide_arrow(
        self,
        urls: Union[pyarrow.Array, pyarrow.ChunkedArray],
        set: Optional[Mapping[str, bool]] = None,
        region: Optional[str] = None,
        event: Optional[str] = None,
    ) -> pyarrow.RecordBatch:
        """Decides every URL of a string array: columns ``url``, ``host``, ``sites``, ``collect``, ``linked``,
        ``purposes``, ``retention`` (map), ``error``."""

class Auditor:
    """Audits collection-log events against the artifacts that were live."""

    def __init__(
        self,
        artifacts: Union[bytes, bytearray, memoryview, Matcher, Iterable[Union[bytes, bytearray, memoryview, Matcher]]],
    ) -> None:
        """An auditor over a list of artifacts (bytes or ``Matcher``), newest first, or over a single one."""
    @property
    def policy_hashes(self) -> list[str]: ...
    def audit_line(self, line: str) -> list[dict[str, object]]:
        """The violations of one NDJSON log line, as dicts with the fields of ``policyc audit --format json``
        except ``line``; none for a blank line (ASCII white space only), which ``policyc audit`` skips too;
        ``ValueError`` with ``policyc audit``'s reason if the line is malformed (which also says
        when the line named a policy of none of the artifacts)."""
    def audit_arrow(self, lines: Union[pyarrow.Array, pyarrow.ChunkedArray]) -> pyarrow.RecordBatch:
        """The violations of every line: ``row``, ``ts``, ``url``, ``kind``, ``data``, ``detail``, ``policy``;
        malformed lines are rows of kind ``malformed``."""
    def audit_columns(self, batch: pyarrow.RecordBatch) -> pyarrow.RecordBatch:
        """The violations of events in typed columns (``url``; optional ``ts``, ``region``, ``event``, ``policy``
        as strings, ``collect``/``data`` and ``linked`` as lists of strings, ``state`` as a map of booleans), each
        meaning what the field of an NDJSON line means (a null ``event`` is a page view), in the form
        ``audit_arrow`` returns. A column that looks like a misspelt field the batch lacks (``colect`` without
        ``collect``) raises ``ValueError``; other columns are the table's own (a partition column, an id) and are
        not read. A column of the wrong type raises ``TypeError``."""
