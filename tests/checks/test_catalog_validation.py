from __future__ import annotations

import copy
import dataclasses
import importlib.resources
from typing import Any

import pytest
import yaml

from scanner.checks import Catalog, OutOfReach, Rule, build_catalog, load_catalog, snake_case
from scanner.checks.registry import RULE_MODULES
from scanner.errors import CatalogError
from scanner.model.rule import Text


def _docs() -> tuple[Any, Any]:
    root = importlib.resources.files("scanner.checks")
    return (
        yaml.safe_load(root.joinpath("roles.yaml").read_text(encoding="utf-8")),
        yaml.safe_load(root.joinpath("out_of_reach.yaml").read_text(encoding="utf-8")),
    )


SEEDS = (
    "Win7RpcHttpAssocCookieGuidUpdateNotInstalled",
    "UcmaRedistMsi",
    "CafeRoleAlreadyExists",
    "InstallWatermark",
    "RusMissing",
)


@pytest.fixture
def parts() -> tuple[list[Rule], Any, Any]:
    c = load_catalog()
    roles, oor = _docs()
    return list(c.rules), roles, oor


def _with_meta(rule: Rule, **changes: Any) -> Rule:
    return dataclasses.replace(rule, meta=dataclasses.replace(rule.meta, **changes))


def _error(rules: list[Rule], roles: Any, oor: Any) -> str:
    with pytest.raises(CatalogError) as info:
        build_catalog(rules, roles, oor)
    return str(info.value)


def test_shipped_catalog_loads() -> None:
    c = load_catalog()
    assert isinstance(c, Catalog)
    ids = [r.id for r in c.rules]
    for seed in SEEDS:
        assert seed in ids
    assert len(set(ids)) == len(ids)
    assert c.roles("2013") == ("Mailbox", "ClientAccess", "EdgeTransport", "ManagementTools")
    assert c.roles("2016") == ("Mailbox", "EdgeTransport", "ManagementTools")
    assert c.roles("2019") == ("Mailbox", "EdgeTransport", "ManagementTools")
    assert all(isinstance(o, OutOfReach) for o in c.out_of_reach)


def test_every_rule_file_is_registered_and_named_after_its_id() -> None:
    c = load_catalog()
    for r in c.rules:
        assert r.module == snake_case(r.id)
    files = {
        p.name[:-3]
        for p in importlib.resources.files("scanner.checks.rules").iterdir()
        if p.name.endswith(".py") and not p.name.startswith("_")
    }
    assert files == set(RULE_MODULES)


@pytest.mark.parametrize(
    ("rule_id", "module"),
    [
        ("UcmaRedistMsi", "ucma_redist_msi"),
        (
            "Win7RpcHttpAssocCookieGuidUpdateNotInstalled",
            "win7_rpc_http_assoc_cookie_guid_update_not_installed",
        ),
        ("ADAMDataPathExists", "adam_data_path_exists"),
        ("KB2999226NotInstalled", "kb2999226_not_installed"),
        ("E16E14CoexistenceMinVersionRequirement", "e16_e14_coexistence_min_version_requirement"),
    ],
)
def test_snake_case(rule_id: str, module: str) -> None:
    assert snake_case(rule_id) == module


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("field", ["title", "remediation"])
def test_rule_without_text_in_a_language_is_refused(parts: Any, lang: str, field: str) -> None:
    rules, roles, oor = parts
    meta = rules[1].meta
    text = getattr(meta, field)
    rules[1] = _with_meta(rules[1], **{field: dataclasses.replace(text, **{lang: "  "})})
    language = "English" if lang == "en" else "French"
    assert f"rule UcmaRedistMsi: {field} has no {language} text" in _error(rules, roles, oor)


def test_untranslated_text_is_refused(parts: Any) -> None:
    rules, roles, oor = parts
    rules[0] = _with_meta(rules[0], title=Text("Same words", "Same words"))
    assert "not translated" in _error(rules, roles, oor)


def test_rule_id_must_match_file_name(parts: Any) -> None:
    rules, roles, oor = parts
    rules[1] = dataclasses.replace(rules[1], module="ucma")
    assert "file name must be ucma_redist_msi.py" in _error(rules, roles, oor)


def test_duplicate_rule_id_is_refused(parts: Any) -> None:
    rules, roles, oor = parts
    assert "defined twice" in _error(rules + [rules[0]], roles, oor)


def test_unregistered_rule_file_is_refused(parts: Any) -> None:
    rules, roles, oor = parts
    with pytest.raises(CatalogError, match="not listed in scanner/checks/registry.py"):
        build_catalog(rules, roles, oor, rule_files={r.module for r in rules} | {"forgotten_rule"})


