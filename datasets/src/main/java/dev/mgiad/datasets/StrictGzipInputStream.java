package dev.mgiad.datasets;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * A gzip reader (RFC 1952) that, unlike {@link java.util.zip.GZIPInputStream}, refuses bytes after the last member:
 * the JDK's reader silently ignores trailing data that does not start another member, so a data file with junk
 * appended would be accepted. Concatenated members are read in order, as gzip does; each trailer's CRC-32 and size
 * are checked.
 */
final class StrictGzipInputStream extends InputStream {
    private static final int FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16;

    private final PushbackInputStream in;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final byte[] buf = new byte[1 << 16];
    private int bufLen;
    private boolean eof;

    StrictGzipInputStream(InputStream raw) throws IOException {
        this.in = new PushbackInputStream(raw, buf.length);
        readHeader();
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) throw new EOFException("compressed data ends early");
        return b;
    }

    private void readHeader() throws IOException {
        if (readByte() != 0x1f || readByte() != 0x8b) throw new ZipException("Not in GZIP format");
        if (readByte() != 8) throw new ZipException("Unsupported compression method");
        int flags = readByte();
        for (int i = 0; i < 6; i++) readByte(); // mtime, xfl, os
        if ((flags & FEXTRA) != 0) {
            int n = readByte() | readByte() << 8;
            for (int i = 0; i < n; i++) readByte();
        }
        if ((flags & FNAME) != 0) while (readByte() != 0) { /* skip */ }
        if ((flags & FCOMMENT) != 0) while (readByte() != 0) { /* skip */ }
        if ((flags & FHCRC) != 0) { readByte(); readByte(); }
        inflater.reset();
        crc.reset();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        while (!eof) {
            int n;
            try {
                n = inflater.inflate(b, off, len);
            } catch (DataFormatException e) {
                throw new ZipException(e.getMessage());
            }
            if (n > 0) {
                crc.update(b, off, n);
                return n;
            }
            if (inflater.finished()) {
                memberEnd();
            } else if (inflater.needsDictionary()) {
                throw new ZipException("preset dictionary not supported");
            } else if (inflater.needsInput()) {
                bufLen = in.read(buf);
                if (bufLen < 0) throw new EOFException("compressed data ends early");
                inflater.setInput(buf, 0, bufLen);
            }
        }
        return -1;
    }

    /** Checks the trailer; then either another member starts or the file must end here. */
    private void memberEnd() throws IOException {
        int rest = inflater.getRemaining();
        if (rest > 0) in.unread(buf, bufLen - rest, rest);
        long wantCrc = readUInt(), wantSize = readUInt();
        if (wantCrc != crc.getValue() || wantSize != (inflater.getBytesWritten() & 0xffffffffL)) {
            throw new ZipException("corrupt gzip trailer (checksum or size mismatch)");
        }
        int next = in.read();
        if (next < 0) {
            eof = true;
            return;
        }
        int second = in.read();
        if (next != 0x1f || second != 0x8b) {
            long extra = 1 + (second < 0 ? 0 : 1) + in.transferTo(java.io.OutputStream.nullOutputStream());
            throw new ZipException(extra + " bytes of junk after the end of the compressed data");
        }
        in.unread(second);
        in.unread(next);
        readHeader();
    }

    private long readUInt() throws IOException {
        return (readByte() | readByte() << 8 | readByte() << 16 | (long) readByte() << 24) & 0xffffffffL;
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        in.close();
    }
}
