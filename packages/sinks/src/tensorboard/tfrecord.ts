import { maskedCrc32c } from './crc32c.ts';

/** One TFRecord: uint64 length, masked CRC-32C of the length, the data, masked CRC-32C of the data (little-endian). */
export function frameRecord(data: Uint8Array): Buffer {
  const record = Buffer.alloc(8 + 4 + data.length + 4);
  record.writeBigUInt64LE(BigInt(data.length), 0);
  record.writeUInt32LE(maskedCrc32c(record.subarray(0, 8)), 8);
  record.set(data, 12);
  record.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return record;
}

/** The records of a TFRecord file, both CRCs checked. Throws on a bad checksum or a cut-off record. */
export function* readRecords(file: Uint8Array, name = 'TFRecord file'): Generator<Uint8Array> {
  const buffer = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  let offset = 0;
  let index = 0;
  while (offset < buffer.length) {
    if (offset + 12 > buffer.length) throw new Error(`${name}: record ${index} is cut off in its header`);
    const lengthBytes = buffer.subarray(offset, offset + 8);
    if (maskedCrc32c(lengthBytes) !== buffer.readUInt32LE(offset + 8)) {
      throw new Error(`${name}: record ${index} has a bad length checksum at byte ${offset}`);
    }
    const length = Number(buffer.readBigUInt64LE(offset));
    const start = offset + 12;
    if (start + length + 4 > buffer.length) throw new Error(`${name}: record ${index} is cut off in its data`);
    const data = buffer.subarray(start, start + length);
    if (maskedCrc32c(data) !== buffer.readUInt32LE(start + length)) {
      throw new Error(`${name}: record ${index} has a bad data checksum at byte ${start}`);
    }
    yield data;
    offset = start + length + 4;
    index += 1;
  }
}
