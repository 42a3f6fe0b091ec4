package dev.mgiad.datasets;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;

/**
 * PNG and JPEG files to the planar bytes the networks are trained on, one way for every caller: the image-folder
 * data set reads its training images with it and {@code mgiad predict} reads the user's images with it, so an image
 * is resized exactly as the run's data was.
 *
 * <p>Geometry: the largest centred window with the target's aspect ratio is cut out (so nothing is stretched), then
 * resized to the target: by area averaging when shrinking (every source pixel counts with the area it covers, no
 * aliasing) and bilinearly when enlarging (half-pixel centres, as PIL and torchvision). An image already at the
 * target size is taken pixel for pixel. Colour: grey images (any bit depth) are read from their samples, not through
 * Java2D's colour conversion, which would change their values; colour images become sRGB bytes, and grey from colour
 * is the ITU-R 601 luma {@code 0.299 R + 0.587 G + 0.114 B} (PIL's {@code convert("L")}). Alpha is dropped.
 * Everything here is plain arithmetic on arrays, so the result is the same on every machine.
 */
public final class ImageFiles {
    static {
        // decoding needs no display; without this a machine with a broken X setup could fail in AWT start-up
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    private ImageFiles() { }

    /** Whether a file name has an image suffix this class reads (.png, .jpg, .jpeg, any case). */
    public static boolean isImageName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    /**
     * Decodes a PNG or JPEG file.
     *
     * @throws DatasetException naming the file when it is missing, unreadable, not an image, or corrupt
     */
    public static BufferedImage read(Path file) {
        DataFiles.requireFile(file);
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) throw new DatasetException(file + ": cannot open the file");
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw new DatasetException(file + ": not a PNG or JPEG image");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                BufferedImage img = reader.read(0);
                if (img == null || img.getWidth() <= 0 || img.getHeight() <= 0) throw new DatasetException(file + ": empty image");
                return img;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof DatasetException d) throw d;
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new DatasetException(file + ": corrupt or unsupported image (" + why + ")", e);
        }
    }

    /** Whether an image holds grey values only (its colour space is grey), which decides a folder's channel count. */
    public static boolean isGray(BufferedImage img) {
        return img.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY;
    }

    /** {@link #read} then {@link #toPlanar}. */
    public static byte[] readPlanar(Path file, int channels, int height, int width) {
        return toPlanar(read(file), channels, height, width);
    }

    /**
     * The image as {@code channels x height x width} planar bytes (channels 1: grey, 3: R, G, B), cropped to the
     * target's aspect ratio around the centre and resized as the class comment says.
     */
    public static byte[] toPlanar(BufferedImage img, int channels, int height, int width) {
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        if (height <= 0 || width <= 0) throw new IllegalArgumentException("target size must be positive");
        int h = img.getHeight(), w = img.getWidth();
        float[][] planes = planes(img, channels);
        // centred crop to the target aspect ratio: keep the full extent of the limiting side
        int ch = h, cw = w;
        if ((long) w * height > (long) h * width) cw = Math.max(1, (int) Math.round((double) h * width / height));
        else ch = Math.max(1, (int) Math.round((double) w * height / width));
        int y0 = (h - ch) / 2, x0 = (w - cw) / 2;
        byte[] out = new byte[channels * height * width];
        for (int c = 0; c < channels; c++) {
            float[] plane = resize(crop(planes[c], w, x0, y0, cw, ch), cw, ch, width, height);
            for (int i = 0; i < plane.length; i++) out[c * height * width + i] = (byte) Math.max(0, Math.min(255, Math.round(plane[i])));
        }
        return out;
    }

    /** The image's values 0..255 as 1 (grey) or 3 (R, G, B) row-major planes. */
    private static float[][] planes(BufferedImage img, int channels) {
        int h = img.getHeight(), w = img.getWidth();
        float[][] p = new float[channels][h * w];
        if (isGray(img)) {
            Raster r = img.getRaster();
            int bits = img.getColorModel().getComponentSize(0);
            double scale = 255.0 / ((1L << bits) - 1);
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
                float v = (float) (r.getSample(x, y, 0) * scale);
                for (int c = 0; c < channels; c++) p[c][y * w + x] = v;
            }
            return p;
        }
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < argb.length; i++) {
            int rr = (argb[i] >> 16) & 0xFF, gg = (argb[i] >> 8) & 0xFF, bb = argb[i] & 0xFF;
            if (channels == 3) {
                p[0][i] = rr;
                p[1][i] = gg;
                p[2][i] = bb;
            } else {
                p[0][i] = (float) (0.299 * rr + 0.587 * gg + 0.114 * bb);
            }
        }
        return p;
    }

    private static float[] crop(float[] plane, int w, int x0, int y0, int cw, int ch) {
        float[] out = new float[cw * ch];
        for (int y = 0; y < ch; y++) System.arraycopy(plane, (y0 + y) * w + x0, out, y * cw, cw);
        return out;
    }

    /** Separable resize of a {@code w x h} plane to {@code ow x oh}: rows first, then columns. */
    static float[] resize(float[] src, int w, int h, int ow, int oh) {
        if (w == ow && h == oh) return src;
        float[] rows = new float[h * ow];
        for (int y = 0; y < h; y++) resample(src, y * w, 1, w, rows, y * ow, 1, ow);
        float[] out = new float[oh * ow];
        for (int x = 0; x < ow; x++) resample(rows, x, ow, h, out, x, ow, oh);
        return out;
    }

    /** One line of {@code n} samples (spaced {@code step}) to {@code m} samples: area average down, bilinear up. */
    private static void resample(float[] src, int off, int step, int n, float[] dst, int dOff, int dStep, int m) {
        double scale = (double) n / m;
        if (n == m) {
            for (int i = 0; i < m; i++) dst[dOff + i * dStep] = src[off + i * step];
        } else if (scale > 1) { // each output covers [i*scale, (i+1)*scale) of the input
            for (int i = 0; i < m; i++) {
                double lo = i * scale, hi = lo + scale, sum = 0;
                for (int j = (int) lo; j < Math.min(n, (int) Math.ceil(hi)); j++) {
                    double cover = Math.min(hi, j + 1) - Math.max(lo, j);
                    if (cover > 0) sum += cover * src[off + j * step];
                }
                dst[dOff + i * dStep] = (float) (sum / scale);
            }
        } else {
            for (int i = 0; i < m; i++) {
                double pos = Math.max(0, Math.min(n - 1, (i + 0.5) * scale - 0.5));
                int j = (int) pos;
                int j1 = Math.min(n - 1, j + 1);
                double t = pos - j;
                dst[dOff + i * dStep] = (float) ((1 - t) * src[off + j * step] + t * src[off + j1 * step]);
            }
        }
    }

    /** Writes planar bytes as a PNG (grey or RGB), e.g. to look at what a data set holds; atomic is not needed here. */
    public static void writePng(byte[] planar, int channels, int height, int width, Path file) throws IOException {
        BufferedImage img = new BufferedImage(width, height, channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        int hw = height * width;
        for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) {
            int i = y * width + x;
            if (channels == 1) img.getRaster().setSample(x, y, 0, planar[i] & 0xFF);
            else img.setRGB(x, y, (planar[i] & 0xFF) << 16 | (planar[hw + i] & 0xFF) << 8 | (planar[2 * hw + i] & 0xFF));
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        if (!ImageIO.write(img, "png", file.toFile())) throw new IOException("no PNG writer");
    }
}
