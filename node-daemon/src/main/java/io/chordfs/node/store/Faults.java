package io.chordfs.node.store;

/**
 * Test hook: called at each step of the commit and delete protocols with the step's name, so a
 * test can stop the store there (by throwing an {@link Error}, which skips every clean-up path,
 * as a crash would) and then check what recovery makes of the disk. Does nothing in production.
 */
@FunctionalInterface
interface Faults {
    Faults NONE = point -> { };

    void at(String point);
}
