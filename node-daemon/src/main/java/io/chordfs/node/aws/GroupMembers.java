package io.chordfs.node.aws;

import java.util.List;

/** The instances of this node's group, as the Auto Scaling service sees them now. */
@FunctionalInterface
public interface GroupMembers {
    List<Member> list();
}
