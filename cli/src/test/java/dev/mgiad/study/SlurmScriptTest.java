package dev.mgiad.study;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SlurmScriptTest {
    @Test
    void arraySpecCompressesRuns() {
        assertEquals("0-3", SlurmScript.arraySpec(List.of(0, 1, 2, 3)));
        assertEquals("1,3-4,7", SlurmScript.arraySpec(List.of(1, 3, 4, 7)));
        assertEquals("5", SlurmScript.arraySpec(List.of(5)));
    }

    @Test
    void wordsAreQuotedForBash() {
        assertEquals("--widths", SlurmScript.quote("--widths"));
        assertEquals("16,32,64", SlurmScript.quote("16,32,64"));
        assertEquals("'/data sets/x'", SlurmScript.quote("/data sets/x"));
        assertEquals("'it'\\''s'", SlurmScript.quote("it's"));
        assertEquals("''", SlurmScript.quote(""));
    }
}