def test_unknown_version_is_refused(parts: Any) -> None:
    rules, roles, oor = parts
    rules[1] = _with_meta(rules[1], versions=("2013", "2010"))
    assert "unknown Exchange version '2010'" in _error(rules, roles, oor)


def test_unknown_fact_is_refused(parts: Any) -> None:
    rules, roles, oor = parts
    rules[1] = _with_meta(rules[1], facts=("ucma.versoin",))
    assert "ucma.versoin, which is not in the fact contract" in _error(rules, roles, oor)


def test_help_url_must_be_https(parts: Any) -> None:
    rules, roles, oor = parts
    rules[1] = _with_meta(rules[1], help_url="http://example.invalid")
    assert "help_url must be an https:// link" in _error(rules, roles, oor)


def test_roles_naming_an_unknown_id_is_refused(parts: Any) -> None:
    rules, roles, oor = parts
    roles = copy.deepcopy(roles)
    roles["versions"]["2013"]["Mailbox"].append("NoSuchRule")
    assert "roles.yaml: 2013/Mailbox: unknown rule id NoSuchRule" in _error(rules, roles, oor)


def test_roles_naming_an_out_of_reach_id_is_refused(parts: Any) -> None:
    rules, roles, oor = parts
    roles = copy.deepcopy(roles)
    roles["versions"]["2013"]["Mailbox"].append("InterruptedUninstallNotContinued")
    assert "is out of reach" in _error(rules, roles, oor)


def test_rule_listed_for_a_version_it_does_not_apply_to_is_refused(parts: Any) -> None:
    rules, roles, oor = parts
    roles = copy.deepcopy(roles)
    roles["versions"]["2016"]["Mailbox"].append("RusMissing")
    assert "RusMissing does not apply to Exchange 2016" in _error(rules, roles, oor)


def test_rule_in_no_role_of_its_version_is_refused(parts: Any) -> None:
    rules, roles, oor = parts
    roles = copy.deepcopy(roles)
    roles["versions"]["2013"]["Mailbox"].remove("RusMissing")
    assert "RusMissing applies to Exchange 2013 but no 2013 role lists it" in _error(rules, roles, oor)


def test_missing_version_in_roles_is_refused(parts: Any) -> None:
    rules, roles, oor = parts
    roles = copy.deepcopy(roles)
    del roles["versions"]["2019"]
    assert "Exchange 2019 has no roles" in _error(rules, roles, oor)


def test_roles_schema_is_checked(parts: Any) -> None:
    rules, roles, oor = parts
    assert "roles.yaml: expected a mapping with schema: 1" in _error(rules, {"versions": {}}, oor)


def _oor_entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": "SomeUninstallRule",
        "severity": "error",
        "kind": "mode",
        "versions": ["2013"],
        "roles": ["Mailbox"],
        "title": {"en": "An English title", "fr": "Un titre en français"},
        "reason": {"en": "Only runs when removing roles.", "fr": "Ne s'exécute que lors de la suppression."},
    }
    entry.update(changes)
    return entry


def test_out_of_reach_entry_accepted(parts: Any) -> None:
    rules, roles, oor = parts
    oor = copy.deepcopy(oor)
    oor["rules"].append(_oor_entry())
    c = build_catalog(rules, roles, oor)
    entry = c.entry("someuninstallrule")
    assert isinstance(entry, OutOfReach)
    assert c.roles_of("2013", "SomeUninstallRule") == ("Mailbox",)
    assert entry.meta.implemented is False


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": {"en": "Only runs when removing roles."}}, "reason has no French text"),
        ({"title": {"fr": "Un titre"}}, "title has no English text"),
        ({"roles": ["ClientAccess"], "versions": ["2016"]}, "role ClientAccess is not a role of 2016"),
        ({"kind": "because"}, "kind must be one of"),
        ({"severity": "fatal"}, "severity must be error or warning"),
        ({"versions": ["2007"]}, "unknown Exchange version '2007'"),
        ({"id": "UcmaRedistMsi"}, "UcmaRedistMsi is also an implemented rule"),
        ({"extra": 1}, "unknown keys extra"),
    ],
)
def test_bad_out_of_reach_entry_is_refused(parts: Any, changes: dict[str, Any], message: str) -> None:
    rules, roles, oor = parts
    oor = copy.deepcopy(oor)
    oor["rules"].append(_oor_entry(**changes))
    assert message in _error(rules, roles, oor)


def test_every_problem_is_reported_at_once(parts: Any) -> None:
    rules, roles, oor = parts
    rules[0] = _with_meta(rules[0], help_url="")
    rules[1] = _with_meta(rules[1], remediation=Text("Do this.", ""))
    message = _error(rules, roles, oor)
    assert "(2 problems)" in message
