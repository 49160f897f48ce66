//! The Python package `policyc`: the runtime's decisions and audit for Python, per call or per Arrow batch.
//!
//! The module is a thin layer over `policyc-runtime`: it owns artifact bytes next to the matcher that reads
//! them, turns Python arguments into runtime settings, and turns decisions and violations into Python objects or
//! Arrow arrays. Arrow data crosses in both directions through the Arrow C data interface (`arrow-pyarrow`),
//! so a batch of URLs is decided without a Python object per row.

use arrow_array::builder::{Int64Builder, ListBuilder, MapBuilder, StringBuilder};
use arrow_array::{
    Array, ArrayRef, BinaryArray, BinaryViewArray, BooleanArray, LargeBinaryArray, LargeStringArray, ListArray,
    MapArray, RecordBatch, StringArray, StringViewArray,
};
use arrow_pyarrow::{FromPyArrow, ToPyArrow};
use policyc_runtime::audit::{
    misspelt_field, one_line, Auditor as RtAuditor, Event, Malformed, Violation, BOTH_COLLECT_AND_DATA,
};
use policyc_runtime::matcher::Matcher as RtMatcher;
use policyc_runtime::{urlnorm, Context, Decision as RtDecision, Report, Settings, SourceReport};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyMemoryView, PyString};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

type Matchers<'a> = Vec<RtMatcher<'a>>;

self_cell::self_cell!(
    /// Artifact bytes and the matchers that read them in place, one per artifact.
    struct Loaded {
        owner: Vec<Vec<u8>>,
        #[covariant]
        dependent: Matchers,
    }
);

impl Loaded {
    fn load(artifacts: Vec<Vec<u8>>) -> Result<Loaded, String> {
        Loaded::try_new(artifacts, |all| {
            all.iter()
                .enumerate()
                .map(|(i, b)| {
                    RtMatcher::from_bytes(b).map_err(|e| {
                        if all.len() == 1 {
                            e.to_string()
                        } else {
                            format!("artifact {}: {e}", i + 1)
                        }
                    })
                })
                .collect()
        })
    }

    fn first(&self) -> PyResult<&RtMatcher<'_>> {
        self.borrow_dependent().first().ok_or_else(|| PyValueError::new_err("an audit needs at least one artifact"))
    }
}

fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// A Python string as UTF-8, with each lone surrogate (which a `str` can hold and UTF-8 cannot) as one U+FFFD and
/// a surrogate pair as the character it encodes. That is what `TextEncoder` and the browser's URL parser make of
/// the same UTF-16, so a URL decides here as it does in the extension, where raising `UnicodeEncodeError` would
/// lose the decision. (PyO3's `to_string_lossy` would give three U+FFFD for one surrogate: it decodes the
/// surrogate's three bytes one by one.)
fn lossy<'a>(s: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, str>> {
    if let Ok(text) = s.to_cow() {
        return Ok(text);
    }
    let bytes = s.call_method1("encode", ("utf-16-le", "surrogatepass"))?;
    let units: Vec<u16> =
        bytes.cast::<PyBytes>()?.as_bytes().chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]])).collect();
    Ok(Cow::Owned(String::from_utf16_lossy(&units)))
}

/// The switches of `set`: a dict, or any other mapping (`types.MappingProxyType`, a `collections.abc.Mapping`)
/// of names to booleans, as the stubs promise. Reading a mapping by its `items()` keeps a read-only view of a
/// caller's settings from being refused, and anything that is no mapping is a `TypeError`.
struct Switches(HashMap<String, bool>);

impl<'a, 'py> FromPyObject<'a, 'py> for Switches {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(d) = obj.cast::<PyDict>() {
            return Ok(Switches(d.extract()?));
        }
        if obj.is_instance(&obj.py().import("collections.abc")?.getattr("Mapping")?)? {
            let items: Vec<(String, bool)> =
                obj.call_method0("items")?.try_iter()?.map(|i| i?.extract()).collect::<PyResult<_>>()?;
            return Ok(Switches(items.into_iter().collect()));
        }
        Err(PyTypeError::new_err("`set` must be a mapping of names to True or False"))
    }
}

/// The matcher's context for `set`, `region` and `event` (`None`: a page view); a name the policy does not declare
/// is a `ValueError`.
fn context(
    m: &RtMatcher<'_>,
    set: Option<Switches>,
    region: Option<String>,
    event: Option<String>,
) -> PyResult<Context> {
    let mut set: Vec<(String, bool)> = set.map(|s| s.0).unwrap_or_default().into_iter().collect();
    // A dict has no duplicate names, so the order cannot change the outcome; sorting keeps errors stable.
    set.sort();
    Settings { set, region, event }.context(m).map_err(value_error)
}

