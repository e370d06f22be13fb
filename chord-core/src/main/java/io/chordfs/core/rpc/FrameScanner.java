package io.chordfs.core.rpc;

import io.netty.buffer.ByteBuf;

/**
 * Finds where one msgpack value ends in bytes that arrive in pieces, reading only headers and
 * allocating nothing, so a message that trickles in costs no re-decoding and a header that claims
 * more than the limits allow is refused before its bytes come. Resumes where the previous call
 * stopped: each byte of a message is looked at once. Applies the same bounds as
 * {@link MsgpackValues#read}: {@code maxFrameBytes} for the whole message, {@code maxDepth} for
 * nesting, no ext types.
 */
final class FrameScanner {
    private final int maxBytes;
    private final int maxDepth;
    /** Elements still to come in each open array or map, outermost first. */
    private final long[] remaining;
    private int depth;
    /** Bytes of the current message scanned so far. */
    private int scanned;

    FrameScanner(RpcLimits limits) {
        this.maxBytes = limits.maxFrameBytes();
        this.maxDepth = limits.maxDepth();
        this.remaining = new long[maxDepth];
    }

    /** True when part of a message has been scanned and its end not yet seen. */
    boolean inMessage() {
        return scanned > 0;
    }

    /**
     * The length of the message that starts at {@code buf}'s reader index, or -1 when its end has
     * not arrived yet. After a length is returned, the next call starts on the next message.
     */
    int scan(ByteBuf buf) throws RpcFormatException {
        int base = buf.readerIndex();
        int available = buf.readableBytes();
        while (scanned < available) {
            int at = base + scanned;
            int b = buf.getUnsignedByte(at);
            int header;
            long payload = 0;
            long children = -1;
            if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
                header = 1; // fixint, nil, bool
            } else if (b <= 0x8f) {
                header = 1;
                children = 2L * (b & 0x0f);
            } else if (b <= 0x9f) {
                header = 1;
                children = b & 0x0f;
            } else if (b <= 0xbf) {
                header = 1;
                payload = b & 0x1f;
            } else {
                int size = switch (b) {
                    case 0xc4, 0xd9, 0xcc, 0xd0 -> 1;
                    case 0xc5, 0xda, 0xdc, 0xde, 0xcd, 0xd1 -> 2;
                    case 0xc6, 0xdb, 0xdd, 0xdf, 0xca, 0xce, 0xd2 -> 4;
                    case 0xcb, 0xcf, 0xd3 -> 8;
                    case 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8 ->
                            throw new RpcFormatException("msgpack ext types are not accepted");
                    default -> throw new RpcFormatException(String.format("malformed msgpack: byte 0x%02x", b));
                };
                boolean numeric = b >= 0xca && b <= 0xd3;
                if (numeric) {
                    header = 1;
                    payload = size;
                } else {
                    header = 1 + size;
                    if (header > available - scanned) {
                        return -1;
                    }
                    long n = switch (size) {
                        case 1 -> buf.getUnsignedByte(at + 1);
                        case 2 -> buf.getUnsignedShort(at + 1);
                        default -> buf.getUnsignedInt(at + 1);
                    };
                    if (b >= 0xdc) {
                        children = b >= 0xde ? 2 * n : n;
                    } else {
                        payload = n;
                    }
                }
            }
            if (children >= 0) {
                if (depth + 1 > maxDepth) {
                    throw new FrameTooLargeException("message nested deeper than " + maxDepth);
                }
                fits(header + children); // every element takes at least one byte
                scanned += header;
                if (children > 0) {
                    remaining[depth++] = children;
                    continue;
                }
            } else {
                fits(header + payload);
                if (header + payload > available - scanned) {
                    return -1;
                }
                scanned += (int) (header + payload);
            }
            if (valueEnded()) {
                int length = scanned;
                scanned = 0;
                return length;
            }
        }
        return -1;
    }

    /** Counts off one value in its container; true when that ends the whole message. */
    private boolean valueEnded() {
        while (depth > 0) {
            if (--remaining[depth - 1] > 0) {
                return false;
            }
            depth--;
        }
        return true;
    }

    private void fits(long bytes) throws FrameTooLargeException {
        if (bytes > maxBytes - scanned) {
            throw new FrameTooLargeException("length " + bytes + " exceeds the " + maxBytes + "-byte message limit");
        }
    }
}
