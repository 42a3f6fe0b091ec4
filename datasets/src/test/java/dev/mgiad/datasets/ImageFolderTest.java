package dev.mgiad.datasets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The image-folder data set and the image reading it shares with predict, on small generated PNGs and JPEGs. */
class ImageFolderTest {
    @TempDir Path tmp;

    /** A w x h RGB image whose pixel (x, y) is (x*8+seed, y*8, seed*20), wrapped to bytes. */
    static BufferedImage rgb(int w, int h, int seed) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
            img.setRGB(x, y, ((x * 8 + seed) & 0xFF) << 16 | ((y * 8) & 0xFF) << 8 | ((seed * 20) & 0xFF));
        }
        return img;
    }

    static BufferedImage gray(int w, int h, int seed) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.getRaster().setSample(x, y, 0, (x * 7 + y * 3 + seed) & 0xFF);
        return img;
    }

    static Path write(BufferedImage img, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        String fmt = file.toString().endsWith(".png") ? "png" : "jpeg";
        assertTrue(ImageIO.write(img, fmt, file.toFile()), "writer for " + fmt);
        return file;
    }

    @Test
    void imagesAtTheTargetSizeAreTakenPixelForPixel() throws IOException {
        BufferedImage c = rgb(6, 5, 3), g = gray(6, 5, 9);
        byte[] pc = ImageFiles.readPlanar(write(c, tmp.resolve("c.png")), 3, 5, 6);
        byte[] pg = ImageFiles.readPlanar(write(g, tmp.resolve("g.png")), 1, 5, 6);
        for (int y = 0; y < 5; y++) for (int x = 0; x < 6; x++) {
            int argb = c.getRGB(x, y), i = y * 6 + x;
            assertEquals((argb >> 16) & 0xFF, pc[i] & 0xFF);
            assertEquals((argb >> 8) & 0xFF, pc[30 + i] & 0xFF);
            assertEquals(argb & 0xFF, pc[60 + i] & 0xFF);
            assertEquals(g.getRaster().getSample(x, y, 0), pg[i] & 0xFF, "grey is read from the samples, not colour-converted");
        }
        // grey to three channels replicates; colour to grey is the 601 luma
        byte[] g3 = ImageFiles.toPlanar(g, 3, 5, 6);
        assertArrayEquals(pg, java.util.Arrays.copyOfRange(g3, 60, 90));
        int argb = c.getRGB(2, 1);
        long luma = Math.round(0.299 * ((argb >> 16) & 0xFF) + 0.587 * ((argb >> 8) & 0xFF) + 0.114 * (argb & 0xFF));
        assertEquals(luma, ImageFiles.toPlanar(c, 1, 5, 6)[6 + 2] & 0xFF);
    }

    @Test
    void shrinkingAveragesAreasAndWideImagesAreCroppedAroundTheCentre() {
        // 8x4 grey image: left 2 and right 2 columns 255 (cut away by the centre crop), middle 4x4 in 2x2 blocks
        BufferedImage img = new BufferedImage(8, 4, BufferedImage.TYPE_BYTE_GRAY);
        int[][] blocks = {{10, 50}, {90, 130}};
        for (int y = 0; y < 4; y++) for (int x = 0; x < 8; x++) {
            int v = x < 2 || x >= 6 ? 255 : blocks[y / 2][(x - 2) / 2] + (x + y) % 2 * 4; // block mean = value + 2
            img.getRaster().setSample(x, y, 0, v);
        }
        byte[] out = ImageFiles.toPlanar(img, 1, 2, 2);
        assertArrayEquals(new byte[] {12, 52, 92, (byte) 132}, out);
        // enlarging a constant image stays constant; a ramp stays monotone
        BufferedImage flat = gray(1, 1, 77);
        for (byte b : ImageFiles.toPlanar(flat, 1, 3, 3)) assertEquals(77, b & 0xFF);
        float[] up = ImageFiles.resize(new float[] {0, 100}, 2, 1, 4, 1);
        assertArrayEquals(new float[] {0, 25, 75, 100}, up, 1e-4f);
    }

    @Test
    void badFilesAreNamed() throws IOException {
        Path text = tmp.resolve("notes.png");
        Files.writeString(text, "not an image");
        DatasetException e = assertThrows(DatasetException.class, () -> ImageFiles.read(text));
        assertTrue(e.getMessage().startsWith(text.toString()) && e.getMessage().contains("not a PNG or JPEG"), e.getMessage());
        Path good = write(rgb(16, 16, 1), tmp.resolve("good.png"));
        byte[] bytes = Files.readAllBytes(good);
        Path cut = tmp.resolve("cut.png");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        e = assertThrows(DatasetException.class, () -> ImageFiles.read(cut));
        assertTrue(e.getMessage().startsWith(cut.toString()) && e.getMessage().contains("corrupt"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> ImageFiles.read(tmp.resolve("missing.jpg")));
        assertTrue(e.getMessage().contains("missing.jpg: file not found"), e.getMessage());
    }

    /** train: cat (3 RGB), dog (2 RGB, one JPEG); test: dog (1); with junk that must be skipped. */
    private Path folder() throws IOException {
        Path root = tmp.resolve("pets");
        for (int i = 0; i < 3; i++) write(rgb(20, 12, i), root.resolve("train/cat/c" + i + ".png"));
        write(rgb(12, 12, 5), root.resolve("train/dog/d0.png"));
        write(rgb(12, 12, 6), root.resolve("train/dog/d1.jpg"));
        Files.writeString(root.resolve("train/dog/README.txt"), "skipped");
        Files.writeString(root.resolve("train/.DS_Store"), "skipped");
        write(rgb(12, 12, 7), root.resolve("test/dog/t0.png"));
        return root;
    }

    @Test
    void readsClassesLabelsAndStatistics() throws IOException {
        Path root = folder();
        ImageDataset train = ImageFolder.readTrain(root, 8);
        assertEquals(List.of("cat", "dog"), train.classNames());
        assertArrayEquals(new int[] {0, 0, 0, 1, 1}, train.labels());
        assertEquals(3, train.channels());
        assertEquals(8, train.height());
        ImageDataset test = ImageFolder.read(root, false, 8, 3, train.classNames());
        assertArrayEquals(new int[] {1}, test.labels());
        ImageFolder.Stats s = ImageFolder.stats(train);
        double sum = 0;
        for (int i = 0; i < train.count(); i++) for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) sum += train.pixel(i, 2, y, x) / 255.0;
        assertEquals(sum / (train.count() * 64), s.mean()[2], 1e-6);
        assertTrue(s.std()[0] > 0 && s.std()[1] > 0);
        // the blue plane of every image is constant per image but differs between images, so its std is > 0
        assertTrue(s.std()[2] > 0.01, "std " + s.std()[2]);
    }

    @Test
    void greyFoldersHaveOneChannel() throws IOException {
        Path root = tmp.resolve("digits");
        for (int c = 0; c < 2; c++) for (int i = 0; i < 2; i++) write(gray(10, 10, c * 50 + i), root.resolve("train/" + c + "/" + i + ".png"));
        ImageDataset train = ImageFolder.readTrain(root, 10);
        assertEquals(1, train.channels());
        assertEquals(gray(10, 10, 51).getRaster().getSample(3, 4, 0), train.pixel(3, 0, 4, 3), "class 1, second file");
    }

    @Test
    void layoutMistakesGetOneClearLine() throws IOException {
        Path root = folder();
        assertThrows(DatasetException.class, () -> ImageFolder.readTrain(root.resolve("nowhere"), 8));
        write(rgb(12, 12, 1), root.resolve("test/horse/h.png"));
        DatasetException e = assertThrows(DatasetException.class, () -> ImageFolder.read(root, false, 8, 3, List.of("cat", "dog")));
        assertTrue(e.getMessage().contains("class 'horse' is not among the training classes"), e.getMessage());
        Files.createDirectories(root.resolve("train/empty"));
        e = assertThrows(DatasetException.class, () -> ImageFolder.readTrain(root, 8));
        assertTrue(e.getMessage().endsWith("empty: no PNG or JPEG images"), e.getMessage());
        Files.delete(root.resolve("train/empty"));
        Path bad = root.resolve("train/cat/zz.png");
        Files.writeString(bad, "garbage");
        e = assertThrows(DatasetException.class, () -> ImageFolder.readTrain(root, 8));
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        Files.delete(bad);
        write(rgb(4, 4, 1), root.resolve("train/loose.png"));
        e = assertThrows(DatasetException.class, () -> ImageFolder.readTrain(root, 8));
        assertTrue(e.getMessage().contains("one sub-folder per class"), e.getMessage());
        Path noTest = tmp.resolve("notest");
        write(rgb(4, 4, 1), noTest.resolve("train/a/1.png"));
        write(rgb(4, 4, 2), noTest.resolve("train/b/1.png"));
        e = assertThrows(DatasetException.class, () -> ImageFolder.read(noTest, false, 4, 3, List.of("a", "b")));
        assertTrue(e.getMessage().contains("no test/ or val/ folder"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> ImageFolder.readTrain(noTest, 0));
        assertTrue(e.getMessage().contains("--image-size"), e.getMessage());
    }
}
