// Blocks: the frames of one chain (a keyframe and the differences after it, see codec.ts) joined with their
// lengths, compressed with brotli, with the length and CRC-32 of the uncompressed bytes to catch damage.
import { brotliCompress, brotliCompressSync, brotliDecompressSync, constants, crc32 } from 'node:zlib';
import { ByteReader, ByteWriter, CodecError } from './bytes.js';

/** `block.codec` / `rollup.codec`: brotli over length-prefixed frames of the chain codec. */
export const CODEC_BROTLI_CHAIN = 1;
export const DEFAULT_BROTLI_QUALITY = 6;

export interface Packed {
  data: Buffer;
  rawBytes: number;
  crc: number;
}

/** Frames -> one buffer of (varuint length, bytes) pairs. */
export function joinFrames(frames: readonly Uint8Array[]): Buffer {
  const w = new ByteWriter(frames.reduce((n, f) => n + f.length + 4, 16));
  for (const f of frames) {
    w.varuint(f.length);
    w.bytes(f);
  }
  return w.finish();
}

export function splitFrames(raw: Buffer): Buffer[] {
  const r = new ByteReader(raw);
  const out: Buffer[] = [];
  while (!r.done) out.push(r.bytes(r.varuint()));
  return out;
}

function params(raw: Buffer, quality: number) {
  return {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: quality,
      [constants.BROTLI_PARAM_LGWIN]: 22,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  };
}

export function packSync(raw: Buffer, quality = DEFAULT_BROTLI_QUALITY): Packed {
  return { data: brotliCompressSync(raw, params(raw, quality)), rawBytes: raw.length, crc: crc32(raw) };
}

/** Compression on libuv's thread pool, so that a tick never waits for it. */
export function pack(raw: Buffer, quality = DEFAULT_BROTLI_QUALITY): Promise<Packed> {
  return new Promise((resolve, reject) => {
    brotliCompress(raw, params(raw, quality), (err, data) => {
      if (err) reject(err);
      else resolve({ data, rawBytes: raw.length, crc: crc32(raw) });
    });
  });
}

/** The uncompressed bytes, checked against their length and CRC (a CodecError when damaged). */
export function unpack(p: Packed): Buffer {
  let raw: Buffer;
  try {
    raw = brotliDecompressSync(p.data, { maxOutputLength: Math.max(1, p.rawBytes) });
  } catch (err) {
    throw new CodecError(`compressed data damaged (${err instanceof Error ? err.message : String(err)})`);
  }
  if (raw.length !== p.rawBytes) throw new CodecError(`expected ${p.rawBytes} bytes uncompressed, got ${raw.length}`);
  const crc = crc32(raw);
  if (crc !== p.crc) throw new CodecError(`checksum mismatch (${crc} != ${p.crc})`);
  return raw;
}
