package dev.mgiad.cli;

import dev.mgiad.train.Checkpoint;
import dev.mgiad.train.RunState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Train, eval and predict on an image folder of generated PNGs: bright top half ("up") or bottom half ("down"). */
class FolderPredictCliTest {

    private static ParamsCommandTest.Result run(String... args) { return ParamsCommandTest.run(args); }

    static BufferedImage picture(boolean up, SplittableRandom rng, int size) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) for (int x = 0; x < size; x++) {
            int v = (y < size / 2) == up ? 200 + rng.nextInt(55) : rng.nextInt(60);
            img.setRGB(x, y, v << 16 | v << 8 | (255 - v));
        }
        return img;
    }

    static Path folder(Path root, int perClass) throws IOException {
        SplittableRandom rng = new SplittableRandom(1);
        for (String split : new String[] {"train", "test"}) {
            for (String cls : new String[] {"down", "up"}) {
                Path d = Files.createDirectories(root.resolve(split).resolve(cls));
                int n = split.equals("train") ? perClass : perClass / 4;
                for (int i = 0; i < n; i++) ImageIO.write(picture(cls.equals("up"), rng, 12), "png", d.resolve(i + ".png").toFile());
            }
        }
        return root;
    }

    @Test
    void trainEvalAndPredictOnAnImageFolder(@TempDir Path tmp) throws Exception {
        Path data = folder(tmp.resolve("updown"), 32);
        Path dir = tmp.resolve("run");
        var t = run("train", "--dataset", "folder", "--data-dir", data.toString(), "--image-size", "8", "--model", "resnet20",
                "--widths", "4,8,8", "--blocks", "1", "--epochs", "3", "--batch-size", "16", "--lr", "0.1", "--threads", "1",
                "--out", dir.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("on folder (64 train / 16 test images)"), t.out());
        RunState st = Checkpoint.readState(dir);
        assertTrue(st.options().dataset().isFolder());
        assertEquals(java.util.List.of("down", "up"), st.options().dataset().classNames());
        assertEquals(3, st.model().inChannels());
        assertEquals(2, st.model().classes());
        float[] mean = st.options().dataset().mean();
        assertTrue(mean[0] > 0.2 && mean[0] < 0.8, "mean of red " + mean[0]);

        var ev = run("eval", "--checkpoint", dir.toString(), "--threads", "1");
        assertEquals(0, ev.code(), ev.err());
        assertTrue(ev.out().contains("on folder test (16 images)") && ev.out().contains(" up "), ev.out());

        Path up = tmp.resolve("probe-up.png"), down = tmp.resolve("probe-down.jpg");
        ImageIO.write(picture(true, new SplittableRandom(9), 40), "png", up.toFile()); // larger: resized as training was
        ImageIO.write(picture(false, new SplittableRandom(9), 40), "jpeg", down.toFile());
        var p = run("predict", "--checkpoint", dir.toString(), "--top", "1", "--threads", "1", up.toString(), down.toString());
        assertEquals(0, p.code(), p.err());
        String[] lines = p.out().strip().split("\n");
        assertEquals(2, lines.length, p.out());
        assertTrue(lines[0].startsWith(up + ":  up "), p.out());
        assertTrue(lines[1].startsWith(down + ":  down "), p.out());
        var j = run("predict", "--checkpoint", dir.toString(), "--json", "--threads", "1", up.toString());
        assertEquals(0, j.code(), j.err());
        assertTrue(j.out().startsWith("{\"checkpoint\":") && j.out().contains("\"class\":\"up\"") && j.out().contains("\"class\":\"down\""), j.out());

        Path broken = tmp.resolve("broken.png");
        Files.writeString(broken, "not a png");
        var bad = run("predict", "--checkpoint", dir.toString(), up.toString(), broken.toString());
        assertNotEquals(0, bad.code());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
        assertTrue(bad.err().contains(broken + ": not a PNG or JPEG image"), bad.err());
        assertFalse(bad.out().contains("up"), "nothing is printed before every image is read");
        var top0 = run("predict", "--checkpoint", dir.toString(), "--top", "0", up.toString());
        assertTrue(top0.err().contains("--top must be >= 1"), top0.err());
    }

    @Test
    void stopAfterStepsThenResumeFromTheCommandLine(@TempDir Path tmp) throws Exception {
        Path data = folder(tmp.resolve("updown"), 32);
        Path dir = tmp.resolve("run");
        var a = run("train", "--dataset", "folder", "--data-dir", data.toString(), "--image-size", "8", "--model", "resnet20",
                "--widths", "4,8,8", "--blocks", "1", "--epochs", "1", "--batch-size", "16", "--threads", "1",
                "--stop-after-steps", "2", "--checkpoint-every", "1", "--out", dir.toString());
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().contains("stopped by --stop-after-steps at step 2 of epoch 1"), a.out());
        assertTrue(Checkpoint.latest(dir).getFileName().toString().equals("ckpt-0000-step000002"));
        var b = run("train", "--resume", dir.toString(), "--threads", "1", "--max-time", "1h");
        assertEquals(0, b.code(), b.err());
        assertTrue(b.out().contains("continuing epoch 1 at step 2") && b.out().contains("test accuracy"), b.out());
        var bad = run("train", "--resume", dir.toString(), "--max-time", "soon");
        assertTrue(bad.err().contains("'soon' is not a positive duration"), bad.err());
        assertEquals(java.time.Duration.ofMinutes(90), DurationConverter.parse("1h30m"));
        assertEquals(java.time.Duration.ofSeconds(90), DurationConverter.parse("90"));
        assertEquals(java.time.Duration.ofMinutes(45), DurationConverter.parse("PT45M"));
        assertEquals(null, DurationConverter.parse("5x"));
    }

    @Test
    void folderMistakesAreOneLine(@TempDir Path tmp) throws Exception {
        var noDir = run("train", "--dataset", "folder", "--epochs", "1");
        assertTrue(noDir.err().contains("--dataset folder needs --data-dir"), noDir.err());
        var size = run("train", "--dataset", "cifar10", "--image-size", "16", "--epochs", "1", "--data-dir", tmp.toString());
        assertTrue(size.err().contains("--image-size applies to --dataset folder only"), size.err());
        Files.createDirectories(tmp.resolve("f/train/a"));
        var empty = run("train", "--dataset", "folder", "--data-dir", tmp.resolve("f").toString(), "--epochs", "1");
        assertNotEquals(0, empty.code());
        assertEquals(1, empty.err().strip().lines().count(), empty.err());
        assertTrue(empty.err().contains("only one class"), empty.err());
    }
}
