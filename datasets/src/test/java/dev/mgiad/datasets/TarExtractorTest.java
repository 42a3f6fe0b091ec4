package dev.mgiad.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarExtractorTest {
    @TempDir Path dir;

    private List<Path> extract(byte[] tar) {
        return TarExtractor.extract(new ByteArrayInputStream(tar), dir, "t.tar");
    }

    @Test
    void extractsFilesDirectoriesAndPrefixes() throws Exception {
        byte[] big = new byte[1500];
        Arrays.fill(big, (byte) 7);
        byte[] tar = new TestData.Tar()
                .dir("./")
                .dir("top/")
                .file("top/a.bin", big)
                .file("top/empty", new byte[0])
                .entry("b.txt", "top/sub", "hello".getBytes(StandardCharsets.UTF_8), '0')
                .entry("link", "", new byte[0], '2')
                .bytes();
        List<Path> files = extract(tar);
        assertEquals(3, files.size());
        assertArrayEquals(big, Files.readAllBytes(dir.resolve("top/a.bin")));
        assertEquals(0, Files.size(dir.resolve("top/empty")));
        assertEquals("hello", Files.readString(dir.resolve("top/sub/b.txt")));
        assertFalse(Files.exists(dir.resolve("link")));
    }

    @Test
    void gnuLongNamesAndPaxPaths() throws Exception {
        String longName = "d/" + "x".repeat(150) + ".bin";
        byte[] nameBytes = (longName + "\0").getBytes(StandardCharsets.UTF_8);
        String rec = "path=p/q.txt\n";
        String pax = (rec.length() + 3) + " " + rec; // length prefix counts itself ("16 ")
        byte[] tar = new TestData.Tar()
                .entry("././@LongLink", "", nameBytes, 'L')
                .file("ignored", new byte[] {1, 2})
                .entry("PaxHeader", "", pax.getBytes(StandardCharsets.UTF_8), 'x')
                .file("ignored-too", new byte[] {3})
                .bytes();
        extract(tar);
        assertArrayEquals(new byte[] {1, 2}, Files.readAllBytes(dir.resolve(longName)));
        assertArrayEquals(new byte[] {3}, Files.readAllBytes(dir.resolve("p/q.txt")));
    }

    @Test
    void rejectsPathsLeavingTheFolder() {
        byte[] tar = new TestData.Tar().file("../evil", new byte[] {1}).bytes();
        assertEquals("t.tar: unsafe path in archive: ../evil",
                assertThrows(DatasetException.class, () -> extract(tar)).getMessage());
        byte[] abs = new TestData.Tar().file("/etc/evil", new byte[] {1}).bytes();
        assertThrows(DatasetException.class, () -> extract(abs));
    }

    @Test
    void archivesWritingMoreThanTheCapAreRefused() {
        byte[] tar = new TestData.Tar().file("a", new byte[600]).file("b", new byte[600]).bytes();
        String msg = assertThrows(DatasetException.class,
                () -> TarExtractor.extract(new ByteArrayInputStream(tar), dir, "t.tar", 1000)).getMessage();
        assertTrue(msg.startsWith("t.tar: entry b of 600 bytes would take the archive past 1000 bytes"), msg);
        assertEquals(2, TarExtractor.extract(new ByteArrayInputStream(tar), dir, "t.tar", 1200).size());
    }

    @Test
    void truncatedArchive() {
        byte[] tar = new TestData.Tar().file("a", new byte[2000]).bytes();
        String msg = assertThrows(DatasetException.class, () -> extract(Arrays.copyOf(tar, 1200))).getMessage();
        assertTrue(msg.startsWith("t.tar: truncated tar archive"), msg);
        msg = assertThrows(DatasetException.class, () -> extract(Arrays.copyOf(tar, 100))).getMessage();
        assertEquals("t.tar: truncated tar archive (partial header)", msg);
    }

    @Test
    void badHeaderChecksum() {
        byte[] tar = new TestData.Tar().file("a", new byte[] {1}).bytes();
        tar[0] = 'b';
        String msg = assertThrows(DatasetException.class, () -> extract(tar)).getMessage();
        assertTrue(msg.startsWith("t.tar: corrupt tar header (checksum"), msg);
    }
}