/// A loaded matcher artifact: decides, per URL and runtime state, what may be collected and linked.
#[pyclass(frozen, module = "policyc")]
struct Matcher {
    loaded: Loaded,
    hash: String,
}

impl Matcher {
    fn from_vec(bytes: Vec<u8>) -> Result<Matcher, String> {
        let loaded = Loaded::load(vec![bytes])?;
        let hash = loaded.borrow_dependent().first().map(RtMatcher::policy_hash).unwrap_or_default();
        Ok(Matcher { loaded, hash })
    }
}

#[pymethods]
impl Matcher {
    /// Loads the artifact at `path` (as `policyc compile` writes it). An unreadable file raises `OSError`; bytes
    /// that are not a valid artifact raise `ValueError` with the one-line reason.
    #[staticmethod]
    fn open(path: std::path::PathBuf) -> PyResult<Matcher> {
        // OSError(errno, strerror, filename) becomes the errno's subclass (FileNotFoundError, ...), with the
        // path in `filename` and in the message, as Python's own `open` reports it.
        let bytes = std::fs::read(&path).map_err(|e| {
            let errno = e.raw_os_error().unwrap_or(0);
            pyo3::exceptions::PyOSError::new_err((errno, e.to_string(), path.display().to_string()))
        })?;
        Matcher::from_vec(bytes).map_err(|e| PyValueError::new_err(format!("`{}`: {e}", path.display())))
    }

    /// Loads an artifact from its bytes (any bytes-like object); bytes that are not a valid artifact raise
    /// `ValueError`.
    #[staticmethod]
    fn from_bytes(data: &Bound<'_, PyAny>) -> PyResult<Matcher> {
        let Some(bytes) = bytes_like(data)? else {
            return Err(PyTypeError::new_err("an artifact is bytes, bytearray or memoryview"));
        };
        Matcher::from_vec(bytes).map_err(PyValueError::new_err)
    }

    /// The SHA-256 of the policy this artifact was compiled from, in hex: log it with every decision.
    #[getter]
    fn policy_hash(&self) -> &str {
        &self.hash
    }

    /// The policy's identifier.
    #[getter]
    fn policy_id(&self) -> PyResult<String> {
        Ok(self.loaded.first()?.policy_id().to_string())
    }

    /// The policy's version string.
    #[getter]
    fn version(&self) -> PyResult<String> {
        Ok(self.loaded.first()?.version().to_string())
    }

    /// The signals a decision can depend on (off unless set).
    #[getter]
    fn signals(&self) -> PyResult<Vec<String>> {
        Ok(self.loaded.first()?.signals().map(str::to_string).collect())
    }

    /// The feature switches and their defaults.
    #[getter]
    fn features(&self) -> PyResult<BTreeMap<String, bool>> {
        Ok(self.loaded.first()?.features().map(|(n, d)| (n.to_string(), d)).collect())
    }

    /// The policy's text for a signal or feature switch in a language (a feature's name as users see it, or
    /// what a signal stands for); `None` if the name or the language is unknown.
    fn label(&self, name: &str, lang: &str) -> PyResult<Option<String>> {
        Ok(self.loaded.first()?.label(name, lang).map(str::to_string))
    }

    /// How the user agrees to a feature before it collects under consent, in a language, where the policy says.
    fn opt_in(&self, name: &str, lang: &str) -> PyResult<Option<String>> {
        Ok(self.loaded.first()?.opt_in(name, lang).map(str::to_string))
    }

    /// The regions the policy distinguishes.
    #[getter]
    fn regions(&self) -> PyResult<Vec<String>> {
        Ok(self.loaded.first()?.regions().to_vec())
    }

    /// The data items the policy names.
    #[getter]
    fn data(&self) -> PyResult<Vec<String>> {
        Ok(self.loaded.first()?.data().to_vec())
    }

    /// The purposes the policy declares, in declaration order: every name a decision's `purposes` can hold.
    #[getter]
    fn purposes(&self) -> PyResult<Vec<String>> {
        Ok(self.loaded.first()?.purposes().to_vec())
    }

    /// The site categories the policy declares (its `sites` blocks), in declaration order: every name a
    /// decision's `sites` can hold.
    #[getter]
    fn categories(&self) -> PyResult<Vec<String>> {
        Ok(self.loaded.first()?.categories().to_vec())
    }

    /// The events the policy declares, in declaration order; a page view (`page_view`) is not among them.
    #[getter]
    fn events(&self) -> PyResult<Vec<String>> {
        Ok(self.loaded.first()?.events().map(str::to_string).collect())
    }

    /// Where data collected independently of the page comes from: `device`, `account`, then the sources the
    /// policy declares.
    #[getter]
    fn source_names(&self) -> PyResult<Vec<String>> {
        Ok(self.loaded.first()?.sources().to_vec())
    }

