package dev.hybridvit.weights;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An allow-listed Python object read from a pickle as inert data: its class name and the fields its
 * {@code __dict__} held (for example the {@code argparse.Namespace} of training options that real
 * checkpoints carry). No Python or Java code of the class is run.
 */
public record PickledObject(String className, Map<String, Object> fields) {
    public PickledObject(String className) {
        this(className, new LinkedHashMap<>());
    }

    public Object get(String field) {
        return fields.get(field);
    }

    @Override
    public String toString() {
        return className + fields;
    }
}
