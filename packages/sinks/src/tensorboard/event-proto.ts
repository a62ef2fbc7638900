// The few fields of TensorFlow's Event and Summary protobufs (tensorflow/core/util/event.proto,
// tensorflow/core/framework/summary.proto) that scalar logging needs, encoded and decoded by hand.

/** One Event: the file header (`fileVersion`) or a step's scalars. */
export interface TensorboardEvent {
  /** Seconds since the epoch. */
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars?: { tag: string; value: number }[];
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

class ProtoWriter {
  private readonly parts: Uint8Array[] = [];

  private varint(value: bigint): void {
    let rest = BigInt.asUintN(64, value);
    const bytes: number[] = [];
    while (rest >= 0x80n) {
      bytes.push(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    bytes.push(Number(rest));
    this.parts.push(Uint8Array.from(bytes));
  }

  private key(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }

  int64(field: number, value: number): this {
    this.key(field, WIRE_VARINT);
    this.varint(BigInt(Math.trunc(value)));
    return this;
  }

  double(field: number, value: number): this {
    this.key(field, WIRE_FIXED64);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    this.parts.push(bytes);
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, WIRE_FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.parts.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, WIRE_BYTES);
    this.varint(BigInt(value.length));
    this.parts.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  finish(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

export function encodeEvent(event: TensorboardEvent): Uint8Array {
  const writer = new ProtoWriter().double(1, event.wallTime).int64(2, event.step);
  if (event.fileVersion !== undefined) writer.string(3, event.fileVersion);
  if (event.scalars) {
    const summary = new ProtoWriter();
    for (const { tag, value } of event.scalars)
      summary.bytes(1, new ProtoWriter().string(1, tag).float(2, value).finish());
    writer.bytes(5, summary.finish());
  }
  return writer.finish();
}

type Field =
  | { field: number; wire: typeof WIRE_VARINT; value: bigint }
  | { field: number; wire: typeof WIRE_FIXED64 | typeof WIRE_FIXED32; view: DataView }
  | { field: number; wire: typeof WIRE_BYTES; bytes: Uint8Array };

/** Every field of one message, in order; unknown fields are returned too, so callers skip them. */
function* fields(bytes: Uint8Array): Generator<Field> {
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = bytes[offset++];
      if (byte === undefined) throw new Error('protobuf: truncated varint');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  const take = (length: number): Uint8Array => {
    if (offset + length > bytes.length) throw new Error('protobuf: field runs past the end');
    const slice = bytes.subarray(offset, offset + length);
    offset += length;
    return slice;
  };
  while (offset < bytes.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === WIRE_VARINT) yield { field, wire, value: varint() };
    else if (wire === WIRE_FIXED64 || wire === WIRE_FIXED32) {
      const slice = take(wire === WIRE_FIXED64 ? 8 : 4);
      yield { field, wire, view: new DataView(slice.buffer, slice.byteOffset, slice.byteLength) };
    } else if (wire === WIRE_BYTES) yield { field, wire, bytes: take(Number(varint())) };
    else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
}

export function decodeEvent(bytes: Uint8Array): TensorboardEvent {
  const event: TensorboardEvent = { wallTime: 0, step: 0 };
  const text = new TextDecoder();
  for (const item of fields(bytes)) {
    if (item.field === 1 && item.wire === WIRE_FIXED64) event.wallTime = item.view.getFloat64(0, true);
    else if (item.field === 2 && item.wire === WIRE_VARINT) event.step = Number(BigInt.asIntN(64, item.value));
    else if (item.field === 3 && item.wire === WIRE_BYTES) event.fileVersion = text.decode(item.bytes);
    else if (item.field === 5 && item.wire === WIRE_BYTES) {
      const scalars: { tag: string; value: number }[] = [];
      for (const value of fields(item.bytes)) {
        if (value.field !== 1 || value.wire !== WIRE_BYTES) continue;
        let tag = '';
        let scalar: number | undefined;
        for (const part of fields(value.bytes)) {
          if (part.field === 1 && part.wire === WIRE_BYTES) tag = text.decode(part.bytes);
          else if (part.field === 2 && part.wire === WIRE_FIXED32) scalar = part.view.getFloat32(0, true);
        }
        if (scalar !== undefined) scalars.push({ tag, value: scalar });
      }
      event.scalars = scalars;
    }
  }
  return event;
}