    /// What may be collected independently of the page in one state (`collect DATA from SOURCE`: from the device,
    /// the account, a source the policy declares), as the dict `policyc sources --format json` prints: `collect`,
    /// `linked`, `purposes`, `items` (per source and data item: `data`, `source`, `purposes`, `retention`,
    /// `linked`, `rules`), `rules` and `policy_hash`. Such collection does not depend on the page or on events,
    /// so there is no URL and no `event`; a name the policy does not declare raises `ValueError`.
    #[pyo3(signature = (set=None, region=None))]
    fn sources<'py>(
        &self,
        py: Python<'py>,
        set: Option<Switches>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let m = self.loaded.first()?;
        let cx = context(m, set, region, None)?;
        // Through JSON, so that the dict is the CLI's by construction, key order included.
        let json = serde_json::to_string(&SourceReport::decide(m, &cx)).map_err(value_error)?;
        py.import("json")?.call_method1("loads", (json,))
    }

    /// The data items a report of `sources` allows from one source, as a list in the policy's order. The report
    /// is the dict this matcher's `sources` returned or any mapping with its `items` and `policy_hash` (a
    /// `types.MappingProxyType` of it). A source the policy does not name gives nothing (fail closed), like a
    /// source with no rule in force. A report without `items` raises `TypeError`; one whose `policy_hash` is
    /// missing or names another policy, or that names a data item the policy does not have, raises `ValueError`.
    fn collects_from(&self, report: &Bound<'_, PyAny>, source: &str) -> PyResult<Vec<String>> {
        let not_a_report = || PyTypeError::new_err("collects_from expects a report that sources returned");
        let mapping = report.py().import("collections.abc")?.getattr("Mapping")?;
        if !report.is_instance(&mapping)? || !report.contains("items")? {
            return Err(not_a_report());
        }
        // A report answers for the policy that made it: one of an older version kept after an update, or of
        // another policy, would allow what this policy may not, so only reports of this matcher's policy are read
        // (its own, or a copy kept in storage), and their items are checked against what the policy names.
        let hash = report.call_method1("get", ("policy_hash",))?;
        match hash.cast::<PyString>() {
            Ok(h) if h.to_cow().is_ok_and(|h| h == self.hash) => {}
            Ok(h) => {
                return Err(PyValueError::new_err(format!(
                    "the report is of policy `{}`, not of this matcher's `{}`: ask this matcher's sources for one",
                    lossy(h)?,
                    self.hash
                )))
            }
            Err(_) => return Err(PyValueError::new_err(
                "the report names no `policy_hash`: collects_from takes a report that this matcher's sources returned",
            )),
        }
        if !self.loaded.first()?.sources().iter().any(|s| s == source) {
            return Ok(Vec::new());
        }
        let items = report.get_item("items")?;
        let known = self.loaded.first()?.data();
        let mut out = Vec::new();
        for item in items.try_iter()? {
            let item = item?;
            if item.get_item("source")?.extract::<String>()? == source {
                let data: String = item.get_item("data")?.extract()?;
                if !known.contains(&data) {
                    return Err(PyValueError::new_err(format!(
                        "the report names `{data}`, which is not a data item of this policy: ask this matcher's \
                         sources for one"
                    )));
                }
                out.push(data);
            }
        }
        Ok(out)
    }

    /// Decides one URL: `set` maps signals and features to on or off, `region` is one of the policy's regions,
    /// `event` one of its events (`None`: a page view). A name the policy does not declare raises `ValueError`;
    /// a URL that cannot be decided collects nothing and says why in `error`. A lone surrogate in `url` is read
    /// as U+FFFD, as the browser and the JavaScript package read it.
    #[pyo3(signature = (url, set=None, region=None, event=None))]
    fn decide(
        &self,
        url: &Bound<'_, PyString>,
        set: Option<Switches>,
        region: Option<String>,
        event: Option<String>,
    ) -> PyResult<Decision> {
        let m = self.loaded.first()?;
        let cx = context(m, set, region, event)?;
        Ok(Decision(Report::decide(m, &lossy(url)?, &cx)))
    }

    /// Decides every URL of a pyarrow string array (or chunked array) in one call, without a Python loop, and
    /// returns a `pyarrow.RecordBatch` with one row per URL: `url`, `host`, `sites`, `collect`, `linked`,
    /// `purposes`, `retention` (a map from data item to period) and `error`. A null URL collects nothing.
    #[pyo3(signature = (urls, set=None, region=None, event=None))]
    fn decide_arrow<'py>(
        &self,
        py: Python<'py>,
        urls: &Bound<'py, PyAny>,
        set: Option<Switches>,
        region: Option<String>,
        event: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let m = self.loaded.first()?;
        let cx = context(m, set, region, event)?;
        let array = import_array(urls)?;
        let batch = py.detach(|| with_strings(array.as_ref(), |it| decide_batch(m, &cx, it)))?;
        let batch = batch.map_err(value_error)?;
        batch.to_pyarrow(py)
    }

    fn __repr__(&self) -> PyResult<String> {
        let m = self.loaded.first()?;
        Ok(format!("<policyc.Matcher {} version {:?} policy_hash {}>", m.policy_id(), m.version(), self.hash))
    }
}

