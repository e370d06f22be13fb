package io.chordfs.core.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IoErrorsTest {
    @Test
    void theJdksPathOnlyExceptionsGetTheOsReason(@TempDir Path dir) throws Exception {
        Path absent = dir.resolve("absent");
        assertEquals(absent + ": No such file or directory",
                IoErrors.describe(assertThrows(IOException.class, () -> Files.readString(absent))));
        Path file = Files.createFile(dir.resolve("file"));
        assertEquals(file + ": File exists", IoErrors.describe(assertThrows(IOException.class, () -> Files.createFile(file))));
        assertEquals(file + ": Not a directory",
                IoErrors.describe(assertThrows(IOException.class, () -> Files.newDirectoryStream(file).close())));
        // EACCES cannot be had for real when the tests run as root
        assertEquals("/etc/shadow: Permission denied", IoErrors.describe(new AccessDeniedException("/etc/shadow")));
    }

    @Test
    void otherFailuresKeepTheirMessage() {
        assertEquals("cannot bind 127.0.0.1:5058: Address already in use",
                IoErrors.describe(new java.net.BindException("cannot bind 127.0.0.1:5058: Address already in use")));
        assertEquals("java.io.IOException", IoErrors.describe(new IOException()));
    }
}
