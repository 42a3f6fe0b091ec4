/**
 * Getting CIFAR-10, CIFAR-100 and Fashion-MNIST from disk (or the network) into normalized
 * float batches.
 *
 * <p>The pieces, in the order data flows through them: {@link dev.mgiad.datasets.DataLocator}
 * finds the folder (and {@link dev.mgiad.datasets.Downloader} fills the cache when asked), a
 * {@link dev.mgiad.datasets.DatasetReader} validates the files and returns an
 * {@link dev.mgiad.datasets.ImageDataset} of raw bytes, and a
 * {@link dev.mgiad.datasets.BatchLoader} turns it into {@link dev.mgiad.datasets.Batch}es through a
 * {@link dev.mgiad.datasets.Transform} (augmentation and normalization). {@link
 * dev.mgiad.datasets.Datasets} ties the first three together for the command line.
 *
 * <p>The user's own images: {@link dev.mgiad.datasets.ImageFolder} reads a folder with one sub-folder per class,
 * {@link dev.mgiad.datasets.ImageFiles} decodes, crops and resizes PNG and JPEG files (for training and for
 * prediction alike), and a {@link dev.mgiad.datasets.DataSpec} describes a run's data, built-in or folder, with its
 * classes and normalisation.
 *
 * <p>Everything that can go wrong with data is reported as a {@link dev.mgiad.datasets.DatasetException}
 * whose message names the file and the problem, because those errors are read by people, not code.
 */
package dev.mgiad.datasets;