/// A pyarrow Array or ChunkedArray (chunks joined) as an arrow-rs array.
fn import_array(obj: &Bound<'_, PyAny>) -> PyResult<ArrayRef> {
    let obj = if obj.hasattr("combine_chunks")? { obj.call_method0("combine_chunks")? } else { obj.clone() };
    let data = arrow_data::ArrayData::from_pyarrow_bound(&obj)
        .map_err(|e| PyTypeError::new_err(format!("expected a pyarrow array of strings: {e}")))?;
    Ok(arrow_array::make_array(data))
}

/// Runs `f` over the values of a string array of any of Arrow's three string layouts.
fn with_strings<R>(array: &dyn Array, f: impl FnOnce(&mut dyn Iterator<Item = Option<&str>>) -> R) -> PyResult<R> {
    let any = array.as_any();
    if let Some(a) = any.downcast_ref::<StringArray>() {
        Ok(f(&mut a.iter()))
    } else if let Some(a) = any.downcast_ref::<LargeStringArray>() {
        Ok(f(&mut a.iter()))
    } else if let Some(a) = any.downcast_ref::<StringViewArray>() {
        Ok(f(&mut a.iter()))
    } else {
        Err(PyTypeError::new_err(format!("expected a pyarrow array of strings, not of `{}`", array.data_type())))
    }
}

fn names<'a>(b: &mut ListBuilder<StringBuilder>, it: impl Iterator<Item = &'a str>) {
    for n in it {
        b.values().append_value(n);
    }
    b.append(true);
}

/// Decides every URL into the columns of a record batch, appending names straight from the decision's sets.
fn decide_batch(
    m: &RtMatcher<'_>,
    cx: &Context,
    urls: &mut dyn Iterator<Item = Option<&str>>,
) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let (lo, _) = urls.size_hint();
    let mut url = StringBuilder::with_capacity(lo, lo * 32);
    let mut host = StringBuilder::with_capacity(lo, lo * 16);
    let mut sites = ListBuilder::new(StringBuilder::new());
    let mut collect = ListBuilder::new(StringBuilder::new());
    let mut linked = ListBuilder::new(StringBuilder::new());
    let mut purposes = ListBuilder::new(StringBuilder::new());
    let mut retention = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
    let mut error = StringBuilder::new();
    for u in urls {
        let (d, h) = match u {
            None => (RtDecision { error: None, ..RtDecision::default() }, None),
            Some(u) => match urlnorm::parse(u) {
                Ok(p) => (m.decide_parsed(&p, cx), Some(p.host().to_string())),
                Err(e) => (RtDecision { error: Some(e), ..RtDecision::default() }, None),
            },
        };
        url.append_option(u);
        host.append_option(h);
        names(&mut sites, m.category_names(d.sites));
        names(&mut collect, m.data_names(d.collect));
        names(&mut linked, m.data_names(d.linked));
        names(&mut purposes, m.purpose_names(d.purposes));
        for (item, period) in m.retention(&d) {
            retention.keys().append_value(item);
            retention.values().append_value(period.to_string());
        }
        retention.append(true)?;
        match (&d.error, u) {
            (Some(e), _) => error.append_value(e.to_string()),
            (None, None) => error.append_value("no URL (null)"),
            (None, Some(_)) => error.append_null(),
        }
    }
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("url", Arc::new(url.finish())),
        ("host", Arc::new(host.finish())),
        ("sites", Arc::new(sites.finish())),
        ("collect", Arc::new(collect.finish())),
        ("linked", Arc::new(linked.finish())),
        ("purposes", Arc::new(purposes.finish())),
        ("retention", Arc::new(retention.finish())),
        ("error", Arc::new(error.finish())),
    ];
    RecordBatch::try_from_iter(columns)
}

/// One decision, in names: the same content as `policyc match` and `policyc explain --format json` print.
#[pyclass(frozen, module = "policyc", eq)]
#[derive(PartialEq)]
struct Decision(Report);

