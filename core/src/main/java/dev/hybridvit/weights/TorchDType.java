package dev.hybridvit.weights;

import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.Optional;

/**
 * The typed storages of PyTorch's pickle format ({@code torch.FloatStorage} …) and how each is
 * read: floating types become float32 arrays, integer and boolean types int64 arrays.
 */
public enum TorchDType {
    FLOAT("FloatStorage", 4, DataType.FLOAT32),
    DOUBLE("DoubleStorage", 8, DataType.FLOAT32),
    HALF("HalfStorage", 2, DataType.FLOAT32),
    BFLOAT16("BFloat16Storage", 2, DataType.FLOAT32),
    LONG("LongStorage", 8, DataType.INT64),
    INT("IntStorage", 4, DataType.INT64),
    SHORT("ShortStorage", 2, DataType.INT64),
    CHAR("CharStorage", 1, DataType.INT64),
    BYTE("ByteStorage", 1, DataType.INT64),
    BOOL("BoolStorage", 1, DataType.INT64);

    /** The class name under module {@code torch}. */
    public final String pythonName;
    /** Bytes per element in the storage record. */
    public final int width;
    /** The type of the array it is read into. */
    public final DataType readAs;

    TorchDType(String pythonName, int width, DataType readAs) {
        this.pythonName = pythonName;
        this.width = width;
        this.readAs = readAs;
    }

    static Optional<TorchDType> byStorageName(String name) {
        return Arrays.stream(values()).filter(t -> t.pythonName.equals(name)).findFirst();
    }

    /** The storage written for an array of {@code type} (float32 and int64 only: what torch.load needs). */
    static TorchDType forWriting(DataType type) {
        return switch (type) {
            case FLOAT32 -> FLOAT;
            case INT64 -> LONG;
            case FLOAT16 -> HALF;
            default -> throw new IllegalArgumentException("cannot write a " + type + " tensor to a .pth file");
        };
    }
}
