"""Judgements shared by several host rules: the Windows build, service start modes and states, IIS
components, Windows features, file-version thresholds and the install target. Each helper reads
through the RuleContext, so a missing or unreadable fact still becomes UNKNOWN, never "not installed".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.checks.context import FactUnavailable, RuleContext
from scanner.checks.targets import WINDOWS_BUILDS, Target, family, make_target
from scanner.facts.version import Version
from scanner.model.rule import Text
from scanner.model.verdict import UnknownReason, Verdict

SERVICES_KEY = r"HKLM\SYSTEM\CurrentControlSet\Services"
IIS_COMPONENTS_KEY = r"HKLM\SOFTWARE\Microsoft\InetStp\Components"

# Windows NT 6.x builds: Setup's own OS tests are written against these.
BUILD_2008R2 = (7600, 7601)
BUILD_2012 = 9200
BUILD_2012R2 = 9600
BUILD_2016 = 14393


def target(ctx: RuleContext) -> Target:
    """The Exchange version and CU being judged (the latest CU when the user named none)."""
    return make_target(ctx.exchange_version, ctx.cu)


def os_build(ctx: RuleContext) -> int:
    """CurrentBuild as a number; a value that is not a number is unreadable, not a pass."""
    raw = ctx.value("os.current_build")
    try:
        return int(str(raw).strip())
    except ValueError:
        raise FactUnavailable(
            UnknownReason.FACT_UNREADABLE,
            "os.current_build",
            f"os.current_build is not a build number: {raw!r}",
        ) from None


def windows_name(build: int) -> str:
    return WINDOWS_BUILDS.get(build, f"Windows build {build}")


def is_nt61(build: int) -> bool:
    return build in BUILD_2008R2


def at_least_nt62(build: int) -> bool:
    """Windows Server 2012 or later (Setup's "OS version 6.2 or later")."""
    return build >= BUILD_2012


# Win32_ComputerSystem.DomainRole, as Setup reads it for its domain-membership rules.
DOMAIN_ROLES = {
    0: "standalone workstation",
    1: "member workstation",
    2: "standalone server",
    3: "member server",
    4: "backup domain controller",
    5: "primary domain controller",
}


def domain_role(ctx: RuleContext) -> tuple[int, dict[str, Any]]:
    """This computer's DomainRole, and the evidence that names its source and meaning."""
    role = int(ctx.value("computer.domain_role"))
    evidence: dict[str, Any] = {
        "source": "Win32_ComputerSystem.DomainRole",
        "domain_role": role,
        "meaning": DOMAIN_ROLES.get(role, "unknown"),
    }
    return role, evidence


def domain_role_text(role: int) -> str:
    return DOMAIN_ROLES.get(role, str(role))


def _mapping(ctx: RuleContext, name: str) -> Mapping[str, Any]:
    value = ctx.value(name)
    if not isinstance(value, Mapping):
        raise FactUnavailable(UnknownReason.FACT_UNREADABLE, name, f"fact {name} is not a mapping")
    return value


def _entry(ctx: RuleContext, name: str, key: str) -> Any:
    """One entry of a name->value mapping fact, matched case-insensitively. A key the collector did
    not report at all is missing (UNKNOWN); a key reported as null means "not there"."""
    table = _mapping(ctx, name)
    for k, v in table.items():
        if str(k).casefold() == key.casefold():
            return v
    raise FactUnavailable(UnknownReason.FACT_MISSING, name, f"fact {name} does not report {key}")


def service_start(ctx: RuleContext, service: str) -> int | None:
    """The Start value of a service (0 boot .. 4 disabled); None when the service is not installed."""
    value = _entry(ctx, "services.start", service)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise FactUnavailable(
            UnknownReason.FACT_UNREADABLE, "services.start", f"Start of {service} is not a number: {value!r}"
        ) from None


def service_status(ctx: RuleContext, service: str) -> str | None:
    """The service state as Get-Service reports it ('Running', 'Stopped', ...); None: not installed."""
    value = _entry(ctx, "services.status", service)
    return None if value is None else str(value)


START_NAMES = {0: "boot", 1: "system", 2: "automatic", 3: "manual", 4: "disabled"}


def start_text(start: int | None) -> str:
    return "not installed" if start is None else f"{start} ({START_NAMES.get(start, 'unknown')})"


# Which Start values a service rule fails on (None: the service is not installed).
def not_automatic(start: int | None) -> bool:
    return start != 2


def automatic(start: int | None) -> bool:
    return start == 2


def missing_or_disabled(start: int | None) -> bool:
    return start is None or start in (0, 4)


def installed(start: int | None) -> bool:
    return start is not None


def judge_service_start(
    ctx: RuleContext, service: str, failure: str, fails: Callable[[int | None], bool]
) -> Verdict:
    """Fail with ``failure`` when the service's Start value is one ``fails`` rejects."""
    start = service_start(ctx, service)
    evidence = {"registry": SERVICES_KEY + "\\" + service + "\\Start", "start": start_text(start)}
    if fails(start):
        return ctx.failed(f"{failure} (Start {start_text(start)})", evidence)
    return ctx.passed(f"{service} Start {start_text(start)}", evidence)


def iis_component(ctx: RuleContext, value_name: str) -> int:
    """An IIS component DWORD under InetStp\\Components; 0 when IIS or the value is not there (Setup
    reads a missing value as not installed)."""
    components = ctx.optional("iis.components")
    if components is None:
        return 0
    if not isinstance(components, Mapping):
        raise FactUnavailable(
            UnknownReason.FACT_UNREADABLE, "iis.components", "iis.components is not a mapping"
        )
    for k, v in components.items():
        if str(k).casefold() == value_name.casefold():
            try:
                return int(v or 0)
            except (TypeError, ValueError):
                return 0
    return 0


def judge_iis_component(
    ctx: RuleContext, value_name: str, feature: str, *, only_nt61: bool = False
) -> Verdict:
    """Fail when the IIS component is not installed (its InetStp\\Components value missing or 0)."""
    evidence: dict[str, Any] = {"registry": f"{IIS_COMPONENTS_KEY}\\{value_name}", "feature": feature}
    if only_nt61:
        build = os_build(ctx)
        evidence["os_build"] = build
        if not is_nt61(build):
            return ctx.not_applicable(
                f"checked on Windows Server 2008 R2 only; this is {windows_name(build)}", evidence
            )
    value = iis_component(ctx, value_name)
    evidence["value"] = value
    if value:
        return ctx.passed(f"IIS component {value_name} installed ({feature})", evidence)
    return ctx.failed(f"IIS component {value_name} not installed: add the {feature} feature", evidence)


PREREQUISITES_2019 = "https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites?view=exchserver-2019"


def core_2019_exemption(ctx: RuleContext, component: str) -> Verdict | None:
    """NOT_APPLICABLE for a GUI management component when Exchange 2019 is installed on Server Core, else
    None. Exchange 2019 supports (and Microsoft recommends) Server Core, and Microsoft's Server Core
    install list for 2019 leaves out Web-Mgmt-Console and RSAT-Clustering-Mgmt, which Server Core cannot
    host; the 2019 CU8 Setup log reads ServerGuiShellInstalled before the IIS management console, so
    Setup asks the question only where there is a desktop shell."""
    if family(ctx.exchange_version) != "2019":
        return None
    kind = str(ctx.value("os.installation_type")).strip()
    if kind.casefold() != "server core":
        return None
    return ctx.not_applicable(
        f"Exchange {ctx.exchange_version} on Server Core: {component} is a desktop tool, not required there",
        {
            "registry": r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\InstallationType",
            "installation_type": kind,
            "source": PREREQUISITES_2019,
        },
    )


def feature_installed(ctx: RuleContext, feature: str) -> bool:
    """Whether a Windows feature is installed, as Get-WindowsFeature reports it."""
    value = _entry(ctx, "windows.features", feature)
    if value is None:
        return False  # Get-WindowsFeature does not know the feature on this OS: not installed
    return bool(value)


def is_2012_or_2012r2(build: int) -> bool:
    return build in (BUILD_2012, BUILD_2012R2)


@dataclass(frozen=True, slots=True)
class Builds:
    """The Windows builds a check applies to, and how the verdict names them."""

    accepts: Callable[[int], bool]
    label: str


FROM_2012 = Builds(at_least_nt62, "Windows Server 2012 and later")
ONLY_2012_AND_2012R2 = Builds(is_2012_or_2012r2, "Windows Server 2012 and 2012 R2")


def add_feature_remediation(feature: str) -> Text:
    return Text(
        en=f"Add the {feature} Windows feature (Install-WindowsFeature {feature}), then scan again.",
        fr=f"Ajoutez la fonctionnalité Windows {feature} (Install-WindowsFeature {feature}), puis relancez "
        "l'analyse.",
    )


def judge_feature(
    ctx: RuleContext,
    feature: str,
    *,
    only: Builds | None = None,
    unwanted: bool = False,
) -> Verdict:
    """Fail when a Windows feature is not installed (installed, when ``unwanted``). With ``only``, the
    check applies to those Windows builds; not applicable elsewhere."""
    evidence: dict[str, Any] = {"feature": feature, "source": "Get-WindowsFeature"}
    if only is not None:
        build = os_build(ctx)
        evidence["os_build"] = build
        if not only.accepts(build):
            return ctx.not_applicable(f"checked on {only.label} only; this is {windows_name(build)}", evidence)
    installed = feature_installed(ctx, feature)
    evidence["installed"] = installed
    text = f"{feature} is installed" if installed else f"{feature} is not installed"
    return ctx.failed(text, evidence) if installed == unwanted else ctx.passed(text, evidence)


def file_version(ctx: RuleContext, fact: str) -> Version | None:
    """A file-version fact ({path, version}); None when the file does not exist."""
    return ctx.version(fact)


def file_evidence(found: Version | None) -> str:
    return str(found) if found is not None else "absent"


def judge_legacy_install(ctx: RuleContext, product: str, registry: str) -> Verdict:
    """Fail when a role of an older Exchange (``product``: "2007", "2010") is unpacked on this server."""
    entries = [e for e in (ctx.value("exchange.legacy_roles") or []) if str(e.get("product")) == product]
    installed = [e for e in entries if e.get("unpacked_version")]
    evidence: dict[str, Any] = {
        "registry": registry,
        "role_keys": [{"key": e.get("key"), "unpacked_version": e.get("unpacked_version")} for e in entries],
    }
    if installed:
        keys = ", ".join(f"{e.get('key')} {e.get('unpacked_version')}" for e in installed)
        return ctx.failed(f"Exchange {product} role(s) installed: {keys}", evidence)
    return ctx.passed(f"no Exchange {product} role installed", evidence)
