from __future__ import annotations

from pathlib import Path

import pytest

from scanner.errors import InventoryError
from scanner.inventory.file import load_inventory
from scanner.model.host import AuthMethod, Scheme


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_plain_list_with_overrides_and_comments(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, "hosts.txt", """
# Paris servers
PAR-EX01
par-ex02.corp.example  address=10.1.2.3 site=Paris port=5986 scheme=https auth=kerberos   # new box
10.9.9.9
"""))
    assert [h.name for h in inv.hosts] == ["PAR-EX01", "PAR-EX02", "10.9.9.9"]
    ex02 = inv.hosts[1]
    assert ex02.fqdn == "par-ex02.corp.example"
    assert ex02.address == "10.1.2.3" and ex02.site == "Paris" and ex02.port == 5986
    assert ex02.scheme is Scheme.HTTPS and ex02.auth is AuthMethod.KERBEROS
    assert ex02.source.endswith("hosts.txt:4")
    assert inv.hosts[2].address == "10.9.9.9"
    assert inv.hosts[0].target == "PAR-EX01"


def test_csv_with_header_and_semicolons(tmp_path: Path) -> None:
    text = "\ufeffname;fqdn;site;port\nA1;a1.corp.example;Lyon;5985\nB2;;;\n"
    inv = load_inventory(write(tmp_path, "hosts.csv", text))
    assert [(h.name, h.fqdn, h.site, h.port) for h in inv.hosts] == [
        ("A1", "a1.corp.example", "Lyon", 5985), ("B2", None, None, None)]


def test_yaml_strings_and_mappings(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, "hosts.yaml", """
hosts:
  - PAR-EX01
  - {name: LYO-EX01, site: Lyon, tags: [dr, phase2]}
"""))
    assert inv.hosts[1].tags == ("dr", "phase2")


@pytest.mark.parametrize(("name", "text", "message"), [
    ("h.txt", "A1\nB2 port=http\n", "h.txt:2: port 'http' is not a number"),
    ("h.txt", "A1 site\n", "h.txt:1: expected key=value"),
    ("h.txt", "bad_name!\n", "h.txt:1: 'bad_name!' is not a valid host name"),
    ("h.txt", "A1 colour=blue\n", "h.txt:1: unknown field 'colour'"),
    ("h.txt", "A1 auth=basic scheme=http\n", "h.txt:1: Basic authentication is only allowed over HTTPS"),
    ("h.txt", "A1 scheme=ftp\n", "h.txt:1: scheme 'ftp' is not one of http, https"),
    ("h.txt", "A1 port=70000\n", "h.txt:1: port 70000 is out of range"),
    ("h.csv", "fqdn,site\nx.example,Paris\n", "h.csv:1: the CSV header needs a 'name'"),
    ("h.csv", "name,site\nA1,Paris,extra\n", "h.csv:2: more cells than header columns"),
    ("h.yaml", "hosts: [A1, [nested]]\n", "hosts[2]: expected a host name or a mapping"),
    ("h.yaml", "hosts: [A1\n", "h.yaml:2: not valid YAML"),
    ("h.txt", "# only a comment\n", "the inventory lists no host"),
])
def test_bad_lines_name_file_and_line(tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(InventoryError) as err:
        load_inventory(write(tmp_path, name, text))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="no such inventory file"):
        load_inventory(tmp_path / "nope.txt")


def test_duplicates_are_merged_and_reported(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, "h.txt", "A1 site=Paris\nB2\na1.corp.example address=10.0.0.1\n"))
    assert [h.name for h in inv.hosts] == ["A1", "B2"]
    a1 = inv.hosts[0]
    assert (a1.site, a1.fqdn, a1.address) == ("Paris", "a1.corp.example", "10.0.0.1")
    assert len(inv.merged) == 1 and "A1" in inv.merged[0] and "h.txt:1" in inv.merged[0]


def test_conflicting_duplicates_are_an_error(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match=r"h.txt:2: A1 is also at .*h.txt:1 with site 'Paris', not 'Lyon'"):
        load_inventory(write(tmp_path, "h.txt", "A1 site=Paris\nA1 site=Lyon\n"))


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_doubled_quotes_are_one_quote_whatever_the_header_looks_like(tmp_path: Path, delimiter: str) -> None:
    # The header has no quotes; the rows quote cells the way Excel does, a quote inside doubled.
    d = delimiter
    text = (f'name{d}site{d}tags\n'
            f'PAR-EX01{d}"Paris ""North"""{d}"a;b"\n'
            f'"LYO-EX02"{d}"Lyon{d} ""B"" wing"{d}c\n'
            f'MRS-EX03{d}""""{d}\n')
    inv = load_inventory(write(tmp_path, "hosts.csv", text))
    assert [(h.name, h.site, h.tags) for h in inv.hosts] == [
        ("PAR-EX01", 'Paris "North"', ("a", "b")),
        ("LYO-EX02", f'Lyon{d} "B" wing', ("c",)),
        ("MRS-EX03", '"', ()),
    ]
