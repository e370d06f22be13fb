package io.chordfs.core.ring;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NameRulesTest {
    @Test
    void plainAndUnicodeNamesPass() {
        for (String ok : new String[] {"a.txt", "my file ü€ (1).txt", "日本語.pdf", "emoji \uD83D\uDE00.png", "n".repeat(255),
                "a_chunk_1", ".hidden", "a/b", "a/b/c.txt", "日本/語.pdf", ".hidden/x", "a_chunk_1/b",
                "n".repeat(255) + "/" + "m".repeat(255), ("d".repeat(100) + "/").repeat(9) + "e".repeat(115)}) {
            assertTrue(NameRules.problem(ok).isEmpty(), ok);
        }
    }

    @Test
    void namesThatBreakTheOldRulesAreRefused() {
        for (String bad : new String[] {null, "", ".", "..", ".chordfs", "a\\b", "nul\u0000", "del\u007f",
                "csi\u009b", "n".repeat(256), "lone\uD800"}) {
            assertTrue(NameRules.problem(bad).isPresent(), String.valueOf(bad));
        }
    }

    /** Each component follows the old rule; the reserved folder is refused wherever it stands. */
    @Test
    void pathsAreRefusedWhenAnyComponentIsBadOrTheWholeIsTooLong() {
        for (String bad : new String[] {"/a", "a/", "a//b", "/", "//", "a/./b", "a/../b", "../a", "a/..", "./a",
                ".chordfs/meta", "a/.chordfs", "a/.chordfs/b", ".chordfs/up/x_chunk_1/abcdefgh", "a/nul\u0000/b",
                "a/b\\c", "a/" + "n".repeat(256), "a/\u202Eb", "a/lone\uD800", ("d".repeat(100) + "/").repeat(9) + "e".repeat(116)}) {
            assertTrue(NameRules.problem(bad).isPresent(), bad);
        }
        assertEquals("a name is at most 1024 UTF-8 bytes, this one has 1025",
                NameRules.problem(("d".repeat(100) + "/").repeat(9) + "e".repeat(116)).orElseThrow());
    }

    /** Each of these can make a listing show another name than the one stored. */
    @Test
    void bidirectionalControlsAndZeroWidthCharactersAreRefusedAnywhereInAName() {
        int[] spoofing = {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200B, 0x200C,
                0x200D, 0xFEFF};
        for (int c : spoofing) {
            String ch = Character.toString(c);
            for (String name : new String[] {ch + "a.txt", "a" + ch + ".txt", "a.txt" + ch, ch}) {
                String problem = NameRules.problem(name).orElseThrow(() -> new AssertionError(
                        "accepted U+" + Integer.toHexString(c) + " in " + name.length() + " chars"));
                assertTrue(problem.contains(String.format("U+%04X", c)), problem);
            }
        }
        assertEquals("a name must not contain U+202E: bidirectional controls and zero-width characters can make "
                + "a listing show another name", NameRules.problem("evil\u202Egnp.exe").orElseThrow());
    }

    /** Just outside each refused range: a hair space, the left-to-right and right-to-left marks, ... */
    @Test
    void theRangesEndWhereTheyShould() {
        for (int c : new int[] {0x200A, 0x200E, 0x200F, 0x202F, 0x2065, 0x206A, 0xFEFE, 0xFF21}) {
            String name = "a" + Character.toString(c) + "b";
            assertTrue(NameRules.problem(name).isEmpty(), "U+" + Integer.toHexString(c) + ": " + NameRules.problem(name));
        }
    }
}