#[pymethods]
impl Decision {
    /// The URL as given.
    #[getter]
    fn url(&self) -> &str {
        &self.0.url
    }
    /// The event decided (`offer_click`), or `None` for a page view, whether `event` was `None` or `page_view`.
    #[getter]
    fn event(&self) -> Option<&str> {
        self.0.event.as_deref()
    }
    /// The URL's host, lowercased and without `www.`-like changes; `None` when the URL could not be parsed.
    #[getter]
    fn host(&self) -> Option<&str> {
        self.0.host.as_deref()
    }
    /// The site categories the URL is in.
    #[getter]
    fn sites(&self) -> Vec<String> {
        self.0.sites.clone()
    }
    /// The data items that may be collected here.
    #[getter]
    fn collect(&self) -> Vec<String> {
        self.0.collect.clone()
    }
    /// The data items that may be linked to the user's account.
    #[getter]
    fn linked(&self) -> Vec<String> {
        self.0.linked.clone()
    }
    /// The purposes the collected data serves.
    #[getter]
    fn purposes(&self) -> Vec<String> {
        self.0.purposes.clone()
    }
    /// How long each collected item may be kept, in words (`"90 days"`).
    #[getter]
    fn retention(&self) -> BTreeMap<String, String> {
        self.0.retention.clone()
    }
    /// The collect rules that fired, as `(rule, origin)` pairs such as `("collect 2", "shop.policy:21")`.
    #[getter]
    fn rules(&self) -> Vec<(String, String)> {
        self.0.rules.iter().map(|r| (r.rule.clone(), r.origin.clone())).collect()
    }
    /// The `never` rules that blocked collection, as `(rule, origin)` pairs.
    #[getter]
    fn blocked_by(&self) -> Vec<(String, String)> {
        self.0.blocked_by.iter().map(|r| (r.rule.clone(), r.origin.clone())).collect()
    }
    /// The policy hash of the artifact that decided.
    #[getter]
    fn policy_hash(&self) -> &str {
        &self.0.policy_hash
    }
    /// Why the URL could not be decided (it then collects nothing), or `None`.
    #[getter]
    fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// The decision as the JSON line `policyc match` prints.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.0).map_err(value_error)
    }
    fn __repr__(&self) -> String {
        format!("<policyc.Decision {} collect={:?} linked={:?}>", self.0.url, self.0.collect, self.0.linked)
    }
}

/// Audits collection-log events against the artifacts that were live (see `docs/audit.md`).
#[pyclass(frozen, module = "policyc")]
struct Auditor {
    loaded: Loaded,
}

impl Auditor {
    fn auditor(&self) -> PyResult<RtAuditor<'_, '_>> {
        RtAuditor::new(self.loaded.borrow_dependent()).map_err(value_error)
    }
}

fn violation_dict<'py>(py: Python<'py>, v: &Violation) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("ts", &v.ts)?;
    d.set_item("url", &v.url)?;
    d.set_item("kind", v.kind.as_str())?;
    d.set_item("data", PyList::new(py, &v.data)?)?;
    d.set_item("detail", &v.detail)?;
    d.set_item("policy", &v.policy)?;
    Ok(d)
}

/// The bytes of one artifact given as bytes, bytearray, memoryview or a `Matcher`; `None` for anything else.
fn artifact(obj: &Bound<'_, PyAny>) -> PyResult<Option<Vec<u8>>> {
    match obj.cast::<Matcher>() {
        Ok(m) => Ok(Some(m.get().loaded.borrow_owner().concat())),
        Err(_) => bytes_like(obj),
    }
}

/// The bytes of a bytes, bytearray or memoryview object; `None` for anything else. The stable ABI has no buffer
/// protocol, so the last two go through `bytes()`; anything else (an int would become that many zero bytes) is
/// left to the caller to refuse.
fn bytes_like(obj: &Bound<'_, PyAny>) -> PyResult<Option<Vec<u8>>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        Ok(Some(b.as_bytes().to_vec()))
    } else if obj.is_instance_of::<PyByteArray>() || obj.is_instance_of::<PyMemoryView>() {
        let bytes = obj.py().import("builtins")?.getattr("bytes")?.call1((obj,))?;
        Ok(Some(bytes.cast::<PyBytes>()?.as_bytes().to_vec()))
    } else {
        Ok(None)
    }
}

/// The name of an object's type, for errors.
fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into())
}

#[pymethods]
impl Auditor {
    /// An auditor over `artifacts`: a list of artifact bytes or `Matcher`s, newest first, or a single one. An
    /// event is decided with the artifact whose policy hash it names; the first decides events naming none of
    /// them.
    #[new]
    fn new(artifacts: &Bound<'_, PyAny>) -> PyResult<Auditor> {
        // One artifact is the audit of one policy, as `policyc audit` and `policyc.spark.audit` take it. Bytes
        // are themselves iterable (as numbers), so they are told apart before the list is read.
        let single = artifact(artifacts)?;
        let all = match single {
            Some(one) => vec![one],
            None if artifacts.is_instance_of::<PyString>() => {
                return Err(PyTypeError::new_err(
                    "an artifact is bytes or a policyc.Matcher, not a path: load it with policyc.Matcher.open",
                ))
            }
            None => {
                let not_iterable = |_| {
                    PyTypeError::new_err(format!(
                        "Auditor takes a list of artifacts (bytes or policyc.Matcher), not `{}`",
                        type_name(artifacts)
                    ))
                };
                let mut all = Vec::new();
                for item in artifacts.try_iter().map_err(not_iterable)? {
                    let item = item?;
                    all.push(artifact(&item)?.ok_or_else(|| {
                        PyTypeError::new_err(format!(
                            "an artifact is given as bytes or as a policyc.Matcher, not as `{}`",
                            type_name(&item)
                        ))
                    })?);
                }
                all
            }
        };
        if all.is_empty() {
            return Err(PyValueError::new_err("an audit needs at least one artifact"));
        }
        Ok(Auditor { loaded: Loaded::load(all).map_err(PyValueError::new_err)? })
    }

