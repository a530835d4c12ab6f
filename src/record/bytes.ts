// A growable byte buffer and its reader: unsigned varints exact up to 2^53 (counters as the kernel reports
// them), float64, UTF-8 strings. The codec's only serialisation primitives.

export class CodecError extends Error {}

const TWO31 = 0x80000000;

export class ByteWriter {
  private buf: Buffer;
  private n = 0;

  constructor(initial = 4096) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.n;
  }

  private room(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.n++] = b;
  }

  /** A whole number 0..2^53-1, 7 bits a byte, least significant first. */
  varuint(v: number): void {
    this.room(8);
    const buf = this.buf;
    let n = this.n;
    if (v < TWO31) {
      while (v >= 0x80) {
        buf[n++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
    } else {
      while (v >= 0x80) {
        buf[n++] = (v % 128) | 0x80;
        v = Math.floor(v / 128);
      }
    }
    buf[n++] = v;
    this.n = n;
  }

  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.n);
    this.n += 8;
  }

  string(s: string): void {
    // At most 3 bytes per UTF-16 unit; write in place, then the length before it.
    const max = s.length * 3;
    this.room(max + 8);
    if (s.length < 128 && max < 128) {
      // One-byte length known to fit: write the bytes after it and patch the length.
      const at = this.n;
      const len = this.buf.write(s, at + 1, 'utf8');
      this.buf[at] = len;
      this.n = at + 1 + len;
      return;
    }
    const len = Buffer.byteLength(s, 'utf8');
    this.varuint(len);
    this.n += this.buf.write(s, this.n, 'utf8');
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }

  /** A copy of what was written. */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.n));
  }

  /** A view of what was written (valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.n);
  }

  reset(): void {
    this.n = 0;
  }

  /** Forget everything written after byte `n`. */
  truncate(n: number): void {
    this.n = n;
  }

  /** Two bytes per UTF-16 unit (for strings that are not well-formed Unicode). */
  utf16(s: string): void {
    this.varuint(s.length);
    this.room(s.length * 2);
    for (let i = 0; i < s.length; i++) {
      this.buf.writeUInt16LE(s.charCodeAt(i), this.n);
      this.n += 2;
    }
  }
}

export class ByteReader {
  pos = 0;

  constructor(readonly buf: Buffer, start = 0, readonly end = buf.length) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private need(k: number): void {
    if (this.pos + k > this.end) throw new CodecError(`truncated data at byte ${this.pos}`);
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  varuint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      v += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (v > Number.MAX_SAFE_INTEGER) throw new CodecError(`varint above 2^53 at byte ${this.pos}`);
        return v;
      }
      mul *= 128;
    }
    throw new CodecError(`varint longer than 8 bytes at byte ${this.pos}`);
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  string(): string {
    const len = this.varuint();
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  utf16(): string {
    const len = this.varuint();
    this.need(len * 2);
    let s = '';
    for (let i = 0; i < len; i++) {
      s += String.fromCharCode(this.buf.readUInt16LE(this.pos));
      this.pos += 2;
    }
    return s;
  }

  bytes(len: number): Buffer {
    this.need(len);
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }
}
