"""`python -m ajet_backend.ray_serve serve ...`: runs the application on a Ray cluster (a local one it starts, or
--address) with Serve's gRPC proxy on --grpc-port, prints `ajet_backend: serving ... on port N`, and on SIGTERM or
Ctrl-C shuts Serve down (and the local cluster it started)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import time

from ajet_backend.errors import BackendError

# Serve's proxy readiness and health-check timeouts (seconds), raised for slow machines.
PROXY_TIMEOUTS = ("RAY_SERVE_PROXY_READY_CHECK_TIMEOUT_S", "RAY_SERVE_PROXY_HEALTH_CHECK_TIMEOUT_S")


# A local cluster that times out while starting (the raylet gives up waiting for its agents when the cores are busy:
# seen 4 times in a row at load 8-30) is started again, this many times in all.
LOCAL_START_ATTEMPTS = 3


def init_local_cluster(ray_module: object, pause_s: float = 2.0, **init_args: object) -> None:
    """`ray.init(**init_args)` for a cluster this process starts, retried after a startup timeout only."""
    for attempt in range(1, LOCAL_START_ATTEMPTS + 1):
        try:
            ray_module.init(**init_args)  # type: ignore[attr-defined]
            return
        except Exception as error:
            if "timed out during startup" not in str(error) or attempt == LOCAL_START_ATTEMPTS:
                raise
            print(f"ajet_backend: the local Ray cluster timed out while starting (attempt {attempt} of {LOCAL_START_ATTEMPTS}); starting it again", file=sys.stderr, flush=True)
            ray_module.shutdown()  # type: ignore[attr-defined]
            time.sleep(pause_s)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ajet_backend.ray_serve")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the backend application and serve ajet.v1.Backend through Serve's gRPC proxy")
    serve.add_argument("--address", default=None, help="Ray cluster address (auto: the running one); default: start a local cluster for this process")
    serve.add_argument("--num-cpus", type=float, default=None, help="CPUs of the local cluster (default: Ray counts them)")
    serve.add_argument("--grpc-port", type=int, default=9000, help="Serve's gRPC proxy port (0: a free one)")
    serve.add_argument("--http-port", type=int, default=0, help="Serve's HTTP proxy port (0: a free one; nothing is served there)")
    serve.add_argument("--args", default="{}", help="application args as JSON (RaySettings keys: model, sampler_replicas, learner_workers, ...)")
    serve.add_argument("--model", default=None, help="shorthand for args.model")
    serve.add_argument("--state-root", default=None, help="shorthand for args.state_root")
    serve.add_argument("--token", default=None, help="shorthand for args.token")
    return parser.parse_args(argv)


def serve_command(arguments: argparse.Namespace) -> None:
    try:
        import ray
        from ray import serve
        from ray.serve.config import gRPCOptions
    except ImportError as error:
        raise BackendError("ray_missing", "Ray is not installed in this environment: pip install 'ajet_backend[ray]' (ray[serve]==2.60.0) or rerun backend/scripts/setup_venv.sh") from error
    from ajet_backend.ray_serve.app import APP_NAME, ROUTE_PREFIX, RaySettings, build_app
    from ajet_backend.ray_serve.stubs import SERVICER_FUNCTION

    args = json.loads(arguments.args)
    for key in ("model", "state_root", "token"):
        value = getattr(arguments, key)
        if value is not None:
            args[key] = value
    settings = RaySettings.from_args(args)

    # From here on SIGTERM and Ctrl-C unwind through the finally below (Serve and the local cluster stop) even while
    # the application is still deploying; Python's default SIGTERM would leave Ray's processes behind.
    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    grpc_port = arguments.grpc_port or _free_port()
    http_port = arguments.http_port or _free_port()
    started = time.monotonic()
    local = arguments.address is None
    env = {"AJET_RAY_LOOPBACK": "1"} if local else {}
    # Serve kills a proxy not ready within 5 s; on busy cores starting it takes longer (seen: the proxy killed, the
    # launcher exiting before serving). A local cluster's actors inherit these from this process.
    for name in PROXY_TIMEOUTS:
        os.environ.setdefault(name, "60")
    try:
        if local:
            init_local_cluster(ray, num_cpus=arguments.num_cpus, include_dashboard=False, runtime_env={"env_vars": env}, logging_level="WARNING", log_to_driver=False)
        else:
            ray.init(address=arguments.address, logging_level="WARNING", log_to_driver=False)
        # ray.init installs its own SIGTERM handler (a crash dump, then exit): ours again.
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        serve.start(http_options={"host": "127.0.0.1", "port": http_port}, grpc_options=gRPCOptions(port=grpc_port, grpc_servicer_functions=[SERVICER_FUNCTION]))
        serve.run(build_app(settings.to_args()), name=APP_NAME, route_prefix=ROUTE_PREFIX)
        seconds = time.monotonic() - started
        scaling = settings.sampler_autoscaling
        samplers = f"{scaling.get('min_replicas', 1)}..{scaling.get('max_replicas', 1)} sampler replicas (autoscaling)" if scaling else f"{settings.sampler_replicas} sampler replicas"
        print(f"ajet_backend: serving {settings.model_options.model} on port {grpc_port} (Ray Serve app {APP_NAME}: {samplers}, learner with {settings.learner_workers} {settings.learner_backend} workers; up in {seconds:.1f} s)", flush=True)
        print(f"ajet_backend: Ray cluster at {ray.get_runtime_context().gcs_address}", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        # A second signal must not cut the shutdown short.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            if ray.is_initialized():
                serve.shutdown()
        finally:
            ray.shutdown()
        print("ajet_backend: Ray Serve stopped", flush=True)


def main(argv: list[str] | None = None) -> int:
    arguments = parse(sys.argv[1:] if argv is None else argv)
    try:
        serve_command(arguments)
    except BackendError as error:
        print(f"ajet_backend: {error} [{error.code}]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    sys.exit(main())
