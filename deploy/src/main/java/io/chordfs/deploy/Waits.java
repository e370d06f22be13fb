package io.chordfs.deploy;

import java.util.function.BooleanSupplier;

/** Polling with a deadline, for the AWS operations that finish in the background. */
final class Waits {
    private Waits() {}

    /** Polls {@code done} (first at once) until it holds or {@code timeoutMillis} pass. */
    static boolean until(BooleanSupplier done, long timeoutMillis, long pollMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            if (done.getAsBoolean()) {
                return true;
            }
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            sleep(pollMillis);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeployException("interrupted");
        }
    }
}
