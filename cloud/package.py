"""`make package STAGE=dev`: the deployable template of one stage, under build/<stage>/.

1. Check that every function the app defines has an access declaration (cloud/access.py)
   consuming the queue it listens to, and write each declaration's policy file.
2. Write the merge template: template-localstack.yml plus the cloud stack (cloud/template.py)
   and the API's documentation (cloud/api_docs.py; the OpenAPI document as openapi.json).
3. `chalice package --merge-template`: the functions, the API and the deployment package
   (Chalice pip-installs requirements.txt as Lambda wheels; it reuses the zip while the
   code and requirements are unchanged).
4. Check the result for wildcards (cloud/least_privilege.py), then cfn-lint it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from chalicelib.core.openapi import openapi_document
from chalicelib.core.settings import Settings, get_settings
from cloud.access import FUNCTIONS, FunctionAccess
from cloud.api_docs import documentation_resources
from cloud.functions import API_HANDLER, function_logical_id, write_policy_files
from cloud.least_privilege import managed_policies, wildcards
from cloud.stack import StackResources
from cloud.template import merge_template
from devstack.deploy import load_template
from devstack.dispatcher import subscriptions

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("dev", "prod")
PACKAGED = "sam.yaml"


def stage_environment(stage: str, root: Path = ROOT) -> dict[str, str]:
    """The environment Chalice gives the stage's functions (.chalice/config.json)."""
    config = json.loads((root / ".chalice" / "config.json").read_text())
    return {**config.get("environment_variables", {}),
            **config["stages"][stage].get("environment_variables", {})}


def app_functions() -> dict[str, FunctionAccess]:
    """The app's functions with their declared access; a handler without a declaration,
    or consuming another queue than declared, is an error. Declarations of functions the
    app does not define (yet) are left out."""
    app = importlib.import_module("app").app
    queues = get_settings().queues
    found: dict[str, str | None] = {API_HANDLER: None} if app.routes else {}
    found |= {s.handler_name: s.queue_name for s in subscriptions(app)}
    found |= {name: None for name in websocket_functions(app)}
    functions = {}
    for name, queue in found.items():
        access = FUNCTIONS.get(name)
        if access is None:
            raise SystemExit(f"{name}: no access declared in cloud/access.py")
        declared = getattr(queues, access.consumes) if access.consumes else None
        if declared != queue:
            raise SystemExit(f"{name} consumes {queue}, cloud/access.py says {declared}")
        functions[name] = access
    return functions


def websocket_functions(app: Any) -> list[str]:
    """The functions `chalice package` makes of the app's websocket handlers."""
    names = {"$connect": "websocket_connect", "$disconnect": "websocket_disconnect"}
    return sorted({names.get(route, "websocket_message") for route in app.websocket_handlers})


def write_merge_template(stage: str, out_dir: Path) -> tuple[Path, dict[str, FunctionAccess]]:
    base = load_template()
    functions = app_functions()
    write_policy_files(ROOT, FUNCTIONS, StackResources(base))
    settings = Settings.from_env(stage_environment(stage))
    out_dir.mkdir(parents=True, exist_ok=True)
    template = merge_template(base, settings, functions)
    # The API's OpenAPI document beside the template, and in API Gateway's documentation.
    document = openapi_document(importlib.import_module("app").app)
    (out_dir / "openapi.json").write_text(json.dumps(document, indent=2))
    template["Resources"] |= documentation_resources(document)
    path = out_dir / "merge-template.yaml"
    path.write_text(yaml.safe_dump(template, sort_keys=False))
    return path, functions


def chalice_package(stage: str, merge: Path, out_dir: Path) -> Path:
    # Packaging makes no AWS call, but Chalice wants a region to be configured.
    env = {"AWS_DEFAULT_REGION": "us-east-1", **os.environ}
    subprocess.run([str(Path(sys.executable).with_name("chalice")), "package",
                    "--stage", stage, "--merge-template", str(merge),
                    "--template-format", "yaml", str(out_dir)],
                   cwd=ROOT, env=env, check=True)
    return out_dir / PACKAGED


def check_packaged(template: dict[str, Any], functions: dict[str, FunctionAccess]) -> None:
    """A merge onto a resource Chalice did not generate leaves one without a Type; a
    wildcard off the allow-list, or a managed policy, fails the package."""
    untyped = [k for k, v in template["Resources"].items() if "Type" not in v]
    if untyped:
        raise SystemExit(f"merged onto resources Chalice did not generate: {untyped}")
    for function in functions:
        if function_logical_id(function) not in template["Resources"]:
            raise SystemExit(f"Chalice generated no {function_logical_id(function)}")
    problems = [str(w) for w in wildcards(template)] + [
        f"{logical_id}: managed policies" for logical_id in managed_policies(template)]
    if problems:
        raise SystemExit("not least privilege:\n  " + "\n  ".join(problems))


def lint(template: Path) -> int:
    return subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), str(template)],
                          check=False).returncode


def package(stage: str, out_dir: Path, *, run_lint: bool = True) -> Path:
    merge, functions = write_merge_template(stage, out_dir)
    packaged = chalice_package(stage, merge, out_dir)
    check_packaged(yaml.safe_load(packaged.read_text()), functions)
    if run_lint and lint(packaged) != 0:
        raise SystemExit(f"cfn-lint found problems in {packaged}")
    return packaged


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cloud.package", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", choices=STAGES, default="dev")
    parser.add_argument("--out", type=Path, help="default: build/<stage>")
    parser.add_argument("--no-lint", action="store_true")
    args = parser.parse_args(argv)
    started = time.monotonic()
    packaged = package(args.stage, args.out or ROOT / "build" / args.stage,
                       run_lint=not args.no_lint)
    print(f"{packaged.relative_to(ROOT) if packaged.is_relative_to(ROOT) else packaged}: "
          f"packaged{'' if args.no_lint else ' and linted'} in "
          f"{time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
