package io.chordfs.core.rpc;

/** A message longer than {@link RpcLimits#maxFrameBytes()} or nested deeper than {@link RpcLimits#maxDepth()}. */
public class FrameTooLargeException extends RpcFormatException {
    public FrameTooLargeException(String message) {
        super(message);
    }
}
