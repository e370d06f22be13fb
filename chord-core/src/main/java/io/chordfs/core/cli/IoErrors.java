package io.chordfs.core.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.TimeoutException;

/**
 * An I/O failure as a user reads it: the file and the operating system's reason. The JDK throws
 * the commonest reasons (ENOENT, EACCES, EEXIST) as subclasses whose message is the path alone,
 * so "/nonexistent/dir" becomes "/nonexistent/dir: No such file or directory".
 */
public final class IoErrors {
    private IoErrors() {}

    public static String describe(Throwable e) {
        if (e instanceof FileSystemException f) {
            String reason = f.getReason() != null ? f.getReason() : reason(f);
            String file = f.getFile() == null ? "" : f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile());
            return reason == null ? file : file.isEmpty() ? reason : file + ": " + reason;
        }
        if (e instanceof TimeoutException) {
            return "no answer in time: " + e.getMessage();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** strerror's words for the errors the JDK names by class only. */
    private static String reason(FileSystemException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "File exists";
        }
        if (e instanceof NotDirectoryException) {
            return "Not a directory";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "Directory not empty";
        }
        if (e instanceof FileSystemLoopException) {
            return "Too many levels of symbolic links";
        }
        return null;
    }
}