    /// The policy hashes of the artifacts, in the order given.
    #[getter]
    fn policy_hashes(&self) -> PyResult<Vec<String>> {
        Ok(self.auditor()?.policy_hashes().to_vec())
    }

    /// Audits one log line: a list of violations, each a dict with the fields of `policyc audit --format json`
    /// except `line`. A blank line (ASCII white space only) holds no event and has none, as `policyc audit` and
    /// `audit_arrow` skip it. A malformed line raises `ValueError` with the reason `policyc audit` prints, which
    /// also says when the line named a policy of none of the artifacts (the mismatch `audit_arrow` keeps as a row).
    fn audit_line<'py>(&self, py: Python<'py>, line: &str) -> PyResult<Vec<Bound<'py, PyDict>>> {
        // Every engine skips a blank line (`is_blank`), so a caller who feeds a log through here line by line gets
        // what `policyc audit` gives, not an error at the empty line a file may end with.
        if policyc_runtime::audit::is_blank(line) {
            return Ok(Vec::new());
        }
        let vs = self.auditor()?.audit_line(1, line).map_err(|m| PyValueError::new_err(m.message))?;
        vs.iter().map(|v| violation_dict(py, v)).collect()
    }

    /// Audits every log line of a pyarrow string array in one call and returns a `pyarrow.RecordBatch` of
    /// violations: `row` (the line's index in `lines`), `ts`, `url`, `kind`, `data`, `detail`, `policy`. Blank
    /// lines are skipped; a malformed (or null) line is a row of kind `malformed` whose `detail` says why, so
    /// that nothing is lost.
    fn audit_arrow<'py>(&self, py: Python<'py>, lines: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let auditor = self.auditor()?;
        let array = import_array(lines)?;
        let batch = py.detach(|| with_lines(array.as_ref(), |it| audit_batch(&auditor, it)))?;
        batch.map_err(value_error)?.to_pyarrow(py)
    }

    /// Audits events stored in typed columns (a pyarrow `RecordBatch` such as a Parquet table gives) without
    /// turning them back into JSON: `url` (string), and optionally `ts`, `region`, `event`, `policy` (strings),
    /// `collect` or its old name `data`, `linked` (lists of strings) and `state` (a map from string to bool),
    /// each with the meaning of the event's field in an NDJSON line (a null `event` is a page view). Returns
    /// what `audit_arrow` returns; an event that cannot be audited is a row of kind `malformed`. A column that
    /// looks like a misspelt field the batch lacks (`colect` without `collect`) raises `ValueError`, as an
    /// unknown field makes a JSON line malformed; other columns are the table's own and are not read. A column
    /// of the wrong type raises `TypeError`.
    fn audit_columns<'py>(&self, py: Python<'py>, batch: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let auditor = self.auditor()?;
        let batch = RecordBatch::from_pyarrow_bound(batch)
            .map_err(|e| PyTypeError::new_err(format!("expected a pyarrow RecordBatch of events: {e}")))?;
        // A column that is not read would audit every event as if that field were absent: a misspelt `colect`
        // as "collected nothing", which hides every collection violation.
        let schema = batch.schema();
        if let Some(message) = misspelt_field(schema.fields().iter().map(|f| f.name().as_str())) {
            return Err(PyValueError::new_err(message));
        }
        let columns = EventColumns::new(&batch).map_err(PyTypeError::new_err)?;
        let out = py.detach(|| {
            audit_rows(&auditor, batch.num_rows(), |i| columns.event(i).map_err(|message| Malformed::new(0, &message)))
        });
        out.map_err(value_error)?.to_pyarrow(py)
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!("<policyc.Auditor {}>", self.auditor()?.policy_hashes().join(", ")))
    }
}

