"""`make package`'s output for each cloud stage: Chalice's template merged with the cloud
stack, cfn-lint clean, and least privilege throughout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chalicelib.core.settings import Settings
from cloud.functions import event_source_logical_id, function_logical_id
from cloud.least_privilege import managed_policies, wildcards
from cloud.package import app_functions, package, stage_environment
from cloud.policies import function_policy
from cloud.stack import StackResources
from devstack.deploy import load_template


@pytest.fixture(scope="module", params=["dev", "prod"])
def packaged(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    """Packaged (Chalice builds the Lambda bundle with Linux wheels) and cfn-linted."""
    stage = str(request.param)
    path: Path = package(stage, tmp_path_factory.mktemp(stage))
    assert (path.parent / "deployment.zip").stat().st_size > 1_000_000
    return stage, yaml.safe_load(path.read_text())


def test_no_wildcard_outside_the_allow_list_and_no_managed_policy(
    packaged: tuple[str, dict[str, Any]],
) -> None:
    _, template = packaged

    assert [str(w) for w in wildcards(template)] == []
    assert managed_policies(template) == []


def test_each_function_has_its_own_role_with_its_declared_policy(
    packaged: tuple[str, dict[str, Any]],
) -> None:
    _, template = packaged
    resources, stack = template["Resources"], StackResources(load_template())

    roles = set()
    for function, access in app_functions().items():
        role = resources[function_logical_id(function)]["Properties"]["Role"]["Fn::GetAtt"][0]
        [policy] = resources[role]["Properties"]["Policies"]
        assert policy["PolicyDocument"] == function_policy(function, access, stack)
        roles.add(role)
    assert len(roles) == len(app_functions())


def test_each_queue_handler_consumes_its_queue_with_partial_batch_responses(
    packaged: tuple[str, dict[str, Any]],
) -> None:
    stage, template = packaged
    queues = Settings.from_env(stage_environment(stage)).queues

    for function, access in app_functions().items():
        if access.consumes is None:
            continue
        events = template["Resources"][function_logical_id(function)]["Properties"]["Events"]
        source = events[event_source_logical_id(function)]["Properties"]
        assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert source["Queue"]["Fn::Sub"].endswith(":" + getattr(queues, access.consumes))
