package dev.mgiad.datasets;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A data set of the user's own images, laid out as torchvision's {@code ImageFolder} expects, one folder per split
 * and one sub-folder per class:
 * <pre>
 *   ROOT/train/&lt;class&gt;/*.png|jpg|jpeg
 *   ROOT/test/&lt;class&gt;/...     (or ROOT/val/)
 * </pre>
 * Classes are the training split's sub-folders in sorted order (their index is the label); the test split may
 * lack some of them but may not add any. Every image is cropped to a square around its centre and resized to
 * {@code size x size} by {@link ImageFiles}, the same code {@code mgiad predict} uses. A split is grey (1 channel)
 * when every training image is grey, else RGB; the channel count is then fixed for the run. Files without an image
 * suffix and hidden files are skipped, as torchvision does; a corrupt image fails with its file named.
 */
public final class ImageFolder {
    private ImageFolder() { }

    /** The largest side accepted for {@code --image-size}; the networks' levels halve it, so it must stay sane. */
    public static final int MAX_SIZE = 1024;

    /** The folder of a split: {@code train}, else {@code test} or {@code val}. */
    public static Path splitDir(Path root, boolean train) {
        if (!Files.isDirectory(root)) {
            throw new DatasetException(root + ": " + (Files.exists(root) ? "not a directory" : "does not exist")
                    + " (an image folder holds train/ and test/ with one sub-folder per class)");
        }
        if (train) {
            Path t = root.resolve("train");
            if (!Files.isDirectory(t)) throw new DatasetException(root + ": no train/ folder (an image folder holds train/ and test/ with one sub-folder per class)");
            return t;
        }
        for (String name : List.of("test", "val")) {
            Path t = root.resolve(name);
            if (Files.isDirectory(t)) return t;
        }
        throw new DatasetException(root + ": no test/ or val/ folder (an image folder holds train/ and test/ with one sub-folder per class)");
    }

    /** The class names of a data set: the sorted sub-folders of {@code ROOT/train}. */
    public static List<String> classNames(Path root) {
        Path dir = splitDir(root, true);
        List<String> names = new ArrayList<>();
        for (Path p : list(dir)) {
            String n = p.getFileName().toString();
            if (Files.isDirectory(p) && !n.startsWith(".")) names.add(n);
            else if (Files.isRegularFile(p) && ImageFiles.isImageName(n)) {
                throw new DatasetException(p + ": images must be inside one sub-folder per class, not directly in " + dir.getFileName() + "/");
            }
        }
        if (names.isEmpty()) throw new DatasetException(dir + ": no class sub-folders");
        if (names.size() < 2) throw new DatasetException(dir + ": only one class (" + names.getFirst() + "); a classifier needs at least two");
        return names;
    }

    /**
     * Reads the training split, deciding the channel count from the images.
     *
     * @param size the side of the square images the network gets (before any padding)
     */
    public static ImageDataset readTrain(Path root, int size) {
        List<String> classes = classNames(root);
        return read(root, true, size, 0, classes);
    }

    /**
     * Reads a split with a known channel count and class list (the test split of a run, or the training split of a
     * resumed one).
     *
     * @param channels 1 or 3, or 0 to decide from the images
     */
    public static ImageDataset read(Path root, boolean train, int size, int channels, List<String> classes) {
        if (size < 1 || size > MAX_SIZE) throw new DatasetException("--image-size must be between 1 and " + MAX_SIZE + ", got " + size);
        if (channels != 0 && channels != 1 && channels != 3) throw new DatasetException("image folders have 1 or 3 channels, not " + channels);
        Path dir = splitDir(root, train);
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path p : list(dir)) {
            String n = p.getFileName().toString();
            if (n.startsWith(".")) continue;
            if (!Files.isDirectory(p)) {
                if (ImageFiles.isImageName(n)) {
                    throw new DatasetException(p + ": images must be inside one sub-folder per class, not directly in " + dir.getFileName() + "/");
                }
                continue;
            }
            int label = classes.indexOf(n);
            if (label < 0) {
                throw new DatasetException(p + ": class '" + n + "' is not among the training classes " + classes);
            }
            int before = files.size();
            for (Path f : list(p)) {
                String fn = f.getFileName().toString();
                if (!fn.startsWith(".") && Files.isRegularFile(f) && ImageFiles.isImageName(fn)) {
                    files.add(f);
                    labels.add(label);
                }
            }
            if (files.size() == before) throw new DatasetException(p + ": no PNG or JPEG images");
        }
        if (files.isEmpty()) throw new DatasetException(dir + ": no class sub-folders with images");
        int planes = channels == 0 ? 3 : channels, imageBytes = planes * size * size;
        if ((long) files.size() * imageBytes > Integer.MAX_VALUE - 16) {
            throw new DatasetException(dir + ": " + files.size() + " images of " + planes + "x" + size + "x" + size
                    + " are too many to hold in memory; use a smaller --image-size");
        }
        byte[] pixels = new byte[files.size() * imageBytes];
        AtomicBoolean allGray = new AtomicBoolean(true);
        // decoding dominates; every image writes its own slot, so the result does not depend on the thread schedule
        IntStream.range(0, files.size()).parallel().forEach(i -> {
            BufferedImage img = ImageFiles.read(files.get(i));
            if (!ImageFiles.isGray(img)) allGray.set(false);
            byte[] b = ImageFiles.toPlanar(img, planes, size, size);
            System.arraycopy(b, 0, pixels, i * imageBytes, imageBytes);
        });
        int[] lab = labels.stream().mapToInt(Integer::intValue).toArray();
        if (channels == 0 && allGray.get()) { // keep the first plane only
            int hw = size * size;
            byte[] gray = new byte[files.size() * hw];
            for (int i = 0; i < files.size(); i++) System.arraycopy(pixels, i * imageBytes, gray, i * hw, hw);
            return new ImageDataset(1, size, size, gray, lab, null, classes, List.of());
        }
        return new ImageDataset(planes, size, size, pixels, lab, null, classes, List.of());
    }

    /** Per-channel mean and standard deviation of the {@code [0,1]}-scaled pixels, for normalisation. */
    public record Stats(float[] mean, float[] std) { }

    /**
     * The statistics of a split (the training split: the test images must not leak into them). A channel that is
     * constant gets std 1 rather than 0, so normalisation stays defined.
     */
    public static Stats stats(ImageDataset ds) {
        int c = ds.channels(), hw = ds.height() * ds.width();
        double[] sum = new double[c], sq = new double[c];
        for (int i = 0; i < ds.count(); i++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < ds.height(); y++) for (int x = 0; x < ds.width(); x++) {
                    double v = ds.pixel(i, ch, y, x) / 255.0;
                    sum[ch] += v;
                    sq[ch] += v * v;
                }
            }
        }
        float[] mean = new float[c], std = new float[c];
        double count = (double) ds.count() * hw;
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / count, var = Math.max(0, sq[ch] / count - m * m);
            mean[ch] = (float) m;
            std[ch] = var > 1e-12 ? (float) Math.sqrt(var) : 1f;
        }
        return new Stats(mean, std);
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> l = new ArrayList<>(s.toList());
            Collections.sort(l, (a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
            return l;
        } catch (IOException e) {
            throw new DatasetException(dir + ": cannot list the folder (" + e.getMessage() + ")", e);
        }
    }

    /** A short description for logs: {@code folder:PATH (N classes, CxSxS)}. */
    public static String describe(Path root, ImageDataset ds) {
        return String.format(Locale.ROOT, "folder %s (%d classes, %dx%dx%d)", root, ds.classNames().size(), ds.channels(), ds.height(), ds.width());
    }
}