fn audit_batch(
    auditor: &RtAuditor<'_, '_>,
    lines: &mut dyn Iterator<Item = Option<Result<&str, String>>>,
) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let lines: Vec<Option<Result<&str, String>>> = lines.collect();
    audit_rows(auditor, lines.len(), |i| match lines.get(i) {
        // Blank lines separate nothing and hold no event, as in `policyc audit` (ASCII white space only: a line
        // of no-break spaces is malformed there, so it is here).
        Some(Some(Ok(l))) if policyc_runtime::audit::is_blank(l) => Ok(None),
        Some(Some(Ok(l))) => Event::parse(l).map(Some).map_err(|message| Malformed::new(0, &message)),
        Some(Some(Err(message))) => Err(Malformed::new(0, message)),
        _ => Err(Malformed::new(0, "the line is null")),
    })
}

/// The lines of a string array, or of a binary one (Spark reads a log's bytes as they are, and hands a line that
/// is not UTF-8 over as bytes): each line's text, or why it has none, in the words of `policyc audit`.
fn with_lines<R>(
    array: &dyn Array,
    f: impl FnOnce(&mut dyn Iterator<Item = Option<Result<&str, String>>>) -> R,
) -> PyResult<R> {
    fn text(bytes: &[u8]) -> Result<&str, String> {
        std::str::from_utf8(bytes)
            .map_err(|e| format!("the line is not UTF-8 (invalid byte at offset {})", e.valid_up_to()))
    }
    let any = array.as_any();
    if let Some(a) = any.downcast_ref::<BinaryArray>() {
        Ok(f(&mut a.iter().map(|v| v.map(text))))
    } else if let Some(a) = any.downcast_ref::<LargeBinaryArray>() {
        Ok(f(&mut a.iter().map(|v| v.map(text))))
    } else if let Some(a) = any.downcast_ref::<BinaryViewArray>() {
        Ok(f(&mut a.iter().map(|v| v.map(text))))
    } else {
        with_strings(array, |it| f(&mut it.map(|v| v.map(Ok))))
    }
}

/// Audits `rows` events, which `event` reads (`None`: no event in that row), into a record batch of violations.
fn audit_rows(
    auditor: &RtAuditor<'_, '_>,
    rows: usize,
    event: impl Fn(usize) -> Result<Option<Event>, Malformed>,
) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let mut row = Int64Builder::new();
    let mut ts = StringBuilder::new();
    let mut url = StringBuilder::new();
    let mut kind = StringBuilder::new();
    let mut data = ListBuilder::new(StringBuilder::new());
    let mut detail = StringBuilder::new();
    let mut policy = StringBuilder::new();
    for i in 0..rows {
        let line_no = i as u64 + 1;
        let result = match event(i) {
            Ok(None) => continue,
            Ok(Some(e)) => auditor.audit_event(line_no, &e),
            Err(m) => Err(m),
        };
        // A malformed line keeps the violations found before it turned out malformed (a policy mismatch), as
        // `policyc audit` reports them: those rows first, then the `malformed` one.
        let (vs, bad) = match result {
            Ok(vs) => (vs, None),
            Err(mut m) => (std::mem::take(&mut m.violations), Some(m)),
        };
        for v in vs {
            row.append_value(i as i64);
            ts.append_option(v.ts.as_deref());
            url.append_value(&v.url);
            kind.append_value(v.kind.as_str());
            names(&mut data, v.data.iter().map(String::as_str));
            detail.append_value(&v.detail);
            policy.append_value(&v.policy);
        }
        if let Some(m) = bad {
            row.append_value(i as i64);
            ts.append_null();
            url.append_null();
            kind.append_value("malformed");
            data.append(true);
            detail.append_value(&m.message);
            policy.append_null();
        }
    }
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("row", Arc::new(row.finish())),
        ("ts", Arc::new(ts.finish())),
        ("url", Arc::new(url.finish())),
        ("kind", Arc::new(kind.finish())),
        ("data", Arc::new(data.finish())),
        ("detail", Arc::new(detail.finish())),
        ("policy", Arc::new(policy.finish())),
    ];
    RecordBatch::try_from_iter(columns)
}

/// A string column in any of Arrow's three layouts.
enum Strings<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> Strings<'a> {
    fn of(array: &'a dyn Array) -> Option<Strings<'a>> {
        let any = array.as_any();
        if let Some(a) = any.downcast_ref::<StringArray>() {
            Some(Strings::Utf8(a))
        } else if let Some(a) = any.downcast_ref::<LargeStringArray>() {
            Some(Strings::Large(a))
        } else {
            any.downcast_ref::<StringViewArray>().map(Strings::View)
        }
    }

    fn get(&self, i: usize) -> Option<&'a str> {
        let (null, value) = match self {
            Strings::Utf8(a) => (a.is_null(i), a.value(i)),
            Strings::Large(a) => (a.is_null(i), a.value(i)),
            Strings::View(a) => (a.is_null(i), a.value(i)),
        };
        (!null).then_some(value)
    }
}

/// A list-of-strings column: the list offsets and the strings.
struct StringLists<'a> {
    lists: &'a ListArray,
    values: Strings<'a>,
}

