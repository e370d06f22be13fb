package io.chordfs.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the benchmarks find things: this JVM's java, the repository the bench jar was built in, and
 * outside programs (curl, nginx, wrk), installed from Debian's packages when missing and this is root.
 */
final class Tools {
    private static final long APT_SECONDS = 600;

    private Tools() {}

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The bench jar (or classes directory) this code runs from. */
    static Path benchJar() {
        try {
            return Path.of(Tools.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (Exception e) {
            throw new IllegalStateException("cannot locate the bench jar", e);
        }
    }

    /** {@code <repo>/rel} when the bench jar is {@code <repo>/bench/target/bench.jar} and it exists, else {@code ./rel}. */
    static Path repoFile(String rel) {
        Path jar = benchJar();
        Path repo = jar.getParent() == null || jar.getParent().getParent() == null ? null : jar.getParent().getParent().getParent();
        if (repo != null && Files.exists(repo.resolve(rel))) {
            return repo.resolve(rel);
        }
        return Path.of(rel).toAbsolutePath();
    }

    /** The executable {@code command} on PATH, or null. */
    static Path onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        for (String dir : List.of("/usr/sbin", "/sbin")) { // nginx lives here, not always on a user's PATH
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * {@code command}, installed with {@code apt-get install debianPackage} when it is missing and
     * this runs as root on Debian; null (with a line saying what to do) when it cannot be had.
     */
    static Path require(String command, String debianPackage, String forWhat) {
        Path p = onPath(command);
        if (p != null) {
            return p;
        }
        if ("root".equals(System.getProperty("user.name")) && onPath("apt-get") != null) {
            System.out.println(command + " is missing (needed for " + forWhat + "): apt-get install " + debianPackage);
            try {
                Shell.output(APT_SECONDS, List.of("apt-get", "update", "-qq"));
                Shell.output(APT_SECONDS, List.of("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq",
                        debianPackage));
            } catch (IOException e) {
                System.out.println("could not install " + debianPackage + ": " + e.getMessage());
            }
            p = onPath(command);
            if (p != null) {
                return p;
            }
        }
        System.out.println("no " + command + ": " + forWhat + " is left out. Install it (Debian: apt-get install "
                + debianPackage + ") and run again.");
        return null;
    }
}
