package io.chordfs.node.aws;

/** The two Auto Scaling calls a terminating node makes for its termination lifecycle hook. */
public interface LifecycleActions {
    /** RecordLifecycleActionHeartbeat: more time to finish. */
    void heartbeat();

    /** CompleteLifecycleAction with CONTINUE: the instance may terminate now. */
    void complete();
}
