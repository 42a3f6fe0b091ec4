package dev.mgiad.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import org.junit.jupiter.api.Test;

class DatasetKindTest {
    @Test
    void cliNames() {
        assertEquals(DatasetKind.CIFAR10, DatasetKind.fromCliName("cifar10"));
        assertEquals(DatasetKind.CIFAR100, DatasetKind.fromCliName("CIFAR100"));
        assertEquals(DatasetKind.FASHION_MNIST, DatasetKind.fromCliName(" fashion-mnist "));
        assertEquals("unknown dataset 'mnist'; valid names are: cifar10, cifar100, fashion-mnist",
                assertThrows(DatasetException.class, () -> DatasetKind.fromCliName("mnist")).getMessage());
        assertThrows(DatasetException.class, () -> DatasetKind.fromCliName(null));
    }

    @Test
    void factsAreConsistent() {
        for (DatasetKind k : DatasetKind.values()) {
            assertEquals(k.channels(), k.mean().length, k.name());
            assertEquals(k.channels(), k.std().length, k.name());
            assertEquals(k.classes(), k.defaultClassNames().size(), k.name());
            assertEquals(k.classes(), new HashSet<>(k.defaultClassNames()).size(), k.name());
        }
        assertEquals(20, new HashSet<>(Cifar100Names.COARSE).size());
        assertEquals(32, DatasetKind.CIFAR100.height());
        assertEquals(28, DatasetKind.FASHION_MNIST.width());
        assertEquals("cifar-100-binary", DatasetKind.CIFAR100.folderName());
        assertEquals(0.2010f, DatasetKind.CIFAR10.std(2));
        assertEquals(0.4409f, DatasetKind.CIFAR100.mean(2));
        assertEquals(0.5f, DatasetKind.FASHION_MNIST.std(0));
    }

    @Test
    void constantsCannotBeChangedThroughAccessors() {
        DatasetKind.CIFAR10.mean()[0] = 99f;
        assertEquals(0.4914f, DatasetKind.CIFAR10.mean(0));
    }
}
