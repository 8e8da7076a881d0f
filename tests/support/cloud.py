"""The cloud stack's merge template, with its intrinsic functions resolved to stand-ins."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.core.settings import Settings
from cloud.package import app_functions, stage_environment
from cloud.template import merge_template
from devstack.deploy import load_template

SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def stage_merge_template(stage: str = "dev") -> dict[str, Any]:
    settings = Settings.from_env(stage_environment(stage))
    return merge_template(load_template(), settings, app_functions())


@dataclass
class FakeStack:
    """Resolves Ref, Fn::GetAtt, Fn::Sub, Fn::Join and Fn::If (every condition holds):
    parameters and physical ids as given, any other reference as a recognisable stand-in."""

    values: dict[str, Any] = field(default_factory=dict)

    def ref(self, name: str) -> Any:
        return self.values.get(name, f"{name}-id")

    def attribute(self, logical_id: str, attribute: str) -> str:
        given = self.values.get(f"{logical_id}.{attribute}")
        if given is not None:
            return str(given)
        return f"arn:aws:test:us-east-1:123456789012:{logical_id}" if attribute == "Arn" \
            else f"{logical_id}-{attribute}"

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        [(name, argument)] = value.items() if len(value) == 1 else [("", None)]
        intrinsics: dict[str, Callable[[Any], Any]] = {
            "Ref": self.ref, "Fn::GetAtt": lambda a: self.attribute(*a), "Fn::Sub": self._sub,
            "Fn::Join": self._join, "Fn::If": lambda a: self.resolve(a[1])}
        intrinsic = intrinsics.get(name)
        if intrinsic is not None:
            return intrinsic(argument)
        return {key: self.resolve(item) for key, item in value.items()}

    def _sub(self, text: str) -> str:
        return SUB_VARIABLE.sub(lambda m: self._variable(m.group(1)), text)

    def _join(self, argument: list[Any]) -> str:
        separator, items = argument
        return str(separator).join(str(item) for item in self.resolve(items))

    def _variable(self, name: str) -> str:
        logical_id, _, attribute = name.partition(".")
        return self.attribute(logical_id, attribute) if attribute else str(self.ref(name))


def api_shape(value: Any, *, keep_keys: bool = False) -> Any:
    """CloudFormation's property names as the API's (`ContainerDefinitions` ->
    `containerDefinitions`); the keys of free-form maps such as log options stay."""
    if isinstance(value, list):
        return [api_shape(item) for item in value]
    if not isinstance(value, dict):
        return value
    return {(key if keep_keys else key[:1].lower() + key[1:]):
            api_shape(item, keep_keys=key == "Options") for key, item in value.items()}
