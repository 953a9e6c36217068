"""Setup refuses a Mailbox install when the Cluster service (ClusSvc) starts automatically, i.e. the
server is already a node of a Windows failover cluster.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.checks.upgrade_mode import install_mode_only
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ClusSvcInstalledRoleBlock",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="This server is already a failover cluster node",
        fr="Ce serveur est déjà un nœud de cluster de basculement",
    ),
    remediation=Text(
        en=(
            "Install the Mailbox role on a server that is not a member of a Windows failover cluster "
            "(database availability groups create their own cluster)."
        ),
        fr=(
            "Installez le rôle de boîte aux lettres sur un serveur qui n'est pas membre d'un cluster "
            "de basculement Windows (les groupes de disponibilité de base de données créent leur "
            "propre cluster)."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/only-the-mailbox-role-can-be-installed-on-a-cluster-server-clussvcinstalledroleblock-exchange-2013-help",
    facts=("services.start", "exchange.v15.roles"),
)

SERVICE = "ClusSvc"
FAILURE = "the Cluster service is set to start automatically (a failover cluster node)"


def evaluate(ctx: RuleContext) -> Verdict:
    # a DAG member upgraded in place to SE is a cluster node; Setup's Upgrade mode does not run this rule
    upgrade = install_mode_only(ctx)
    if upgrade is not None:
        return upgrade
    return common.judge_service_start(ctx, SERVICE, FAILURE, common.automatic)
