"""`make package`'s output for each cloud stage: Chalice's template merged with the cloud
stack, cfn-lint clean, least privilege throughout, and a Lambda bundle of what runs in the
cloud only."""

from __future__ import annotations

import zipfile
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

# Where the local stack's and the tests' machinery lives; none of it is deployed.
NOT_DEPLOYED = {"devstack", "tests", "containers", "bench", "cloud", "web", "docs"}
LOCAL_MACHINERY = ("LocalProcessRunner", "DockerRunner", "TRANSCODER_DIR", "def listening(",
                   "def counting_dynamodb_calls(", "register_local_runners")


@pytest.fixture(scope="module", params=["dev", "prod"])
def packaged_path(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """Packaged (Chalice builds the Lambda bundle with Linux wheels) and cfn-linted."""
    stage = str(request.param)
    path: Path = package(stage, tmp_path_factory.mktemp(stage))
    assert (path.parent / "deployment.zip").stat().st_size > 1_000_000
    return stage, path


@pytest.fixture(scope="module")
def packaged(packaged_path: tuple[str, Path]) -> tuple[str, dict[str, Any]]:
    stage, path = packaged_path
    return stage, yaml.safe_load(path.read_text())


def test_the_lambda_bundle_holds_only_what_runs_in_the_cloud(
    packaged_path: tuple[str, Path],
) -> None:
    _, path = packaged_path
    with zipfile.ZipFile(path.parent / "deployment.zip") as bundle:
        names = bundle.namelist()
        ours = {name: bundle.read(name).decode() for name in names
                if name.endswith(".py") and (name == "app.py" or name.startswith("chalicelib/"))}

    assert {name.split("/", 1)[0] for name in names} & NOT_DEPLOYED == set()
    assert "app.py" in ours and "chalicelib/transcode/runners.py" in ours
    assert "class EcsRunner" in ours["chalicelib/transcode/runners.py"]
    assert {name: [word for word in LOCAL_MACHINERY if word in source]
            for name, source in ours.items() if any(word in source for word in LOCAL_MACHINERY)
            } == {}


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
