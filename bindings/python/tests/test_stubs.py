"""The type stubs (`_policyc.pyi`) describe the native module as it is: the same classes, the same public methods
and properties, with the same parameters, each documented in both places."""

import ast
import inspect

import pytest

import policyc
from conftest import ROOT
from policyc import _policyc

# The stubs as written in the repository, which the installed package copies.
STUBS = ast.parse((ROOT / "bindings/python/python/policyc/_policyc.pyi").read_text())


def stub_classes() -> dict:
    return {c.name: c for c in STUBS.body if isinstance(c, ast.ClassDef)}


def public(cls) -> set:
    return {n for n in vars(cls) if not n.startswith("_")}


def test_the_stubs_have_the_module_s_classes():
    native = {n for n, v in vars(_policyc).items() if isinstance(v, type) and not n.startswith("_")}
    assert set(stub_classes()) == native
    assert set(policyc.__all__) == native


@pytest.mark.parametrize("name", ["Matcher", "Decision", "Auditor"])
def test_each_stub_class_has_the_native_members_and_parameters(name):
    cls = getattr(_policyc, name)
    stubs = {f.name: f for f in stub_classes()[name].body if isinstance(f, ast.FunctionDef)}
    assert {n for n in stubs if not n.startswith("_")} == public(cls), name
    for member in public(cls):
        native = inspect.getattr_static(cls, member)
        stub = stubs[member]
        is_property = any(isinstance(d, ast.Name) and d.id == "property" for d in stub.decorator_list)
        assert is_property == (type(native).__name__ == "getset_descriptor"), f"{name}.{member}"
        # Every method is documented in both places; properties at least natively.
        assert inspect.getdoc(native), f"{name}.{member} has no docstring"
        if is_property:
            continue
        assert ast.get_docstring(stub), f"the stub of {name}.{member} has no docstring"
        args = stub.args
        stub_params = [a.arg for a in args.posonlyargs + args.args]
        stub_params = stub_params[1:] if stub_params and stub_params[0] in ("self", "cls") else stub_params
        native_params = [p for p in inspect.signature(getattr(cls, member)).parameters if p not in ("self", "cls")]
        assert stub_params == native_params, f"{name}.{member}"
        # Defaults where the native signature has them, and only there.
        stub_defaults = len(args.defaults)
        parameters = inspect.signature(getattr(cls, member)).parameters.values()
        native_defaults = sum(p.default is not inspect.Parameter.empty for p in parameters)
        assert stub_defaults == native_defaults, f"{name}.{member}"


def test_what_collects_from_takes_and_returns_matches_its_stub():
    """The stub says a report is a `Mapping` and the answer a `list`: a read-only view of a report is one."""
    import types

    from test_sources import DEMO

    m = policyc.Matcher.open(DEMO)
    report = m.sources()
    for source in m.source_names:
        got = m.collects_from(types.MappingProxyType(report), source)
        assert type(got) is list and got == m.collects_from(report, source)
    assert m.collects_from(report, "nowhere") == []
    with pytest.raises(TypeError, match="a report that sources returned"):
        m.collects_from({"collect": []}, m.source_names[0])
    with pytest.raises(TypeError, match="a report that sources returned"):
        m.collects_from([], m.source_names[0])
