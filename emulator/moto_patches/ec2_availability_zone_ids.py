"""Availability Zone names map to AZ IDs differently in each account (patch 17).

AWS: "To ensure that resources are distributed across the Availability Zones for a
Region, we independently map Availability Zones to names for each AWS account. For
example, the Availability Zone us-east-1a for your AWS account might not be the same
location as us-east-1a for another AWS account." Only the AZ ID (use1-az1, apne1-az4, ...)
names the same physical zone in every account. (AWS RAM User Guide, "Availability Zone
IDs for your AWS resources", https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html;
EC2 User Guide, "Regions and Zones", AZ IDs.) A PrivateLink endpoint can only be created
in zones where the endpoint service's load balancer has a node, and across accounts only
the IDs can be compared (PrivateLink guide, "Create an endpoint service", considerations).

moto 5.2 has one fixed name -> ID table for every account. Here the emulator's default
account (123456789012) keeps moto's table, and every other account gets the region's
IDs rotated by an offset derived from its account ID (1..n-1, never 0): the same zone
NAME is then a different zone ID in another account, deterministically. The mapping
applies to DescribeAvailabilityZones (ZoneId, filters zone-id, ZoneIds), to subnets
(AvailabilityZoneId in DescribeSubnets, the availability-zone-id filter) and to
CreateSubnet --availability-zone-id (translated to the account's zone name).
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable

from . import common

DEFAULT_ACCOUNT_ID = "123456789012"


def region_zones(region: str) -> list[Any]:
    from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend

    return list(RegionsAndZonesBackend.zones.get(region, []))


def account_offset(account_id: str, count: int) -> int:
    """0 for the default account; 1..count-1 for any other (a stable hash of the ID)."""
    if account_id == DEFAULT_ACCOUNT_ID or count < 2:
        return 0
    return 1 + int(hashlib.sha256(account_id.encode()).hexdigest(), 16) % (count - 1)


def zone_id_for(account_id: str, region: str, zone_name: str) -> str | None:
    zones = region_zones(region)
    names = [z.name for z in zones]
    if zone_name not in names:
        return None
    offset = account_offset(account_id, len(zones))
    return zones[(names.index(zone_name) + offset) % len(zones)].zone_id


def zone_name_for(account_id: str, region: str, zone_id: str) -> str | None:
    for zone in region_zones(region):
        if zone_id_for(account_id, region, zone.name) == zone_id:
            return zone.name
    return None


def patch_availability_zone_ids() -> None:
    from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend, Zone
    from moto.ec2.models.subnets import Subnet, SubnetBackend
    from moto.utilities.utils import filter_resources

    def account_zones(backend: Any) -> list[Any]:
        result = []
        for zone in backend.zones.get(backend.region_name, []):
            mapped = Zone(
                name=zone.name,
                region_name=zone.region_name,
                zone_id=zone_id_for(backend.account_id, zone.region_name, zone.name) or zone.zone_id,
                zone_type=zone.zone_type,
            )
            mapped.state = zone.state
            mapped.messages = zone.messages
            result.append(mapped)
        return result

    def describe(original: Callable[..., Any]) -> Callable[..., Any]:
        def describe_availability_zones(
            self: Any,
            filters: list[dict[str, Any]] | None = None,
            zone_names: list[str] | None = None,
            zone_ids: list[str] | None = None,
        ) -> list[Any]:
            zones = account_zones(self)
            pairs = (("zone-id", "zone_id"), ("zone-type", "zone_type"), ("zone-name", "name"), ("region-name", "region_name"), ("state", "state"))
            result = filter_resources(zones, filters, pairs) if filters else zones
            result = [z for z in result if not zone_ids or z.zone_id in zone_ids]
            return [z for z in result if not zone_names or z.name in zone_names]

        return describe_availability_zones

    def subnet_zone_id(self: Any) -> str:
        zone = self._availability_zone
        return zone_id_for(self.ec2_backend.account_id, zone.region_name, zone.name) or zone.zone_id

    def subnet_filter(original: Callable[..., Any]) -> Callable[..., Any]:
        def get_filter_value(self: Any, filter_name: str, method_name: str | None = None) -> Any:
            if filter_name in ("availability-zone-id", "availabilityZoneId"):
                return self.availability_zone_id
            return original(self, filter_name, method_name)

        return get_filter_value

    def create(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_subnet(
            self: Any,
            vpc_id: str,
            cidr_block: str,
            ipv6_cidr_block: str | None = None,
            availability_zone: str | None = None,
            availability_zone_id: str | None = None,
            **kwargs: Any,
        ) -> Any:
            if availability_zone_id and not availability_zone:
                # This account's name for that zone ID; an unknown ID falls through to moto's error.
                name = zone_name_for(self.account_id, self.region_name, availability_zone_id)
                if name is not None:
                    availability_zone, availability_zone_id = name, None
            return original(self, vpc_id, cidr_block, ipv6_cidr_block, availability_zone, availability_zone_id, **kwargs)

        return create_subnet

    common.need(Subnet, "availability_zone_id")
    common.wrap(RegionsAndZonesBackend, "describe_availability_zones", describe)
    common.wrap(Subnet, "get_filter_value", subnet_filter)
    common.wrap(SubnetBackend, "create_subnet", create)
    Subnet.availability_zone_id = property(subnet_zone_id)  # type: ignore[assignment,method-assign]
    common.PATCHES.append("ec2-availability-zone-ids-per-account")
