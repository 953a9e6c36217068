from __future__ import annotations

from scan_samples import make_result

from scanner.history.diff import CellChangeKind, RuleChangeKind, diff_results
from scanner.model.matrix import CellStatus
from scanner.model.verdict import Status

HOSTS = ["EX01", "EX02", "EX03", "EX04", "EX05"]


def test_fixed_broken_and_removed_hosts_are_exactly_the_changes() -> None:
    # last night: EX02 blocked by UCMA; tonight EX02 fixed, EX03 broken by a watermark, EX05 gone
    old = make_result("old", HOSTS, {"EX02": ["UcmaRedistMsi"], "EX04": ["UcmaRedistMsi"]})
    new = make_result("new", HOSTS[:4], {"EX03": ["InstallWatermark"], "EX04": ["UcmaRedistMsi"]})
    d = diff_results(old, new)

    assert d.removed_hosts == ("EX05",)
    assert d.added_hosts == ()
    assert [(c.host, c.role) for c in d.newly_ready] == [("EX02", "Mailbox"), ("EX02", "ClientAccess")]
    assert all(c.before is CellStatus.BLOCKED and c.after is CellStatus.READY for c in d.newly_ready)
    assert [(c.host, c.role) for c in d.newly_blocked] == [
        ("EX03", "Mailbox"),
        ("EX03", "ClientAccess"),
        ("EX03", "EdgeTransport"),
        ("EX03", "ManagementTools"),
    ]
    assert all(c.blocking == ("InstallWatermark",) for c in d.newly_blocked)
    assert d.newly_unknown == ()
    assert d.cells(CellChangeKind.OTHER) == ()
    assert [(r.host, r.rule_id, r.kind) for r in d.rule_changes] == [
        ("EX02", "UcmaRedistMsi", RuleChangeKind.CLEARED),
        ("EX03", "InstallWatermark", RuleChangeKind.APPEARED),
    ]
    assert d.hosts_changed() == ("EX02", "EX03")
    assert not d.empty


def test_same_result_has_no_changes() -> None:
    a = make_result("a", HOSTS, {"EX01": ["UcmaRedistMsi", "PendingRebootWindowsComponents"]})
    b = make_result("b", HOSTS, {"EX01": ["UcmaRedistMsi", "PendingRebootWindowsComponents"]})
    assert diff_results(a, b).empty


def test_unreachable_host_is_newly_unknown_without_clearing_its_rules() -> None:
    old = make_result("old", HOSTS, {"EX01": ["UcmaRedistMsi"]})
    new = make_result("new", [*HOSTS, "EX06"], unreachable=["EX01"])
    d = diff_results(old, new)
    assert d.added_hosts == ("EX06",)
    assert [c.role for c in d.newly_unknown if c.host == "EX01"] == list(new.roles)
    assert {c.before for c in d.newly_unknown} == {CellStatus.BLOCKED, CellStatus.READY}
    assert all(c.reason == "unreachable" for c in d.newly_unknown)
    assert d.rule_changes == ()


def test_warning_appears_as_other_cell_change_and_rule_change() -> None:
    old = make_result("old", ["EX01"])
    new = make_result("new", ["EX01"], {"EX01": ["PendingRebootWindowsComponents"]})
    d = diff_results(old, new)
    assert {c.kind for c in d.cell_changes} == {CellChangeKind.OTHER}
    assert {c.after for c in d.cell_changes} == {CellStatus.READY_WITH_WARNINGS}
    (change,) = d.rule_changes
    assert (change.kind, change.before, change.after) == (RuleChangeKind.APPEARED, Status.PASS, Status.WARN)
    data = d.to_json()
    assert data["rule_changes"][0]["after"] == "warn"
    assert data["old_run"] == "old" and data["new_run"] == "new"
