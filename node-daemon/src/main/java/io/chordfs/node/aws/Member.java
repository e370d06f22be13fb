package io.chordfs.node.aws;

/**
 * One instance of the group.
 *
 * @param lifecycleState the group's view: Pending, InService, Terminating, ...
 * @param address the IP nodes reach it on, or null when it has none (yet)
 */
public record Member(String instanceId, String lifecycleState, String address) {
    /** States of an instance that is, or is about to be, a working member of the group. */
    public boolean isLiveOrStarting() {
        return lifecycleState != null && (lifecycleState.equals("InService") || lifecycleState.startsWith("Pending"));
    }

    public Member withAddress(String a) {
        return new Member(instanceId, lifecycleState, a);
    }
}