impl<'a> StringLists<'a> {
    fn get(&self, i: usize) -> Result<Option<Vec<String>>, String> {
        if self.lists.is_null(i) {
            return Ok(None);
        }
        let offsets = self.lists.value_offsets();
        let (start, end) = (offsets[i] as usize, offsets[i + 1] as usize);
        (start..end)
            .map(|j| self.values.get(j).map(str::to_string).ok_or_else(|| "a data item is null".to_string()))
            .collect::<Result<_, _>>()
            .map(Some)
    }
}

/// The event columns of a record batch, checked once per batch.
struct EventColumns<'a> {
    url: Strings<'a>,
    ts: Option<Strings<'a>>,
    region: Option<Strings<'a>>,
    event: Option<Strings<'a>>,
    policy: Option<Strings<'a>>,
    collect: Option<StringLists<'a>>,
    data: Option<StringLists<'a>>,
    linked: Option<StringLists<'a>>,
    state: Option<(&'a MapArray, Strings<'a>, &'a BooleanArray)>,
}

impl<'a> EventColumns<'a> {
    fn new(batch: &'a RecordBatch) -> Result<EventColumns<'a>, String> {
        let strings = |name: &str| -> Result<Option<Strings<'a>>, String> {
            batch
                .column_by_name(name)
                .map(|c| Strings::of(c.as_ref()).ok_or_else(|| format!("column `{name}` is not of strings")))
                .transpose()
        };
        let lists = |name: &str| -> Result<Option<StringLists<'a>>, String> {
            let Some(c) = batch.column_by_name(name) else { return Ok(None) };
            let lists = c
                .as_any()
                .downcast_ref::<ListArray>()
                .ok_or_else(|| format!("column `{name}` is not a list of strings"))?;
            let values = Strings::of(lists.values().as_ref())
                .ok_or_else(|| format!("column `{name}` is not a list of strings"))?;
            Ok(Some(StringLists { lists, values }))
        };
        let state = match batch.column_by_name("state") {
            None => None,
            Some(c) => {
                let map = c.as_any().downcast_ref::<MapArray>().ok_or("column `state` is not a map of booleans")?;
                let keys = Strings::of(map.keys().as_ref()).ok_or("column `state` is not a map of booleans")?;
                let values = map
                    .values()
                    .as_any()
                    .downcast_ref::<BooleanArray>()
                    .ok_or("column `state` is not a map of booleans")?;
                Some((map, keys, values))
            }
        };
        Ok(EventColumns {
            url: strings("url")?.ok_or("the events have no `url` column")?,
            ts: strings("ts")?,
            region: strings("region")?,
            event: strings("event")?,
            policy: strings("policy")?,
            collect: lists("collect")?,
            data: lists("data")?,
            linked: lists("linked")?,
            state,
        })
    }

    fn event(&self, i: usize) -> Result<Option<Event>, String> {
        let text = |c: &Option<Strings<'_>>| c.as_ref().and_then(|c| c.get(i)).map(str::to_string);
        let list = |c: &Option<StringLists<'_>>| c.as_ref().map(|c| c.get(i)).transpose().map(Option::flatten);
        let url = self.url.get(i).ok_or("the event has no url")?.to_string();
        let collect = match (list(&self.collect)?, list(&self.data)?) {
            // The same reason as a JSON line with both gives, from the runtime.
            (Some(_), Some(_)) => return Err(BOTH_COLLECT_AND_DATA.into()),
            (Some(c), None) | (None, Some(c)) => c,
            (None, None) => Vec::new(),
        };
        let mut state = BTreeMap::new();
        if let Some((map, keys, values)) = &self.state {
            if !map.is_null(i) {
                let offsets = map.value_offsets();
                for j in offsets[i] as usize..offsets[i + 1] as usize {
                    let key = keys.get(j).ok_or("a state name is null")?;
                    if values.is_null(j) {
                        return Err(format!("state `{key}` is neither true nor false"));
                    }
                    // A map column can hold a key twice, which a JSON object read by the runtime cannot: the
                    // last value would silently win, so a withdrawn consent followed by a given one would pass.
                    // The event is malformed, as its JSON line is.
                    if state.insert(key.to_string(), values.value(j)).is_some() {
                        return Err(format!("switch `{}` is given twice in `state`", one_line(key)));
                    }
                }
            }
        }
        Ok(Some(Event {
            ts: text(&self.ts),
            url,
            collect,
            linked: list(&self.linked)?.unwrap_or_default(),
            state,
            region: text(&self.region),
            // A null event, like an absent or null one in a JSON line, is a page view.
            event: text(&self.event),
            policy: text(&self.policy),
        }))
    }
}

#[pymodule]
fn _policyc(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Matcher>()?;
    m.add_class::<Decision>()?;
    m.add_class::<Auditor>()?;
    Ok(())
}
