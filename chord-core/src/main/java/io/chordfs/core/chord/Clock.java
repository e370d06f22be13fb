package io.chordfs.core.chord;

/** Time as the protocol sees it: the system clock in production, simulated time in tests. */
@FunctionalInterface
public interface Clock {
    long millis();

    static Clock system() {
        return System::currentTimeMillis;
    }
}
