"""Route 53 private hosted zones created with a VPC (patch 21).

AWS: CreateHostedZone's VPC element is for "private hosted zones only": giving a VPC creates
a private hosted zone associated with it, and "when you create a private hosted zone, you must
associate a VPC with the hosted zone" (Route 53 API reference, CreateHostedZone; developer
guide, "Creating a private hosted zone"). HostedZoneConfig.PrivateZone need not be sent, and
Terraform's aws_route53_zone does not send it.

moto 5.2 reads the VPC only when HostedZoneConfig.PrivateZone is true, so the zone Terraform
creates is public with no VPC: the next plan wants to add the vpc block again, and
AssociateVPCWithHostedZone then fails with PublicZoneVPCAssociation. This patch makes a
CreateHostedZone request that names a VPC create a private zone, as AWS does.
"""

from __future__ import annotations

from typing import Any, Callable

from . import common


def patch_route53_private_zones() -> None:
    from moto.route53.responses import Route53 as Response

    def create(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_hosted_zone(self: Any) -> Any:
            if self._get_param("VPC.VPCId"):
                # One response object per request: this override ends with it.
                read_bool = self._get_bool_param

                def get_bool_param(name: str, if_none: Any = None) -> Any:
                    return True if name == "HostedZoneConfig.PrivateZone" else read_bool(name, if_none)

                self._get_bool_param = get_bool_param
            return original(self)

        return create_hosted_zone

    common.wrap(Response, "create_hosted_zone", create)
    common.PATCHES.append("route53-private-zones-with-vpc")
