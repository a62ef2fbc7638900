"""Python stubs for ajet.v1, generated from packages/proto/ajet/v1/backend.proto with grpcio-tools on first
use (not checked in), regenerated when the proto changes."""

from __future__ import annotations

import hashlib
import importlib
import os
import sys
from pathlib import Path
from types import ModuleType

from ajet_backend.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_PROTO_ROOT = PACKAGE_DIR.parents[1] / "packages" / "proto"
GENERATED_DIR = PACKAGE_DIR / "_generated"


def _proto_root() -> Path:
    root = Path(os.environ.get("AJET_PROTO_ROOT", DEFAULT_PROTO_ROOT))
    if not (root / "ajet" / "v1" / "backend.proto").is_file():
        raise ConfigError("proto_missing", f"{root}/ajet/v1/backend.proto does not exist: set AJET_PROTO_ROOT to the folder holding ajet/v1/backend.proto")
    return root


def load_stubs() -> tuple[ModuleType, ModuleType]:
    """(backend_pb2, backend_pb2_grpc) for ajet.v1."""
    root = _proto_root()
    proto = root / "ajet" / "v1" / "backend.proto"
    digest = hashlib.sha256(proto.read_bytes()).hexdigest()
    stamp = GENERATED_DIR / "ajet" / "v1" / "proto.sha256"
    if not stamp.is_file() or stamp.read_text() != digest:
        try:
            from grpc_tools import protoc
        except ImportError as error:
            raise ConfigError("proto_tools_missing", "generating the ajet.v1 stubs needs grpcio-tools: pip install grpcio-tools") from error
        GENERATED_DIR.mkdir(parents=True, exist_ok=True)
        status = protoc.main(["protoc", f"-I{root}", f"--python_out={GENERATED_DIR}", f"--grpc_python_out={GENERATED_DIR}", str(proto)])
        if status != 0:
            raise ConfigError("proto_compile", f"protoc failed on {proto} (exit {status}); check the file compiles")
        stamp.write_text(digest)
    if str(GENERATED_DIR) not in sys.path:
        sys.path.insert(0, str(GENERATED_DIR))
    return importlib.import_module("ajet.v1.backend_pb2"), importlib.import_module("ajet.v1.backend_pb2_grpc")


TINKER_PUBLIC_PROTO = PACKAGE_DIR.parents[1] / "packages" / "backbone-tinker" / "src" / "tinker_public.proto"


def load_tinker_public() -> dict[str, type]:
    """The message classes of the Tinker SDK's binary messages (`tinker_public.proto`, reconstructed from
    tinker==0.38.0), by name. They live in a descriptor pool of their own: a process that also imports the SDK
    (which registers its own copy of the file) sees no clash."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    proto = Path(os.environ.get("AJET_TINKER_PROTO", TINKER_PUBLIC_PROTO))
    if not proto.is_file():
        raise ConfigError("proto_missing", f"{proto} does not exist: set AJET_TINKER_PROTO to tinker_public.proto (packages/backbone-tinker/src)")
    digest = hashlib.sha256(proto.read_bytes()).hexdigest()
    out = GENERATED_DIR / "tinker_public.desc"
    stamp = GENERATED_DIR / "tinker_public.sha256"
    if not out.is_file() or not stamp.is_file() or stamp.read_text() != digest:
        try:
            from grpc_tools import protoc
        except ImportError as error:
            raise ConfigError("proto_tools_missing", "compiling tinker_public.proto needs grpcio-tools: pip install grpcio-tools") from error
        GENERATED_DIR.mkdir(parents=True, exist_ok=True)
        status = protoc.main(["protoc", f"-I{proto.parent}", f"--descriptor_set_out={out}", str(proto)])
        if status != 0:
            raise ConfigError("proto_compile", f"protoc failed on {proto} (exit {status}); check the file compiles")
        stamp.write_text(digest)
    files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    package = pool.FindFileByName("tinker_public.proto")
    return {name: message_factory.GetMessageClass(descriptor) for name, descriptor in package.message_types_by_name.items()}
