"""Prints tinker_public.proto as the official SDK (tinker==0.38.0) compiled it into tinker/proto/tinker_public_pb2.py:
the binary half of the wire format (forward_backward requests; sample and forward_backward results when the
client accepts application/x-protobuf).

    python packages/backbone-tinker/test-fixtures/dump_tinker_proto.py > packages/backbone-tinker/src/tinker_public.proto
(needs tinker==0.38.0 and protobuf installed)
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from google.protobuf import descriptor_pb2


def _load_pb2():
    """tinker/proto/tinker_public_pb2.py by path: importing the tinker package pulls in its whole HTTP stack."""
    spec = importlib.util.find_spec("tinker")
    assert spec and spec.origin, "install tinker==0.38.0"
    path = Path(spec.origin).parent / "proto" / "tinker_public_pb2.py"
    module_spec = importlib.util.spec_from_file_location("tinker_public_pb2", path)
    assert module_spec and module_spec.loader
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


F = descriptor_pb2.FieldDescriptorProto
SCALARS = {value: name[5:].lower() for name, value in F.Type.items() if name not in ("TYPE_MESSAGE", "TYPE_ENUM", "TYPE_GROUP")}


def type_name(field: descriptor_pb2.FieldDescriptorProto, package: str) -> str:
    if field.type in (F.TYPE_MESSAGE, F.TYPE_ENUM):
        return field.type_name.removeprefix(f".{package}.")
    return SCALARS[field.type]


def message(msg: descriptor_pb2.DescriptorProto, package: str, indent: str = "") -> list[str]:
    lines = [f"{indent}message {msg.name} {{"]
    maps = {nested.name: nested for nested in msg.nested_type if nested.options.map_entry}
    for nested in msg.nested_type:
        if not nested.options.map_entry:
            lines += message(nested, package, indent + "  ")
    for enum in msg.enum_type:
        lines.append(f"{indent}  enum {enum.name} {{ " + " ".join(f"{v.name} = {v.number};" for v in enum.value) + " }")
    real_oneofs: dict[int, list[str]] = {}
    for field in msg.field:
        name = type_name(field, package)
        entry = maps.get(name.split(".")[-1])
        if entry is not None:
            key, value = entry.field
            text = f"map<{type_name(key, package)}, {type_name(value, package)}> {field.name} = {field.number};"
        else:
            label = "repeated " if field.label == F.LABEL_REPEATED else ("optional " if field.proto3_optional else "")
            text = f"{label}{name} {field.name} = {field.number};"
        if field.HasField("oneof_index") and not field.proto3_optional:
            real_oneofs.setdefault(field.oneof_index, []).append(text)
        else:
            lines.append(f"{indent}  {text}")
    for index, fields in real_oneofs.items():
        lines.append(f"{indent}  oneof {msg.oneof_decl[index].name} {{")
        lines += [f"{indent}    {text}" for text in fields]
        lines.append(f"{indent}  }}")
    lines.append(f"{indent}}}")
    return lines


def main() -> None:
    proto = descriptor_pb2.FileDescriptorProto()
    _load_pb2().DESCRIPTOR.CopyToProto(proto)
    out = ["// Reconstructed from tinker==0.38.0 tinker/proto/tinker_public_pb2.py by dump_tinker_proto.py.", 'syntax = "proto3";', f"package {proto.package};", ""]
    for msg in proto.message_type:
        out += message(msg, proto.package) + [""]
    for enum in proto.enum_type:
        out.append(f"enum {enum.name} {{ " + " ".join(f"{v.name} = {v.number};" for v in enum.value) + " }")
    print("\n".join(out))


if __name__ == "__main__":
    main()
