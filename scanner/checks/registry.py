"""The explicit list of implemented rule modules under scanner/checks/rules/.

Adding a rule: write scanner/checks/rules/<snake_case_id>.py with META and evaluate(ctx), add its
module name here, add its id to roles.yaml. load_catalog() refuses a rule file missing from this list,
a listed module that does not exist, and an id that does not match its file name.
"""

from __future__ import annotations

RULES_PACKAGE = "scanner.checks.rules"

RULE_MODULES: tuple[str, ...] = (
    "win7_rpc_http_assoc_cookie_guid_update_not_installed",
    "ucma_redist_msi",
    "cafe_role_already_exists",
    "install_watermark",
    "rus_missing",
    "exchange2000or2003_present_in_org",
    "mailbox_role_already_exists",
    "client_access_role_already_exists",
    "unified_messaging_role_already_exists",
    "bridgehead_role_already_exists",
    "forest_level_not_win2003_native",
    "e15_e12_coexistence_min_version_requirement",
    "e15_e14_coexistence_min_major_version_requirement",
    "e15_e14_coexistence_min_version_requirement",
    "e16_e12_coexistence_min_version_requirement",
    "e19_e14_coexistence_requirement",
    "domain_prep_required",
    "exchange_ad_setup_level",
)
