"""The watch parties' part of the cloud stack, built in-process: the WebSocket functions,
what they may touch, and where they are told to connect and post."""

from __future__ import annotations

from typing import Any

from chalicelib.core import envvars
from cloud.access import FUNCTIONS
from cloud.least_privilege import statements_of, wildcards
from cloud.package import app_functions
from cloud.policies import function_policy
from cloud.stack import StackResources
from devstack.deploy import load_template
from tests.support.cloud import stage_merge_template

SOCKET_FUNCTIONS = {"websocket_connect", "websocket_message", "websocket_disconnect"}


def grants(function: str, action: str) -> list[Any]:
    policy = function_policy(function, FUNCTIONS[function], StackResources(load_template()))
    return [resource for statement in statements_of(policy) if action in statement["Action"]
            for resource in statement["Resource"]]


def test_the_websocket_handlers_are_functions_of_their_own() -> None:
    assert set(app_functions()) >= SOCKET_FUNCTIONS


def test_only_the_functions_that_push_may_manage_connections_of_that_api_only() -> None:
    for function in ("api_handler", "websocket_message", "websocket_disconnect"):
        resources = [r["Fn::Sub"] for r in grants(function, "execute-api:ManageConnections")]
        assert resources == [
            f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:"
            f"${{WebsocketAPI}}/api/{verb}/@connections/*" for verb in ("POST", "DELETE")]
    assert grants("websocket_connect", "execute-api:ManageConnections") == []
    assert grants("websocket_message", "dynamodb:PutItem") == [
        {"Fn::GetAtt": ["PartiesTable", "Arn"]}]


def test_chalices_own_any_api_grant_would_be_refused() -> None:
    template = {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [
        {"PolicyDocument": {"Statement": [{
            "Effect": "Allow", "Action": ["execute-api:ManageConnections"],
            "Resource": "arn:*:execute-api:*:*:*/@connections/*"}]}}]}}}}
    assert [w.action for w in wildcards(template)] == ["execute-api:ManageConnections"]


def test_functions_learn_the_socket_and_management_urls_and_the_stage_is_throttled() -> None:
    template = stage_merge_template("dev")
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables[envvars.PARTY_SOCKET_URL] == {
        "Fn::Sub": "wss://${WebsocketAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api"}
    assert variables[envvars.PARTY_MANAGEMENT_URL]["Fn::Sub"].startswith("https://")
    routes = template["Resources"]["WebsocketAPIStage"]["Properties"]["DefaultRouteSettings"]
    assert routes["ThrottlingRateLimit"] > 0 and routes["ThrottlingBurstLimit"] > 0
    assert template["Resources"]["PartiesTable"]["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at", "Enabled": True}
