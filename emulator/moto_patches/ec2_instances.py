"""EC2 instances as aws_instance sends and reads them (patches 10 and 15)."""

from __future__ import annotations

import threading
from typing import Any, Callable

from . import common


def patch_ec2_root_volume_defaults() -> None:
    """Patch 10: a root block device without size or snapshot gets the AMI's, as on AWS."""
    from moto.ec2.responses.instances import InstanceResponse

    request = threading.local()

    def parse(original: Callable[..., Any]) -> Callable[..., Any]:
        def _parse_block_device_mapping(self: Any) -> Any:
            image_id = self._get_param("ImageId")
            images = self.ec2_backend.describe_images(filters={"image-id": image_id}) if image_id else []
            request.image = images[0] if images else None
            try:
                return original(self)
            finally:
                request.image = None

        return _parse_block_device_mapping

    def validate(original: Callable[..., Any]) -> Any:
        def _validate_block_device_mapping(device_mapping: dict[str, Any]) -> Any:
            image = getattr(request, "image", None)
            ebs = device_mapping.get("Ebs")
            if (
                image is not None
                and isinstance(ebs, dict)
                and device_mapping.get("DeviceName") == image.root_device_name
                and not ebs.get("VolumeSize")
                and not ebs.get("SnapshotId")
            ):
                root = image.block_device_mappings[0]["Ebs"]
                ebs["SnapshotId"] = root["SnapshotId"]
                ebs["VolumeSize"] = root["VolumeSize"]
            return original(device_mapping)

        return staticmethod(_validate_block_device_mapping)

    common.wrap(InstanceResponse, "_parse_block_device_mapping", parse)
    common.wrap(InstanceResponse, "_validate_block_device_mapping", validate)
    common.PATCHES.append("ec2-root-volume-defaults")

def patch_instance_network_interfaces() -> None:
    """Patch 15: an instance launched with NetworkInterfaces reads back like AWS."""
    from moto.ec2.models.elastic_network_interfaces import NetworkInterface
    from moto.ec2.models.instances import Instance

    common.need(NetworkInterface, "association")
    original_association = NetworkInterface.association

    def association(self: Any) -> dict[str, Any] | None:
        # AWS omits Association on an interface without a public IP; moto returns {}.
        return original_association.fget(self) or None  # type: ignore[union-attr]

    def get_groups(self: Any) -> list[Any]:
        explicit = self.__dict__.get("_launcher_security_groups") or []
        if explicit:
            return explicit
        # AWS: an instance's security groups are its primary interface's.
        primary = (self.__dict__.get("nics") or {}).get(0)
        return list(primary.__dict__.get("_group_set") or []) if primary is not None else []

    def set_groups(self: Any, value: Any) -> None:
        self.__dict__["_launcher_security_groups"] = list(value or [])

    NetworkInterface.association = property(association)  # type: ignore[assignment]
    Instance.security_groups = property(get_groups, set_groups)  # type: ignore[attr-defined]
    common.PATCHES.append("ec2-instance-network-interfaces")
