package io.chordfs.client;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.TimeoutException;

/** A failure as one line for a person: the JDK names only the path of a refused file, so its reason is added. */
final class Errors {
    private Errors() {}

    static String describe(Throwable e) {
        if (e instanceof FileSystemException f) {
            String reason = f.getReason() != null ? f.getReason() : reason(f);
            String file = f.getFile() == null ? "" : f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile());
            return reason == null ? file : file.isEmpty() ? reason : file + ": " + reason;
        }
        if (e instanceof TimeoutException) {
            return "no answer in time: " + e.getMessage();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** The strerror text of the errno behind each exception the JDK raises without a reason. */
    private static String reason(FileSystemException f) {
        if (f instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (f instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (f instanceof FileAlreadyExistsException) {
            return "File exists";
        }
        if (f instanceof NotDirectoryException) {
            return "Not a directory";
        }
        if (f instanceof DirectoryNotEmptyException) {
            return "Directory not empty";
        }
        return null;
    }
}
